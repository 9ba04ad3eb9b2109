import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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
  private server: Server | undefined;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Serves `/metrics` and `/healthz`; port 0 picks a free one. Returns the port. */
  async listen(port: number): Promise<number> {
    const server = createServer((req, res) => {
      if (req.url === '/metrics') {
        this.registry.metrics().then(
          (body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body),
          (e: Error) => res.writeHead(500).end(e.message),
        );
      } else if (req.url === '/healthz') {
        res.writeHead(200).end();
      } else {
        res.writeHead(404).end();
      }
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, resolve));
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
