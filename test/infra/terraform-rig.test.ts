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

  beforeAll(async () => {
    terraform = await Terraform.start();
  });
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('inits offline from the mirror and validates a config with openstack_compute_instance_v2', () => {
    const dir = workdir(config({ flavor_name: 'm1.small', network: [{ name: 'DHBW' }] }));
    const result = terraform.initAndValidate(dir);
    expect(result).toMatchObject({ valid: true, error_count: 0 });
    const lock = readFileSync(join(dir, '.terraform.lock.hcl'), 'utf8');
    const registry = String.raw`registry\.(terraform\.io|opentofu\.org)`;
    const pinned = (name: string, version: string) =>
      new RegExp(String.raw`provider "${registry}/${name}" \{\n\s+version\s+= "${version.replaceAll('.', '\\.')}"`);
    expect(lock).toMatch(pinned('terraform-provider-openstack/openstack', defaults.versions.openstackProvider));
    expect(lock).toMatch(pinned('hashicorp/random', defaults.versions.randomProvider));
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

  it('applies random_password locally: the random provider in the mirror generates and keeps the password', () => {
    const dir = workdir({
      terraform: { required_providers: { random: { source: 'hashicorp/random', version: defaults.versions.randomProvider } } },
      resource: { random_password: { token: { length: 24, special: false, min_numeric: 2 } } },
      output: { token: { value: `\${random_password.token.result}`, sensitive: true } },
    });
    expect(terraform.run(dir, 'init').ok).toBe(true);
    const apply = terraform.run(dir, 'apply', '-auto-approve');
    expect(apply.output).toContain('Apply complete! Resources: 1 added');
    const token = JSON.parse(terraform.run(dir, 'output', '-json').output).token;
    expect(token.sensitive).toBe(true);
    expect(token.value).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(token.value.replace(/\D/g, '').length).toBeGreaterThanOrEqual(2);
    expect(terraform.run(dir, 'plan', '-detailed-exitcode').ok).toBe(true);
  });
});
