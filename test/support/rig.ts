import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Starts a rig service (idempotent) and returns the KEY=value lines it prints for clients. */
export function rig(service: string, ...args: string[]): Record<string, string> {
  const out = execFileSync('bash', [`scripts/rig/${service}.sh`, 'start', ...args], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 20 * 60_000,
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
