import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const backendDir = fileURLToPath(new URL('../..', import.meta.url));

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The backend as its own process (`src/main.ts`), the way it runs in production. */
export interface BackendProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** Everything it wrote to stdout so far (JSON log lines). */
  logs(): string;
  /** Resolves with the exit code once it has exited. */
  readonly exited: Promise<number | null>;
}

export async function spawnBackend(env: Readonly<Record<string, string>>): Promise<BackendProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: backendDir,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, url: `http://127.0.0.1:${port}`, logs: () => out, exited };
}

/** Polls `url` until it answers with `status`, or fails after `ms`. */
export async function waitForStatus(url: string, status: number, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === status) return;
      last = String(res.status);
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer ${status} within ${ms} ms (last: ${last})`);
}
