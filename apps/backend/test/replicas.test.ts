import { once } from 'node:events';
import { createConnection, createServer } from 'node:net';
import pg from 'pg';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBackendConfig } from '../src/config.ts';
import { MIGRATIONS } from '../src/db/migrations.ts';
import { migrate } from '../src/db/migrator.ts';
import { BackendServer } from '../src/server.ts';
import { startBackend } from './support/backend.ts';
import { serverDatabase, type TestDatabase } from './support/databases.ts';
import { freePort, waitForStatus } from './support/process.ts';

async function appliedVersions(url: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
  await client.end();
  return rows.map((r) => r.version);
}

describe('several backends on one PostgreSQL', () => {
  const dbs: TestDatabase[] = [];
  const fresh = async (prefix: string) => {
    const db = await serverDatabase(prefix);
    dbs.push(db);
    return db;
  };

  afterAll(async () => {
    for (const db of dbs) await db.drop();
  });

  it('migrates once when five migrators race on a fresh database', async () => {
    const db = await fresh('migrate_race');
    const pools = Array.from({ length: 5 }, () => new pg.Pool({ connectionString: db.env.DATABASE_URL, max: 1 }));
    const applied = await Promise.all(pools.map((p) => migrate(p, MIGRATIONS)));
    await Promise.all(pools.map((p) => p.end()));
    expect(applied.filter((a) => a.length > 0)).toEqual([MIGRATIONS.map((m) => m.version)]);
    expect(await appliedVersions(db.env.DATABASE_URL ?? '')).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('starts two replicas at once on a fresh database; both become ready and share the data', async () => {
    const db = await fresh('replicas');
    const [a, b] = await Promise.all([startBackend(db.env), startBackend(db.env)]);
    try {
      expect(await appliedVersions(db.env.DATABASE_URL ?? '')).toEqual(MIGRATIONS.map((m) => m.version));
      const list = async (url: string) =>
        (await (await fetch(`${url}/api/todos`)).json()) as { id: number; title: string; completed: boolean }[];
      expect(await list(a.url)).toEqual([]);
      const created = await fetch(`${b.url}/api/todos`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'made on b' }),
      });
      const todo = (await created.json()) as { id: number };
      expect((await list(a.url)).map((t) => t.title)).toEqual(['made on b']);
      await fetch(`${b.url}/api/todos/${todo.id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ completed: true }),
      });
      expect((await list(a.url))[0]?.completed).toBe(true);
      await fetch(`${b.url}/api/todos`, { method: 'DELETE' });
      expect(await list(a.url)).toEqual([]);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('waits for a database that is not there yet, serving 503 meanwhile, then migrates and serves', async () => {
    const db = await fresh('late');
    const target = new URL(db.env.DATABASE_URL ?? '');
    const late = new URL(target);
    late.port = String(await freePort());
    const config = loadBackendConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: late.toString() });
    const server = new BackendServer(config, pino({ level: 'silent' }));
    const started = server.start();
    const proxy = createServer((socket) => {
      const upstream = createConnection(Number(target.port), target.hostname);
      socket.pipe(upstream).pipe(socket);
      const close = () => {
        socket.destroy();
        upstream.destroy();
      };
      socket.on('error', close);
      upstream.on('error', close);
    });
    try {
      await waitUntil(() => {
        try {
          return server.port > 0;
        } catch {
          return false;
        }
      });
      const url = `http://127.0.0.1:${server.port}`;
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/readyz`)).status).toBe(503);
      const api = await fetch(`${url}/api/todos`);
      expect(api.status).toBe(503);
      expect(api.headers.get('retry-after')).toBe('1');
      proxy.listen(Number(late.port), '127.0.0.1');
      await once(proxy, 'listening');
      await started;
      await waitForStatus(`${url}/readyz`, 200, 10_000);
      expect((await fetch(`${url}/api/todos`)).status).toBe(200);
    } finally {
      await server.stop();
      proxy.close();
    }
  });
});

async function waitUntil(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
