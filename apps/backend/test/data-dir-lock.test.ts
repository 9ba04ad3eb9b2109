import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type BackendProcess, freePort, spawnBackend, waitForStatus } from './support/process.ts';

const backendDir = fileURLToPath(new URL('..', import.meta.url));
/** The embedded database and nothing else, whatever the environment of the test run says. */
const embedded = (dataDir: string) => ({ PGLITE_DATA_DIR: dataDir, DATABASE_URL: '', PGHOST: '' });

/** A second backend on the same directory, as a second `pnpm dev` starts it: its exit code and what it printed. */
async function secondBackend(dataDir: string): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: backendDir,
    env: { ...process.env, PORT: String(await freePort()), HOST: '127.0.0.1', ...embedded(dataDir) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  return { code, stderr, stdout };
}

describe('two backends on one embedded data directory (two `pnpm dev`)', () => {
  const running: BackendProcess[] = [];
  afterAll(async () => {
    for (const p of running) {
      p.child.kill('SIGTERM');
      await p.exited;
    }
  });

  it('the second exits saying the directory is in use, by which process, and what to do', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'two-devs-')), 'pglite');
    const first = await spawnBackend(embedded(dataDir));
    running.push(first);
    await waitForStatus(`${first.url}/readyz`, 200, 60_000);

    const second = await secondBackend(dataDir);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`the embedded database directory ${dataDir} is in use by process ${first.child.pid} (`);
    expect(second.stderr).toContain('src/main.ts');
    expect(second.stderr).toMatch(/PGLITE_DATA_DIR=<dir>/);
    expect(second.stderr).not.toMatch(/RuntimeError|Aborted|wasm/i);

    const health = await fetch(`${first.url}/readyz`);
    expect(health.status).toBe(200);
  });

  it('a lock left by a killed backend is stale: the next one starts', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'stale-lock-')), 'pglite');
    const killed = await spawnBackend(embedded(dataDir));
    await waitForStatus(`${killed.url}/readyz`, 200, 60_000);
    killed.child.kill('SIGKILL');
    await killed.exited;

    const next = await spawnBackend(embedded(dataDir));
    running.push(next);
    await waitForStatus(`${next.url}/readyz`, 200, 60_000);
  });
});
