import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaults } from '@stratus/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Terraform } from './terraform.ts';

const config = (instance: Record<string, unknown>) => ({
  terraform: {
    required_providers: {
      openstack: { source: 'terraform-provider-openstack/openstack', version: defaults.versions.openstackProvider },
      random: { source: 'hashicorp/random', version: defaults.versions.randomProvider },
    },
  },
  resource: {
    random_password: { token: { length: 32, special: false } },
    openstack_compute_instance_v2: {
      smoke: { name: 'smoke', image_name: 'Ubuntu 24.04', metadata: { token: `\${random_password.token.result}` }, ...instance },
    },
  },
});

describe('Terraform rig', () => {
  let terraform: Terraform;
  const dirs: string[] = [];
  const workdir = (body: object) => {
    const dir = mkdtempSync(join(tmpdir(), 'stratus-tf-smoke-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'main.tf.json'), JSON.stringify(body));
    return dir;
  };

  beforeAll(() => {
    terraform = new Terraform();
  });
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('inits offline from the mirror and validates a config with openstack_compute_instance_v2', () => {
    const dir = workdir(config({ flavor_name: 'm1.small', network: [{ name: 'DHBW' }] }));
    const result = terraform.initAndValidate(dir);
    expect(result).toMatchObject({ valid: true, error_count: 0 });
    const lock = readFileSync(join(dir, '.terraform.lock.hcl'), 'utf8');
    expect(lock).toContain(
      `provider "registry.terraform.io/terraform-provider-openstack/openstack" {\n  version     = "${defaults.versions.openstackProvider}"`,
    );
    expect(lock).toContain(
      `provider "registry.terraform.io/hashicorp/random" {\n  version     = "${defaults.versions.randomProvider}"`,
    );
  });

  it('checks against the real provider schema: an unknown argument fails validation', () => {
    const result = terraform.initAndValidate(workdir(config({ flavour_name: 'm1.small' })));
    expect(result.valid).toBe(false);
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'error',
        detail: expect.stringContaining('No argument or block type is named "flavour_name"'),
      }),
    ]);
  });
});
