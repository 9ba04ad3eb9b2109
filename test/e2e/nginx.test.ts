import { chmodSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { type IncomingHttpHeaders, request } from 'node:http';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { defaults } from '@stratus/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appBuilds, dockerfileStage, DOCKERFILE as IMAGE_DOCKERFILE } from '../../scripts/images.ts';
import { rig } from '../support/rig.ts';
import { BackendProcess, freePort } from './backend-process.ts';
import { DnsStub } from './dns-stub.ts';
import { buildFrontend, dropDatabase, freshDatabase, frontend } from './fixtures.ts';
import { entrypointEnv, NginxServer, renderTemplate } from './nginx-server.ts';

const TEMPLATE = readFileSync(join(frontend, 'nginx/default.conf.template'), 'utf8');
const FRONTEND_BUILD = appBuilds(defaults).find((build) => build.app === 'frontend');
/** The frontend's stage of the app Dockerfile, with the build arguments config gives it. */
const DOCKERFILE = dockerfileStage(
  readFileSync(IMAGE_DOCKERFILE, 'utf8'),
  FRONTEND_BUILD?.target ?? '',
  FRONTEND_BUILD?.buildArgs ?? {},
);
const RESOLV_CONF = existsSync('/etc/resolv.conf') ? readFileSync('/etc/resolv.conf', 'utf8') : '';
/** Where the image copies the build; the test's copy of the rendered config points at its own build instead. */
const IMAGE_ROOT = 'root /usr/share/nginx/html;';
const DATABASE = 'stratus_nginx';
const BACKEND_HOST = 'backend.stratus.test';

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

interface Todo {
  readonly title: string;
  readonly url: string;
}

/** One HTTP/1.1 request without any client-side decoding, so headers such as Host and Accept-Encoding are exactly ours. */
function call(
  base: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe("the frontend image's nginx config: rendered like the image's entrypoint, real nginx, real backend", () => {
  let tools: Record<string, string>;
  let build: string;
  let backend: BackendProcess;
  let dns: DnsStub;
  let resolver: string;
  let nginx: NginxServer;
  const servers: NginxServer[] = [];

  /** nginx with the template rendered for this backend, its DNS the stub (as if the operator set NGINX_LOCAL_RESOLVERS). */
  const startNginx = async (backendUrl: string): Promise<NginxServer> => {
    const port = await freePort();
    const env = entrypointEnv(
      DOCKERFILE,
      {
        PORT: `127.0.0.1:${port}`,
        BACKEND_URL: backendUrl,
        NGINX_ENTRYPOINT_LOCAL_RESOLVERS: '',
        NGINX_LOCAL_RESOLVERS: resolver,
      },
      RESOLV_CONF,
    );
    const rendered = renderTemplate(tools.ENVSUBST ?? '', TEMPLATE, env);
    if (!rendered.includes(IMAGE_ROOT)) throw new Error(`the template no longer says '${IMAGE_ROOT}'`);
    const server = new NginxServer({
      nginx: tools.NGINX ?? '',
      mimeTypes: tools.NGINX_MIME_TYPES ?? '',
      serverBlock: rendered.replace(IMAGE_ROOT, `root ${build};`),
      port,
    });
    servers.push(server);
    await server.start();
    return server;
  };

  const backendPort = () => new URL(backend.url).port;

  beforeAll(async () => {
    tools = await rig('nginx');
    build = buildFrontend('stratus-nginx-build-');
    chmodSync(build, 0o755);
    backend = new BackendProcess({ databaseUrl: await freshDatabase(DATABASE) });
    await backend.start();
    dns = new DnsStub();
    resolver = await dns.start();
    dns.records.set(BACKEND_HOST, '127.0.0.1');
    nginx = await startNginx(`http://${BACKEND_HOST}:${backendPort()}`);
  });

  afterAll(async () => {
    for (const server of servers) await server.stop();
    await backend?.stop();
    await dns?.stop();
    if (backend) dropDatabase(DATABASE);
    if (build) rmSync(build, { recursive: true, force: true });
  });

  const file = (path: string) => readFileSync(join(build, path));
  const asset = (extension: string): string => {
    const name = readdirSync(join(build, 'assets')).find((entry) => entry.endsWith(extension));
    if (!name) throw new Error(`the build has no ${extension} asset`);
    return `/assets/${name}`;
  };

  it("renders the Dockerfile's defaults into the ports and names of @stratus/config, touching no nginx variable", () => {
    const env = entrypointEnv(DOCKERFILE, {}, RESOLV_CONF);
    expect(env.PORT).toBe(String(defaults.todo.frontend.port));
    expect(env.BACKEND_URL).toBe(`http://${defaults.todo.backend.service}:${defaults.todo.backend.port}`);
    expect(env.NGINX_LOCAL_RESOLVERS).toMatch(/\S/);
    const rendered = renderTemplate(tools.ENVSUBST ?? '', TEMPLATE, env);
    const substituted = ['PORT', 'BACKEND_URL', 'NGINX_LOCAL_RESOLVERS'].reduce(
      (text, name) => text.replaceAll(`\${${name}}`, env[name] ?? ''),
      TEMPLATE,
    );
    expect(rendered).toBe(substituted);
    expect(rendered).not.toMatch(/\$\{/);
    expect(() =>
      new NginxServer({
        nginx: tools.NGINX ?? '',
        mimeTypes: tools.NGINX_MIME_TYPES ?? '',
        serverBlock: rendered,
        port: defaults.todo.frontend.port,
      }).check(),
    ).not.toThrow();
  });

  it.each(['/', '/active/whatever', '/index.html'])('answers %s with index.html, to be revalidated every time', async (path) => {
    const reply = await call(nginx.url, path);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/html/);
    expect(reply.headers['cache-control']).toBe('no-cache');
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expect(reply.body.equals(file('index.html'))).toBe(true);
  });

  it.each(['.js', '.css'])('serves the hashed %s asset with a year-long immutable cache', async (extension) => {
    const path = asset(extension);
    const reply = await call(nginx.url, path);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe(extension === '.js' ? 'application/javascript' : 'text/css');
    expect(reply.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expect(reply.body.equals(file(path))).toBe(true);
  });

  it('answers a missing asset with 404, not with the app', async () => {
    const reply = await call(nginx.url, '/assets/index-00000000.js');
    expect(reply.status).toBe(404);
    expect(reply.headers['cache-control']).toBeUndefined();
    expect(reply.body.toString()).not.toContain('<div id="root">');
  });

  it('gzips JavaScript for clients that accept it, and says that the answer varies by Accept-Encoding', async () => {
    const path = asset('.js');
    const gzipped = await call(nginx.url, path, { headers: { 'accept-encoding': 'gzip' } });
    expect(gzipped.status).toBe(200);
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.headers.vary).toMatch(/Accept-Encoding/i);
    expect(gzipped.body.length).toBeLessThan(file(path).length / 2);
    expect(gunzipSync(gzipped.body).equals(file(path))).toBe(true);
    const plain = await call(nginx.url, path);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(file(path))).toBe(true);
  });

  it('proxies /api/ to the real backend, resolved through the resolver, with the Host and X-Forwarded-* it sets', async () => {
    expect((await call(nginx.url, '/api/todos', { method: 'DELETE' })).status).toBe(204);
    const post = (title: string, headers: Record<string, string> = {}) =>
      call(nginx.url, '/api/todos', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ title }),
      });

    const direct = await post('through nginx');
    expect(direct.status).toBe(201);
    expect(direct.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    const created = JSON.parse(direct.body.toString()) as Todo;
    expect(created.url).toMatch(new RegExp(`^${nginx.url}/api/todos/[^/]+$`));
    expect(direct.headers.location).toBe(created.url);

    const forwarded = await post('behind a TLS proxy', {
      host: 'todo.example.org',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'spoofed.example',
    });
    expect(forwarded.status).toBe(201);
    expect((JSON.parse(forwarded.body.toString()) as Todo).url).toMatch(/^https:\/\/todo\.example\.org\/api\/todos\/[^/]+$/);

    const list = await call(nginx.url, '/api/todos');
    expect(list.status).toBe(200);
    expect(list.headers['cache-control']).toBe('no-cache');
    const todos = JSON.parse(list.body.toString()) as Todo[];
    expect(todos.map((todo) => todo.title).sort()).toEqual(['behind a TLS proxy', 'through nginx']);
    expect(todos.every((todo) => todo.url.startsWith(`${nginx.url}/api/todos/`))).toBe(true);

    const one = await call(nginx.url, new URL(created.url).pathname);
    expect(JSON.parse(one.body.toString())).toMatchObject({ title: 'through nginx', url: created.url });
    expect(dns.queries).toContain(BACKEND_HOST);
  });

  it('starts and serves the app while the backend is down, answers /api/ with 502, and recovers with the backend', async () => {
    await backend.stop();
    try {
      expect((await call(nginx.url, '/api/todos')).status).toBe(502);
      const fresh = await startNginx(`http://${BACKEND_HOST}:${backendPort()}`);
      const app = await call(fresh.url, '/');
      expect(app.status).toBe(200);
      expect(app.body.equals(file('index.html'))).toBe(true);
      expect((await call(fresh.url, '/api/todos')).status).toBe(502);
      await backend.start();
      expect((await call(fresh.url, '/api/todos')).status).toBe(200);
      expect((await call(nginx.url, '/api/todos')).status).toBe(200);
    } finally {
      await backend.start();
    }
  });

  it('starts and serves the app while the backend name does not resolve, and answers /api/ with 502', async () => {
    const unresolved = 'not-yet.stratus.test';
    const server = await startNginx(`http://${unresolved}:${backendPort()}`);
    expect((await call(server.url, '/active')).status).toBe(200);
    expect((await call(server.url, '/api/todos')).status).toBe(502);
    expect(dns.queries).toContain(unresolved);
  });
});
