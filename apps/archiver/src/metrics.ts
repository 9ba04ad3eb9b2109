import { MetricsServer } from '@stratus/telemetry/metrics-server';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The archiver's Prometheus metrics and the HTTP server that exposes them on `/metrics`. */
export class ArchiverMetrics {
  readonly registry = new Registry();
  readonly rows = new Counter({
    name: 'archiver_rows_total',
    help: 'Rows committed to the lake, by table.',
    labelNames: ['table'],
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: 'archiver_rejected_total',
    help: 'Messages kept out of the tables (malformed, dead letters, schema drift), by topic and reason.',
    labelNames: ['topic', 'reason'],
    registers: [this.registry],
  });
  readonly commits = new Counter({
    name: 'archiver_commits_total',
    help: 'Lake commits by outcome: ok, conflict (retried), fenced (refused: another writer owns the partition), error.',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly commitDuration = new Histogram({
    name: 'archiver_commit_duration_seconds',
    help: 'Time of one lake commit: staging, the Iceberg transaction and the catalog round trips.',
    buckets: [0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32],
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'archiver_queryable_latency_seconds',
    help: 'From the Kafka timestamp of a message to the commit that made its row queryable.',
    buckets: [0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128],
    registers: [this.registry],
  });
  readonly lag = new Gauge({
    name: 'archiver_lag_messages',
    help: "Offsets between the lake's committed position and the partition's high watermark.",
    labelNames: ['topic', 'partition'],
    registers: [this.registry],
  });
  readonly pending = new Gauge({
    name: 'archiver_batch_messages',
    help: 'Messages read into the open batch and not yet committed.',
    registers: [this.registry],
  });
  readonly lastCommit = new Gauge({
    name: 'archiver_last_commit_timestamp_seconds',
    help: 'Unix time of the last successful lake commit (0 before the first).',
    registers: [this.registry],
  });
  private lastCommitAt: number | undefined;
  readonly lastCommitAge = new Gauge({
    name: 'archiver_last_commit_age_seconds',
    help: 'Seconds since the last successful lake commit, or since the start before the first.',
    registers: [this.registry],
    collect: () => {
      this.lastCommitAge.set((Date.now() - (this.lastCommitAt ?? this.startedAt)) / 1000);
    },
  });
  private readonly startedAt = Date.now();
  private readonly server = new MetricsServer(this.registry);

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.lastCommit.set(0);
  }

  committed(at: number): void {
    this.lastCommitAt = at;
    this.lastCommit.set(at / 1000);
  }

  /** Serves `/metrics` and `/healthz`; port 0 picks a free one. Returns the port. */
  listen(port: number, healthy: () => boolean): Promise<number> {
    return this.server.listen(port, healthy);
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
