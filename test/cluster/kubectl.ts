import { type ChildProcess, execFile, spawn } from 'node:child_process';

/** What one kubectl call printed and how it exited. */
export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface KubectlOptions {
  /** Written to kubectl's standard input. */
  readonly input?: string;
  /** @default 120 s */
  readonly timeoutMs?: number;
}

export class KubectlError extends Error {
  override readonly name = 'KubectlError';
}

/** A forwarded port on loopback, for as long as `close` is not called. */
export interface PortForward {
  readonly url: string;
  close(): void;
}

/** kubectl against one kubeconfig; asynchronous, so the test can keep traffic flowing while it waits. */
export class Kubectl {
  constructor(
    readonly kubeconfig: string,
    readonly binary = 'kubectl',
  ) {}

  /** Runs kubectl and resolves with its output whatever the exit code. */
  run(args: readonly string[], options: KubectlOptions = {}): Promise<KubectlResult> {
    return new Promise((resolve) => {
      const child = execFile(
        this.binary,
        ['--kubeconfig', this.kubeconfig, ...args],
        { maxBuffer: 256 * 1024 * 1024, timeout: options.timeoutMs ?? 120_000, encoding: 'utf8' },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
          resolve({ code, stdout, stderr: error && !stderr ? error.message : stderr });
        },
      );
      if (options.input !== undefined) child.stdin?.end(options.input);
    });
  }

  /** Runs kubectl and returns its standard output; fails with the command and its error output on a non-zero exit. */
  async ok(args: readonly string[], options: KubectlOptions = {}): Promise<string> {
    const result = await this.run(args, options);
    if (result.code !== 0) {
      throw new KubectlError(`kubectl ${args.join(' ')} exited ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`);
    }
    return result.stdout;
  }

  async json<T>(args: readonly string[]): Promise<T> {
    return JSON.parse(await this.ok([...args, '-o', 'json'])) as T;
  }

  /** `kubectl exec` of an argv in one container; resolves whatever the exit code. */
  exec(namespace: string, pod: string, container: string, argv: readonly string[], timeoutMs = 120_000): Promise<KubectlResult> {
    return this.run(['-n', namespace, 'exec', pod, '-c', container, '--', ...argv], { timeoutMs });
  }

  /** `kubectl port-forward` of `target` (such as `svc/prometheus`) to a free loopback port. */
  portForward(namespace: string, target: string, port: number): Promise<PortForward> {
    const child: ChildProcess = spawn(
      this.binary,
      ['--kubeconfig', this.kubeconfig, '-n', namespace, 'port-forward', '--address', '127.0.0.1', target, `:${port}`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill();
        reject(new KubectlError(`kubectl port-forward ${target} printed no port within 30 s: ${output}`));
      }, 30_000);
      const read = (b: Buffer) => {
        output += b.toString('utf8');
        const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(output);
        if (!m) return;
        clearTimeout(timer);
        resolve({ url: `http://127.0.0.1:${m[1]}`, close: () => child.kill() });
      };
      child.stdout?.on('data', read);
      child.stderr?.on('data', read);
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new KubectlError(`kubectl port-forward ${target} exited ${code}: ${output}`));
      });
    });
  }
}
