import type { Pool } from 'pg';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The backend's Prometheus metrics: request durations, the pg pool's gauges and the default process metrics. */
export class Metrics {
  readonly registry = new Registry();
  private readonly requestDuration: Histogram<'route' | 'method' | 'status'>;
  private readonly byLabels = new Map<string, { observe(seconds: number): void }>();

  constructor(pool: Pool) {
    collectDefaultMetrics({ register: this.registry });
    this.requestDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration in seconds, by route, method and status',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(read());
        },
      });
    gauge('pg_pool_total_connections', 'Connections in the pg pool', () => pool.totalCount);
    gauge('pg_pool_idle_connections', 'Idle connections in the pg pool', () => pool.idleCount);
    gauge('pg_pool_waiting_clients', 'Queries waiting for a pg pool connection', () => pool.waitingCount);
  }

  observeRequest(route: string, method: string, status: number, seconds: number): void {
    const key = `${route} ${method} ${status}`;
    let child = this.byLabels.get(key);
    if (!child) {
      child = this.requestDuration.labels({ route, method, status });
      this.byLabels.set(key, child);
    }
    child.observe(seconds);
  }

  /** The exposition text and its Content-Type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
