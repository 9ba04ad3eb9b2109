import { MetricsServer } from '@stratus/telemetry/metrics-server';
import { Counter, collectDefaultMetrics, Registry } from 'prom-client';

/** The producer's Prometheus metrics and the HTTP server that exposes them on `/metrics`. */
export class ProducerMetrics {
  readonly registry = new Registry();
  readonly sent = new Counter({
    name: 'producer_events_sent_total',
    help: 'Events acknowledged by all in-sync replicas.',
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'producer_errors_total',
    help: 'Sends that failed after the client gave up retrying.',
    registers: [this.registry],
  });
  private readonly server = new MetricsServer(this.registry);

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Serves `/metrics` and `/healthz`; port 0 picks a free one. Returns the port. */
  listen(port: number, healthy: () => boolean): Promise<number> {
    return this.server.listen(port, healthy);
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
