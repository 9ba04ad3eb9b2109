import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { rig } from '../support/rig.ts';

const bootDir = fileURLToPath(new URL('../../packages/infra/src/boot/', import.meta.url));

describe('boot scripts', () => {
  beforeAll(() => {
    rig('actionlint');
  });

  it('pass shellcheck (the rig installs it from Debian)', () => {
    const scripts = readdirSync(bootDir).filter((f) => f.endsWith('.sh'));
    expect(scripts.sort()).toEqual(['common.sh', 'k3s-agent.sh', 'k3s-server.sh', 'web.sh']);
    const output = execFileSync('shellcheck', ['--shell=bash', '--external-sources', '--severity=style', ...scripts], {
      cwd: bootDir,
      encoding: 'utf8',
    });
    expect(output).toBe('');
  });

  it('parse with bash -n', () => {
    for (const script of readdirSync(bootDir).filter((f) => f.endsWith('.sh'))) {
      execFileSync('bash', ['-n', script], { cwd: bootDir });
    }
  });
});
