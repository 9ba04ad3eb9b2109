import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface BackendProcessProps {
  /** The PostgreSQL the backend uses. */
  readonly databaseUrl: string;
  /** How long to wait for `/readyz`. @default 60_000 */
  readonly readyTimeoutMs?: number;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port was assigned');
  return address.port;
}

/** The real backend (`apps/backend/src/main.ts`) as a child process on loopback; it keeps its port across restarts. */
export class BackendProcess {
  private child: ChildProcess | undefined;
  private port = 0;
  private output = '';

  constructor(private readonly props: BackendProcessProps) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts the backend and waits until `/readyz` answers 200. */
  async start(): Promise<void> {
    if (this.child) return;
    this.port ||= await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'apps/backend/src/main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        PORT: String(this.port),
        HOST: '127.0.0.1',
        DATABASE_URL: this.props.databaseUrl,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.output = '';
    const collect = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const deadline = Date.now() + (this.props.readyTimeoutMs ?? 60_000);
    while (!(await this.ready())) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await this.stop();
        throw new Error(`the backend did not become ready:\n${this.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Stops the backend with SIGTERM (its graceful shutdown), and SIGKILL if it is still there after 15 s. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  private async ready(): Promise<boolean> {
    try {
      return (await fetch(`${this.url}/readyz`)).status === 200;
    } catch {
      return false;
    }
  }
}
