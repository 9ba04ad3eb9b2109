import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { rig } from '../support/rig.ts';

const bootDir = fileURLToPath(new URL('../../packages/infra/src/boot/', import.meta.url));

describe('boot scripts', () => {
  beforeAll(async () => {
    await rig('actionlint');
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

  it('read values from the instance metadata, empty for a missing key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stratus-meta-'));
    try {
      const file = join(dir, 'meta_data.json');
      writeFileSync(file, JSON.stringify({ uuid: 'x', meta: { k3s_url: 'https://10.0.0.5:6443', app_version: '1.2.3' } }));
      const meta = (key: string) =>
        execFileSync('bash', ['-c', `source ./common.sh && meta ${key}`], {
          cwd: bootDir,
          env: { ...process.env, STRATUS_METADATA_FILE: file },
          encoding: 'utf8',
        });
      expect(meta('k3s_url')).toBe('https://10.0.0.5:6443\n');
      expect(meta('app_version')).toBe('1.2.3\n');
      expect(meta('floating_ip')).toBe('\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keep a secret on the volume: made once, the same on the next boot, readable by root only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stratus-secret-'));
    try {
      const file = join(dir, 'secrets', 'db_password');
      const secret = () =>
        execFileSync('bash', ['-c', `source ./common.sh && keep_secret ${file}`], { cwd: bootDir, encoding: 'utf8' });
      const first = secret();
      expect(first).toMatch(/^[0-9a-f]{48}\n$/);
      expect(secret()).toBe(first);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'secrets')).mode & 0o777).toBe(0o700);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('give PGDATA to the postgres uid with mode 0700, also when it already exists as root', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stratus-pgdata-'));
    try {
      const pgdata = join(dir, 'postgres');
      const run = () => execFileSync('bash', ['-c', `source ./common.sh && private_dir ${pgdata} 10999`], { cwd: bootDir });
      run();
      expect(statSync(pgdata)).toMatchObject({ uid: 10999, gid: 10999 });
      expect(statSync(pgdata).mode & 0o777).toBe(0o700);
      execFileSync('chown', ['0:0', pgdata]);
      run();
      expect(statSync(pgdata)).toMatchObject({ uid: 10999, gid: 10999 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
