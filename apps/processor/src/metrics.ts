import { MetricsServer } from '@stratus/telemetry/metrics-server';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The processor's Prometheus metrics and the HTTP server that exposes them on `/metrics`. */
export class ProcessorMetrics {
  readonly registry = new Registry();
  readonly eventsIn = new Counter({
    name: 'processor_events_in_total',
    help: 'Input messages processed and committed, valid or not.',
    registers: [this.registry],
  });
  readonly windowsOut = new Counter({
    name: 'processor_windows_out_total',
    help: 'Window results committed to the results topic.',
    registers: [this.registry],
  });
  readonly deadLetters = new Counter({
    name: 'processor_dead_letters_total',
    help: 'Invalid input messages committed to the dead-letter topic.',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly skippedEvents = new Counter({
    name: 'processor_skipped_events_total',
    help: 'Offsets of events skipped because the committed position was below the log start (BELOW_LOG_START=log-start).',
    labelNames: ['partition'],
    registers: [this.registry],
  });
  readonly restores = new Counter({
    name: 'processor_restores_total',
    help: 'Times this member fenced an events partition and restored its window state from the changelog.',
    labelNames: ['partition'],
    registers: [this.registry],
  });
  readonly consumerLag = new Gauge({
    name: 'processor_consumer_lag',
    help: "Offsets between this member's committed position and the broker's high watermark, per owned partition.",
    labelNames: ['partition'],
    registers: [this.registry],
  });
  readonly processingLatency = new Histogram({
    name: 'processor_processing_latency_seconds',
    help: 'From the append time of the last message of a batch to the commit of its transaction.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
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
