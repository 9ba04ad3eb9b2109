import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Starts a rig service (idempotent) and returns the KEY=value lines it prints for clients. Asynchronous: a start can
 * take minutes, and a vitest worker that blocks for 60 s fails the run (its RPC to the runner times out).
 */
export async function rig(service: string, ...args: string[]): Promise<Record<string, string>> {
  const out = await new Promise<string>((resolve, reject) => {
    const child = execFile(
      'bash',
      [`scripts/rig/${service}.sh`, 'start', ...args],
      { cwd: root, encoding: 'utf8', timeout: 20 * 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
    child.stderr?.pipe(process.stderr);
  });
  return Object.fromEntries(
    out
      .split('\n')
      .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** Runs another verb of a rig service script, such as `stop` or `kill-broker 2`. */
export function rigCommand(service: string, ...args: string[]): string {
  return execFileSync('bash', [`scripts/rig/${service}.sh`, ...args], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}
