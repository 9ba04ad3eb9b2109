import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

/** One `/api` request that passed through, as `METHOD /path`, with its answer's status. */
export interface ApiCall {
  readonly request: string;
  readonly status: number;
}

export interface AppServerProps {
  /** The directory of the production build (`index.html`, `assets/`). */
  readonly root: string;
  /** Where `/api` requests go, such as `http://127.0.0.1:3000`. */
  readonly backendUrl: string;
}

/**
 * The production build on loopback as nginx serves it in the image: files, the SPA fallback to `index.html`,
 * and `/api` proxied to the backend. It records every API call, and counts those still in flight.
 */
export class AppServer {
  readonly calls: ApiCall[] = [];
  private inFlight = 0;
  private readonly server: Server;

  constructor(private readonly props: AppServerProps) {
    if (!existsSync(join(props.root, 'index.html'))) throw new Error(`'root' must hold a build with index.html: ${props.root}`);
    this.server = createServer((req, res) => {
      if ((req.url ?? '').startsWith('/api/')) this.proxy(req, res);
      else this.serveFile(req, res);
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** Resolves once no API call is in flight. */
  async settled(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight > 0) {
      if (Date.now() > deadline) throw new Error(`${this.inFlight} API calls still in flight after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** The calls other than reads, such as `POST /api/todos`. */
  writes(): string[] {
    return this.calls.map((c) => c.request).filter((r) => !r.startsWith('GET '));
  }

  private serveFile(req: IncomingMessage, res: ServerResponse): void {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = join(this.props.root, path);
    const found = file.startsWith(this.props.root) && existsSync(file) && statSync(file).isFile();
    if (!found && path.startsWith('/assets/')) {
      res.writeHead(404).end();
      return;
    }
    const served = found ? file : join(this.props.root, 'index.html');
    res.writeHead(200, { 'content-type': TYPES[extname(served)] ?? 'application/octet-stream' });
    res.end(readFileSync(served));
  }

  private proxy(req: IncomingMessage, res: ServerResponse): void {
    const call = `${req.method} ${req.url}`;
    const target = new URL(req.url ?? '/', this.props.backendUrl);
    this.inFlight++;
    const done = (status: number) => {
      this.calls.push({ request: call, status });
      this.inFlight--;
    };
    const upstream = request(
      target,
      {
        method: req.method,
        headers: { ...req.headers, 'x-forwarded-host': req.headers.host ?? '', 'x-forwarded-proto': 'http' },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('end', () => done(answer.statusCode ?? 502));
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'the backend cannot be reached' }));
      done(502);
    });
    req.pipe(upstream);
  }
}
