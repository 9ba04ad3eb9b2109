import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverDatabase, type TestDatabase } from './support/databases.ts';
import { type BackendProcess, spawnBackend, waitForStatus } from './support/process.ts';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const OUTAGE_SECONDS = 3;

describe('the backend while PostgreSQL restarts under load', () => {
  let db: TestDatabase;
  let backend: BackendProcess;

  beforeAll(async () => {
    db = await serverDatabase('resilience');
    backend = await spawnBackend(db.env);
    await waitForStatus(`${backend.url}/readyz`, 200);
  });

  afterAll(async () => {
    if (backend && backend.child.exitCode === null) {
      backend.child.kill('SIGTERM');
      await backend.exited;
    }
    await db?.drop();
  });

  it('does not crash, reports the outage on /readyz, and resumes by itself', async () => {
    const post = (title: string) =>
      fetch(`${backend.url}/api/todos`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title }),
      });
    expect((await post('written before the restart')).status).toBe(201);

    const apiStatuses = new Map<number, number>();
    const readyStatuses: number[] = [];
    const transportErrors: string[] = [];
    let running = true;
    const record = (status: number) => apiStatuses.set(status, (apiStatuses.get(status) ?? 0) + 1);
    const worker = async (n: number) => {
      for (let i = 0; running; i++) {
        try {
          const res = i % 2 === 0 ? await post(`load ${n}.${i}`) : await fetch(`${backend.url}/api/todos`);
          await res.arrayBuffer();
          record(res.status);
        } catch (e) {
          transportErrors.push((e as Error).message);
        }
        await sleep(5);
      }
    };
    const prober = async () => {
      while (running) {
        const res = await fetch(`${backend.url}/readyz`);
        await res.arrayBuffer();
        readyStatuses.push(res.status);
        await sleep(100);
      }
    };
    const load = [0, 1, 2, 3].map(worker);
    const probing = prober();

    await sleep(500);
    await promisify(execFile)('bash', ['scripts/rig/postgres.sh', 'restart', String(OUTAGE_SECONDS)], { cwd: repoRoot });
    await waitForStatus(`${backend.url}/readyz`, 200, 20_000);
    const successesBefore = (apiStatuses.get(200) ?? 0) + (apiStatuses.get(201) ?? 0);
    await sleep(1_000);
    running = false;
    await Promise.all([...load, probing]);

    expect(backend.child.exitCode).toBeNull();
    expect(transportErrors).toEqual([]);
    expect(readyStatuses).toContain(503);
    expect(readyStatuses.at(-1)).toBe(200);
    expect([...apiStatuses.keys()].sort()).toEqual([200, 201, 503]);
    expect((apiStatuses.get(200) ?? 0) + (apiStatuses.get(201) ?? 0)).toBeGreaterThan(successesBefore);

    const list = (await (await fetch(`${backend.url}/api/todos`)).json()) as { title: string }[];
    expect(list.map((t) => t.title)).toContain('written before the restart');
    expect((await post('written after the restart')).status).toBe(201);
    expect(backend.logs()).toMatch(/"reqId":"[^"]+".*"status":503/);
  });
});
