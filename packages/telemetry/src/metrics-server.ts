import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** The workers' small HTTP server: `/metrics` from a prom-client registry and `/healthz`. */
export class MetricsServer {
  private server: Server | undefined;

  constructor(private readonly registry: Registry) {}

  /** Serves on `port` (0 picks a free one) and returns the port; `/healthz` is 200 while `healthy()` holds, else 503. */
  async listen(port: number, healthy: () => boolean = () => true): Promise<number> {
    const server = createServer((req, res) => {
      if (req.url === '/metrics') {
        this.registry.metrics().then(
          (body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body),
          (e: Error) => res.writeHead(500).end(e.message),
        );
      } else if (req.url === '/healthz') {
        res.writeHead(healthy() ? 200 : 503).end();
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
