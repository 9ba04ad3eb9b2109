import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type StratusConfigInput } from '@stratus/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthTerraform } from '../../packages/infra/src/synth.ts';
import { type PlanJson, type SchemaJson, settle, stateFromCreationPlan } from './crafted-state.ts';
import { OFFLINE_CREDENTIALS as credentials, Terraform } from './terraform.ts';

/**
 * What Terraform would do to a running deployment when the config changes, without any cloud: each stack is planned
 * for creation, that plan becomes a state file (made-up ids and addresses, settled until the same config plans no
 * change), and the changed config is planned against that state with `-refresh=false`, the real OpenStack provider
 * and a Keystone address on loopback that nobody answers (so any API call would fail the plan).
 */

const IMAGE = '8c4a1d8e-1b0f-4c1e-9d3e-2f5a6b7c8d9e';
const NEWER_IMAGE = '0f6b7c2a-9d1e-4a3b-8c5d-6e7f8a9b0c1d';
const NETWORK = '4d2e1f0a-3b4c-4d5e-8f6a-7b8c9d0e1f2a';
const base: StratusConfigInput = {
  openstack: { image: 'Ubuntu 24.04', imageId: IMAGE, networkId: NETWORK, floatingIpPool: 'public' },
};

type Stack = 'web' | 'cluster';
type Actions = Record<string, string>;

const temp = mkdtempSync(join(tmpdir(), 'stratus-replace-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));
const k8sDir = join(temp, 'k8s');
mkdirSync(k8sDir);
writeFileSync(join(k8sDir, '00-namespaces.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: todo\n');

let terraform: Terraform;
let schema: SchemaJson;
const deployed: Partial<Record<Stack, object>> = {};
let synths = 0;

function merged(...inputs: StratusConfigInput[]): StratusConfigInput {
  const merge = (a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> => {
    const out = { ...a };
    for (const [k, v] of Object.entries(b)) {
      const prev = out[k];
      out[k] =
        prev && typeof prev === 'object' && v && typeof v === 'object' && !Array.isArray(v)
          ? merge(prev as Record<string, unknown>, v as Record<string, unknown>)
          : v;
    }
    return out;
  };
  return inputs.reduce<Record<string, unknown>>((a, b) => merge(a, b as Record<string, unknown>), {});
}

/** Synthesizes `input` and returns the directory of `stack`, initialized. */
async function synth(stack: Stack, input: StratusConfigInput): Promise<string> {
  const outdir = join(temp, `synth-${synths++}`);
  synthTerraform(parseConfig(input), outdir, { k8sDir, warn: () => {} });
  const dir = join(outdir, 'stacks', stack);
  await terraform.mustRunAsync({}, dir, 'init', '-input=false');
  return dir;
}

async function planJson(dir: string, state: object | undefined, ...args: string[]): Promise<PlanJson> {
  if (state) writeFileSync(join(dir, 'terraform.tfstate'), JSON.stringify(state));
  else rmSync(join(dir, 'terraform.tfstate'), { force: true });
  const plan = ['plan', '-refresh=false', '-input=false', '-lock=false', '-out=change.plan', ...args];
  await terraform.mustRunAsync(credentials, dir, ...plan);
  return JSON.parse(await terraform.mustRunAsync({}, dir, 'show', '-json', 'change.plan')) as PlanJson;
}

/** The state of a deployment made from the base config. */
async function deployment(stack: Stack): Promise<object> {
  const existing = deployed[stack];
  if (existing) return existing;
  const dir = await synth(stack, base);
  const created = stateFromCreationPlan(await planJson(dir, undefined), schema);
  const state = await settle(created, schema, (s) => planJson(dir, s));
  deployed[stack] = state;
  return state;
}

/** The planned action of every resource that would change (`create`, `update`, `delete-then-create`, `create-then-delete`). */
async function changes(stack: Stack, input: StratusConfigInput, ...args: string[]): Promise<Actions> {
  const state = await deployment(stack);
  const plan = await planJson(await synth(stack, input), state, ...args);
  return Object.fromEntries(
    plan.resource_changes
      .filter((r) => r.mode === 'managed' && r.change.actions.join() !== 'no-op')
      .map((r) => [r.address, r.change.actions.join('-then-')]),
  );
}

const WEB_SERVER = 'openstack_compute_instance_v2.server_instance_AD56310F';
const WEB_REVISION = 'terraform_data.server_revision_AEA3FF3C';
const WEB_FLOATING_IP = 'openstack_networking_floatingip_associate_v2.server_floating-ip-association_A977B855';
const PINS = 'terraform_data.pinned_pins_293202EB';
const K3S_SERVER = 'openstack_compute_instance_v2.k3s_server_instance_D0B6C7DB';

const servers = (actions: Actions, name: string) =>
  Object.entries(actions).filter(([address]) => address.startsWith(`openstack_compute_instance_v2.${name}`));

describe('plans of changes against a deployed state (offline, real provider)', () => {
  beforeAll(async () => {
    terraform = await Terraform.start();
    const dir = await synth('cluster', base);
    schema = JSON.parse(await terraform.mustRunAsync({}, dir, 'providers', 'schema', '-json')) as SchemaJson;
    await deployment('web');
    await deployment('cluster');
  }, 600_000);

  it('the same config plans no change, and nothing is read from the cloud: a new image under the same name changes nothing', async () => {
    for (const stack of ['web', 'cluster'] as const) {
      expect({ stack, changes: await changes(stack, base) }).toEqual({ stack, changes: {} });
      const json = JSON.parse(readFileSync(join(await synth(stack, base), 'cdk.tf.json'), 'utf8')) as { data?: object };
      expect(json.data).toBeUndefined();
    }
  });

  it('pinning a new image replaces every server: the stateful ones destroy-then-create, the agents create-before-destroy', async () => {
    const pinned = merged(base, { openstack: { imageId: NEWER_IMAGE } });
    expect(await changes('web', pinned)).toEqual({
      [WEB_SERVER]: 'delete-then-create',
      [WEB_REVISION]: 'delete-then-create',
      [WEB_FLOATING_IP]: 'update',
      [PINS]: 'update',
    });
    const cluster = await changes('cluster', pinned);
    expect(servers(cluster, 'k3s_server')).toEqual([[K3S_SERVER, 'delete-then-create']]);
    expect(servers(cluster, 'k3s_agent').map(([, a]) => a)).toEqual(['create-then-delete', 'create-then-delete']);
    expect(Object.keys(cluster).filter((a) => /volume|port|floatingip|secgroup|random_password/.test(a))).toEqual([]);
  });

  it('a flavor change replaces exactly the servers of that flavor', async () => {
    const web = merged(base, { openstack: { webFlavor: 'cb1.large' } });
    expect(await changes('cluster', web)).toEqual({});
    expect(servers(await changes('web', web), 'server')).toEqual([[WEB_SERVER, 'delete-then-create']]);
    const nodes = merged(base, { openstack: { nodeFlavor: 'mb1.xlarge' } });
    expect(await changes('web', nodes)).toEqual({});
    expect(servers(await changes('cluster', nodes), 'k3s').length).toBe(3);
  });

  it('a new app_version replaces the web server only, destroy-then-create, and keeps its volume and floating IP', async () => {
    expect(await changes('web', base, '-var', 'app_version=0.2.0')).toEqual({
      [WEB_SERVER]: 'delete-then-create',
      [WEB_REVISION]: 'delete-then-create',
      [WEB_FLOATING_IP]: 'update',
    });
    expect(await changes('cluster', { ...base, version: '0.2.0' })).toEqual({});
  });

  it('a k3s release replaces the server and every agent', async () => {
    const actions = await changes('cluster', merged(base, { versions: { k3s: 'v1.36.2+k3s1' } }));
    const replaced = servers(actions, 'k3s').map(([, a]) => a);
    expect(replaced.sort()).toEqual(['create-then-delete', 'create-then-delete', 'delete-then-create']);
  });

  it('replacing the k3s server plans no change to any agent: they join its kept port, whose address stays', async () => {
    for (const actions of [
      await changes('cluster', merged(base, { cluster: { autoDeployManifests: true } })),
      await changes('cluster', base, `-replace=${K3S_SERVER}`),
    ]) {
      expect(servers(actions, 'k3s_server')).toEqual([[K3S_SERVER, 'delete-then-create']]);
      expect(Object.keys(actions).filter((a) => a.includes('agent') || a.includes('port'))).toEqual([]);
    }
  });

  it('refuses to plan with an unpinned image or network, naming the field and the command', async () => {
    const dir = await synth('cluster', merged(base, { openstack: { imageId: '', networkId: '' } }));
    const plan = terraform.runWith(credentials, dir, 'plan', '-refresh=false', '-input=false', '-lock=false');
    expect(plan.ok).toBe(false);
    expect(plan.output).toContain('Resource precondition failed');
    expect(plan.output).toContain('openstack.imageId is not pinned: run "pnpm openstack:pin"');
    expect(plan.output).toContain('openstack.networkId is not pinned');
  });

  it('with the lake on Swift, creates its container and EC2 credentials, whose keys are sensitive outputs', async () => {
    const lake = merged(base, { lake: { storage: { backend: 'swift', endpoint: 'https://object.example.org' } } });
    const plan = (await planJson(await synth('cluster', lake), await deployment('cluster'))) as PlanJson & {
      configuration: { root_module: { outputs: Record<string, { sensitive?: boolean }> } };
    };
    const created = plan.resource_changes
      .filter((r) => r.change.actions.join() !== 'no-op')
      .map((r) => [r.type, r.change.actions.join()]);
    expect(created.sort()).toEqual([
      ['openstack_identity_ec2_credential_v3', 'create'],
      ['openstack_objectstorage_container_v1', 'create'],
    ]);
    const outputs = plan.configuration.root_module.outputs;
    expect(outputs.lake_s3_access_key?.sensitive).toBe(true);
    expect(outputs.lake_s3_secret_key?.sensitive).toBe(true);
    expect(outputs.lake_bucket?.sensitive).toBeUndefined();
  });
});
