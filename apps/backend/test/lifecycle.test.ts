import { once } from 'node:events';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverDatabase, type TestDatabase } from './support/databases.ts';
import { spawnBackend, waitForStatus } from './support/process.ts';

/** Starts a POST whose body is only half sent, so the request stays in flight until `finish` is called. */
function halfSentPost(url: string) {
  const body = JSON.stringify({ title: 'in flight during shutdown' });
  const req = request(`${url}/api/todos`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  });
  const response = new Promise<{ status: number; connection: string | undefined; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => {
        text += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body: text }));
    });
    req.on('error', reject);
  });
  req.write(body.slice(0, 10));
  return { response, finish: () => req.end(body.slice(10)) };
}

describe('the backend process lifecycle', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await serverDatabase('lifecycle');
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('on SIGTERM stops accepting, finishes the request in flight, and exits 0', async () => {
    const backend = await spawnBackend(db.env);
    await waitForStatus(`${backend.url}/readyz`, 200);
    const inFlight = halfSentPost(backend.url);
    await sleep(200);
    const signalled = Date.now();
    backend.child.kill('SIGTERM');
    await sleep(300);
    expect(backend.child.exitCode).toBeNull();
    await expect(fetch(`${backend.url}/healthz`)).rejects.toThrow();
    inFlight.finish();
    const answer = await inFlight.response;
    expect(answer.status).toBe(201);
    expect(JSON.parse(answer.body)).toMatchObject({ title: 'in flight during shutdown' });
    expect(answer.connection).toBe('close');
    expect(await backend.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(backend.logs()).toMatch(/"msg":"stopped"/);
  });

  it('closes a request that never completes at the shutdown deadline and still exits 0 in time', async () => {
    const backend = await spawnBackend({ ...db.env, SHUTDOWN_TIMEOUT_MS: '2000' });
    await waitForStatus(`${backend.url}/readyz`, 200);
    const stuck = halfSentPost(backend.url);
    stuck.response.catch(() => undefined);
    await sleep(200);
    const signalled = Date.now();
    backend.child.kill('SIGTERM');
    const [code] = (await once(backend.child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(3_000);
    await expect(stuck.response).rejects.toThrow();
  });

  it('refuses an invalid configuration at start-up, naming the variable', async () => {
    const backend = await spawnBackend({ ...db.env, PUBLIC_URL: 'ftp://x', LOG_LEVEL: 'loud' });
    expect(await backend.exited).toBe(2);
  });
});
