import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type StratusConfigInput } from '@stratus/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthTerraform } from '../../packages/infra/src/synth.ts';
import { Terraform } from './terraform.ts';

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
  beforeAll(() => {
    terraform = new Terraform();
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

  it('validate passes with a floating IP, an image id, three agents, auto-deployed manifests and the S3 backend', () => {
    const k8s = join(temp, 'k8s');
    mkdirSync(k8s, { recursive: true });
    writeFileSync(join(k8s, 'namespaces.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: todo\n');
    const stacks = synth(
      'variant',
      {
        version: '1.2.3',
        openstack: {
          floatingIpPool: 'public',
          image: '8c4a1d8e-1b0f-4c1e-9d3e-2f5a6b7c8d9e',
          keyPair: 'ops',
          cloud: 'dhbw',
          adminCidr: '203.0.113.0/24',
          state: { backend: 's3', bucket: 'tfstate', endpoint: 'https://object.example.org' },
        },
        cluster: { agents: 3, autoDeployManifests: true },
      },
      k8s,
    );
    for (const [name, dir] of Object.entries(stacks)) {
      expect({ name, ...terraform.initAndValidate(dir) }).toMatchObject({ name, valid: true, error_count: 0 });
    }
  });
});
