import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type StratusConfigInput } from '@stratus/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER_DATA_LIMIT } from '../../packages/infra/src/cloud-init.ts';
import { synthTerraform } from '../../packages/infra/src/synth.ts';
import { synthKubernetes } from '../../packages/k8s/src/synth.ts';
import { OFFLINE_CREDENTIALS as credentials, Terraform } from './terraform.ts';

const temp = mkdtempSync(join(tmpdir(), 'stratus-stacks-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** Synthesizes into a fresh directory and returns each stack's directory. */
function synth(name: string, input: StratusConfigInput, k8sDir?: string): Record<string, string> {
  const outdir = join(temp, name);
  const files = synthTerraform(parseConfig(input), outdir, { k8sDir, warn: () => {} });
  const stacks = files.filter((f) => f.endsWith('cdk.tf.json')).map((f) => join(f, '..'));
  return Object.fromEntries(stacks.map((dir) => [dir.slice(dir.lastIndexOf('/') + 1), dir]));
}

describe('synthesized stacks with the real Terraform CLI and providers', () => {
  let terraform: Terraform;
  beforeAll(async () => {
    terraform = await Terraform.start();
  });

  it('init (with the local backend) and validate pass for every stack of the default config', () => {
    const stacks = synth('defaults', {});
    expect(Object.keys(stacks).sort()).toEqual(['cluster', 'web']);
    for (const [name, dir] of Object.entries(stacks)) {
      const result = terraform.initAndValidate(dir, true);
      expect({ name, ...result }).toMatchObject({ name, valid: true, error_count: 0 });
      expect(result.diagnostics).toEqual([]);
    }
  });

  it('validate passes with a floating IP, pinned ids, three agents, auto-deployed manifests, the S3 backend and the lake on Swift', () => {
    const k8s = join(temp, 'k8s');
    mkdirSync(k8s, { recursive: true });
    writeFileSync(join(k8s, 'namespaces.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: todo\n');
    const stacks = synth(
      'variant',
      {
        version: '1.2.3',
        openstack: {
          floatingIpPool: 'public',
          imageId: '8c4a1d8e-1b0f-4c1e-9d3e-2f5a6b7c8d9e',
          networkId: '4d2e1f0a-3b4c-4d5e-8f6a-7b8c9d0e1f2a',
          keyPair: 'ops',
          cloud: 'dhbw',
          adminCidr: '203.0.113.0/24',
          state: { backend: 's3', bucket: 'tfstate', endpoint: 'https://object.example.org' },
        },
        cluster: { agents: 3, autoDeployManifests: true },
        lake: { storage: { backend: 'swift', endpoint: 'https://object.example.org' } },
      },
      k8s,
    );
    for (const [name, dir] of Object.entries(stacks)) {
      expect({ name, ...terraform.initAndValidate(dir) }).toMatchObject({ name, valid: true, error_count: 0 });
    }
  });

  it('fits the whole platform (the real dist/k8s manifests) into the k3s server user data', () => {
    const config = parseConfig({ cluster: { autoDeployManifests: true } });
    const k8s = join(temp, 'platform-k8s');
    const manifests = synthKubernetes(config, k8s);
    expect(manifests.length).toBeGreaterThan(0);
    const stacks = synth('platform', { cluster: { autoDeployManifests: true } }, k8s);
    const cluster = JSON.parse(readFileSync(join(stacks.cluster ?? '', 'cdk.tf.json'), 'utf8')) as {
      resource: { openstack_compute_instance_v2: Record<string, { name: string; user_data: string }> };
    };
    const server = Object.values(cluster.resource.openstack_compute_instance_v2).find((i) => i.name.endsWith('k3s-server'));
    const yamlBytes = manifests.reduce((n, f) => n + readFileSync(f).length, 0);
    expect(yamlBytes).toBeGreaterThan(USER_DATA_LIMIT);
    expect(server?.user_data.length).toBeLessThan(USER_DATA_LIMIT);
    expect(terraform.initAndValidate(stacks.cluster ?? '')).toMatchObject({ valid: true, error_count: 0 });
  });

  it('plans the creation of both stacks offline (pinned ids, placeholder credentials for a Keystone on loopback that is never called)', () => {
    const stacks = synth('plan', {
      openstack: { imageId: '8c4a1d8e-1b0f-4c1e-9d3e-2f5a6b7c8d9e', networkId: '4d2e1f0a-3b4c-4d5e-8f6a-7b8c9d0e1f2a' },
    });
    const expected = { web: 8, cluster: 17 };
    for (const [name, dir] of Object.entries(stacks)) {
      expect(terraform.run(dir, 'init').ok).toBe(true);
      const plan = terraform.runWith(credentials, dir, 'plan', '-input=false', '-lock=false');
      expect({ name, ok: plan.ok }).toEqual({ name, ok: true });
      expect(plan.output).toContain(`Plan: ${expected[name as keyof typeof expected]} to add, 0 to change, 0 to destroy.`);
    }
  });
});
