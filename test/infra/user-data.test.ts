import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseConfig, type StratusConfigInput } from '@stratus/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { synthTerraform } from '../../packages/infra/src/synth.ts';
import { rig } from '../support/rig.ts';

const temp = mkdtempSync(join(tmpdir(), 'stratus-user-data-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));
const k8sDir = join(temp, 'k8s');
mkdirSync(k8sDir);
writeFileSync(join(k8sDir, '10-todo.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: todo\n');

interface UserData {
  readonly server: string;
  readonly file: string;
  readonly document: { bootcmd?: string[][]; runcmd?: string[][] };
}

/** Every server's user data of a synthesis, decoded (base64, gzip) into a file. */
function userData(name: string, input: StratusConfigInput): UserData[] {
  const outdir = join(temp, name);
  synthTerraform(parseConfig(input), outdir, { k8sDir, warn: () => {} });
  return ['web', 'cluster'].flatMap((stack) => {
    const json = JSON.parse(readFileSync(join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8')) as {
      resource: { openstack_compute_instance_v2: Record<string, { name: string; user_data: string }> };
    };
    return Object.values(json.resource.openstack_compute_instance_v2).map((instance) => {
      const text = gunzipSync(Buffer.from(instance.user_data, 'base64')).toString('utf8');
      const file = join(outdir, `${instance.name}.yaml`);
      writeFileSync(file, text);
      return { server: instance.name, file, document: parse(text) as UserData['document'] };
    });
  });
}

function schema(file: string): { ok: boolean; output: string } {
  const run = spawnSync('cloud-init', ['schema', '--config-file', file], { encoding: 'utf8' });
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

const variants: Record<string, StratusConfigInput> = {
  defaults: {},
  everything: {
    openstack: { floatingIpPool: 'public', keyPair: 'ops' },
    cluster: { agents: 3, autoDeployManifests: true, cloudProvider: 'none' },
  },
};

describe("rendered user data against cloud-init's own schema (Debian's cloud-init)", () => {
  beforeAll(async () => {
    await rig('cloud-init');
  });

  it.each(Object.keys(variants))('is a valid cloud-config for every server (%s)', (variant) => {
    const all = userData(variant, variants[variant] ?? {});
    expect(all.map((u) => u.server)).toEqual(
      expect.arrayContaining(['stratus-web', 'stratus-k3s-server', 'stratus-k3s-agent-0']),
    );
    for (const { server, file } of all) {
      const result = schema(file);
      expect({ server, ...result }).toEqual({ server, ok: true, output: expect.stringContaining('Valid cloud-config') });
    }
  });

  it('the validator refuses what cloud-init would refuse, such as an empty package list', () => {
    const file = join(temp, 'bad.yaml');
    writeFileSync(file, '#cloud-config\npackage_update: true\npackages: []\nruncmd: [[bash, -c, "true"]]\n');
    expect(schema(file)).toEqual({ ok: false, output: expect.stringContaining('packages: [] is too short') });
  });

  it('closes the metadata service on every boot, and the shell in the boot commands passes shellcheck', () => {
    for (const { server, document, file } of userData('firewall', {})) {
      const shells = (document.bootcmd ?? []).filter((c) => c[0] === 'sh' && c[1] === '-c').map((c) => c[2] ?? '');
      expect({ server, shells: shells.length }).toEqual({ server, shells: 2 });
      for (const script of shells) {
        expect(script).toMatch(/-d 169\.254\.169\.254\/32 -j DROP$/);
        execFileSync('shellcheck', ['--shell=sh', '--severity=style', '-'], { input: script });
      }
      expect(readFileSync(file, 'utf8').indexOf('bootcmd:')).toBeLessThan(readFileSync(file, 'utf8').indexOf('runcmd:'));
    }
  });
});
