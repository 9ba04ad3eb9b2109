import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type ConfigError, defaults, parseConfig, type StratusConfig, type StratusConfigInput } from '@stratus/config';
import { afterAll, describe, expect, it } from 'vitest';
import { InfraConfigError } from './errors.ts';
import { type SynthOptions, synthTerraform } from './synth.ts';

type Block = Record<string, unknown>;
interface Stack {
  readonly resource: Record<string, Record<string, Block>>;
  readonly variable?: Record<string, Block>;
  readonly output: Record<string, Block>;
  readonly terraform: Block & { backend: Record<string, Block>; required_providers: Record<string, Block> };
}

const temp = mkdtempSync(join(tmpdir(), 'stratus-infra-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));
let runs = 0;

function synth(config: StratusConfig, options?: SynthOptions) {
  const outdir = join(temp, `out-${runs++}`);
  const files = synthTerraform(config, outdir, { warn: () => {}, ...options });
  const read = (name: string) => JSON.parse(readFileSync(join(outdir, 'stacks', name, 'cdk.tf.json'), 'utf8')) as Stack;
  return { outdir, files, web: read('web'), cluster: read('cluster') };
}
const synthWith = (input: StratusConfigInput, options?: SynthOptions) => synth(parseConfig(input), options);

function resources(stack: Stack, type: string): Block[] {
  return Object.values(stack.resource[type] ?? {});
}
function byName(stack: Stack, type: string, name: string): Block {
  const found = resources(stack, type).find((r) => r.name === name);
  if (!found) throw new Error(`no ${type} named ${name}`);
  return found;
}
/** The `terraform_data` revision that the instance's replace_triggered_by points at. */
function trigger(stack: Stack, instance: Block): Block {
  const lifecycle = instance.lifecycle as { replace_triggered_by: string[] };
  const [address] = lifecycle.replace_triggered_by;
  const [type, name] = (address ?? '').split('.');
  expect(type).toBe('terraform_data');
  const revision = stack.resource.terraform_data?.[name ?? ''];
  if (!revision) throw new Error(`replace_triggered_by points at a missing resource: ${address}`);
  return revision.triggers_replace as Block;
}
function userData(instance: Block): string {
  return gunzipSync(Buffer.from(String(instance.user_data), 'base64')).toString('utf8');
}

const PINNED = '0f6b7c2a-9d1e-4a3b-8c5d-6e7f8a9b0c1d';
const NETWORK = '4d2e1f0a-3b4c-4d5e-8f6a-7b8c9d0e1f2a';
const base = synth(defaults);
const instances = [base.web, base.cluster].flatMap((stack) =>
  resources(stack, 'openstack_compute_instance_v2').map((i) => ({ stack, i })),
);

describe('synthTerraform', () => {
  it('writes one cdk.tf.json per stack and the manifest, nothing else', () => {
    expect(base.files.map((f) => f.slice(base.outdir.length + 1))).toEqual([
      'manifest.json',
      'stacks/cluster/cdk.tf.json',
      'stacks/web/cdk.tf.json',
    ]);
  });

  it('is deterministic and machine-independent: same bytes twice, no absolute path, no timestamp', () => {
    const again = synth(defaults);
    for (const [i, file] of base.files.entries()) {
      const text = readFileSync(file, 'utf8');
      expect(readFileSync(again.files[i] ?? '', 'utf8')).toBe(text);
      expect(text).not.toContain(temp);
      expect(text).not.toContain(process.cwd());
      expect(text).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
    }
  });

  it('keeps state in a local file next to the stack by default, or in an S3 bucket when configured', () => {
    expect(base.web.terraform.backend).toEqual({ local: { path: 'terraform.tfstate' } });
    const s3 = synthWith({ openstack: { state: { backend: 's3', bucket: 'tfstate', endpoint: 'https://object.example.org' } } });
    expect(s3.cluster.terraform.backend.s3).toMatchObject({
      bucket: 'tfstate',
      key: 'stratus/cluster.tfstate',
      endpoints: { s3: 'https://object.example.org' },
      use_path_style: true,
    });
  });

  it('pins both providers and leaves the credentials to OS_* or clouds.yaml', () => {
    for (const stack of [base.web, base.cluster]) {
      expect(stack.terraform.required_providers).toEqual({
        openstack: { source: 'terraform-provider-openstack/openstack', version: defaults.versions.openstackProvider },
        random: { source: 'hashicorp/random', version: defaults.versions.randomProvider },
      });
      expect(JSON.stringify((stack as unknown as { provider: unknown }).provider)).toBe('{"openstack":[{}],"random":[{}]}');
    }
    const cloud = synthWith({ openstack: { cloud: 'dhbw', region: 'RegionOne' } });
    expect((cloud.web as unknown as { provider: { openstack: Block[] } }).provider.openstack).toEqual([
      { cloud: 'dhbw', region: 'RegionOne' },
    ]);
  });
});

describe('immutable servers', () => {
  it('gives every server a replacement trigger on image id, flavor and user data; create-before-destroy only without state', () => {
    expect(instances).toHaveLength(1 + 1 + defaults.cluster.agents);
    for (const { stack, i } of instances) {
      const stateful = i.block_device !== undefined;
      expect({ name: i.name, cbd: (i.lifecycle as Block).create_before_destroy }).toEqual({ name: i.name, cbd: !stateful });
      expect(i.config_drive).toBe(true);
      const t = trigger(stack, i);
      expect(Object.keys(t)).toEqual(expect.arrayContaining(['image_id', 'flavor', 'user_data_sha256']));
      expect(t).not.toHaveProperty('image');
      expect(t.flavor).toBe(i.flavor_name);
      expect(t.image_id).toBe(i.image_id);
    }
    expect(instances.filter(({ i }) => i.block_device !== undefined).map(({ i }) => i.name)).toEqual([
      'stratus-web',
      'stratus-k3s-server',
    ]);
  });

  it('changes the trigger when the flavor or the image changes', () => {
    const web = byName(base.web, 'openstack_compute_instance_v2', 'stratus-web');
    const flavor = synthWith({ openstack: { webFlavor: 'cb1.large', nodeFlavor: 'mb1.xlarge' } });
    const image = synthWith({ openstack: { imageId: PINNED } });
    const renamed = synthWith({ openstack: { image: 'Ubuntu 26.04' } });
    expect(trigger(flavor.web, byName(flavor.web, 'openstack_compute_instance_v2', 'stratus-web')).flavor).toBe('cb1.large');
    expect(trigger(base.web, web).flavor).toBe('cb1.medium');
    const server = (s: Stack) => trigger(s, byName(s, 'openstack_compute_instance_v2', 'stratus-k3s-server'));
    expect(server(flavor.cluster)).not.toEqual(server(base.cluster));
    expect(trigger(image.web, byName(image.web, 'openstack_compute_instance_v2', 'stratus-web')).image_id).toBe(PINNED);
    expect(server(image.cluster)).not.toEqual(server(base.cluster));
    expect(server(renamed.cluster)).toEqual(server(base.cluster));
  });

  it('boots the pinned image id and looks nothing up by name; an unpinned id makes the plan refuse', () => {
    const pinned = synthWith({ openstack: { imageId: PINNED } });
    const web = byName(pinned.web, 'openstack_compute_instance_v2', 'stratus-web');
    expect(web.image_id).toBe(PINNED);
    expect((web.block_device as Block[])[0]).toMatchObject({ uuid: PINNED, source_type: 'image', boot_index: 0 });
    for (const stack of [base.web, base.cluster]) expect((stack as unknown as { data?: object }).data).toBeUndefined();
    const pins = Object.values(pinned.web.resource.terraform_data ?? {}).find((r) => 'input' in r) as Block;
    const lifecycle = pins.lifecycle as { precondition: { condition: string; error_message: string }[] };
    expect(lifecycle.precondition.map((p) => p.error_message)).toEqual([
      expect.stringMatching(/^openstack\.imageId is not pinned: run "pnpm openstack:pin"/),
    ]);
    expect(web.depends_on).toEqual([expect.stringContaining('terraform_data.pinned_pins')]);
    expect(() => synthWith({ openstack: { imageId: 'Ubuntu' } })).toThrow(
      /openstack\.imageId = "Ubuntu": must be an OpenStack id/,
    );
  });

  it('makes the app version a variable that defaults to the config version and replaces the web server', () => {
    const upgraded = synthWith({ version: '1.2.3' });
    expect(base.web.variable?.app_version).toMatchObject({ type: 'string', default: '0.1.0' });
    expect(upgraded.web.variable?.app_version).toMatchObject({ default: '1.2.3' });
    const web = byName(upgraded.web, 'openstack_compute_instance_v2', 'stratus-web');
    expect(trigger(upgraded.web, web).app_version).toBe(`\${var.app_version}`);
    expect(web.metadata).toMatchObject({ app_version: `\${var.app_version}` });
    expect(upgraded.web.output.version).toMatchObject({ value: `\${var.app_version}` });
  });

  it('changes the cluster triggers when the k3s version changes', () => {
    const newer = synthWith({ versions: { k3s: 'v1.36.4+k3s1' } });
    for (const name of ['stratus-k3s-server', 'stratus-k3s-agent-0']) {
      const before = byName(base.cluster, 'openstack_compute_instance_v2', name);
      const after = byName(newer.cluster, 'openstack_compute_instance_v2', name);
      expect(trigger(newer.cluster, after).user_data_sha256).not.toBe(trigger(base.cluster, before).user_data_sha256);
      expect(userData(after)).toContain('v1.36.4+k3s1');
    }
  });

  it('keeps data on a volume in the server block device mapping, stops the server before deleting it, and tells the boot script the id', () => {
    const volume = byName(base.web, 'openstack_blockstorage_volume_v3', 'stratus-web-data');
    expect(volume).toMatchObject({ size: defaults.openstack.dataVolumeGb });
    expect(volume.lifecycle).toBeUndefined();
    const web = byName(base.web, 'openstack_compute_instance_v2', 'stratus-web');
    const id = String((web.metadata as Block).data_volume_id);
    expect(id).toMatch(/^\$\{openstack_blockstorage_volume_v3\.[\w-]+\.id\}$/);
    expect((web.block_device as Block[])[1]).toEqual({
      uuid: id,
      source_type: 'volume',
      destination_type: 'volume',
      boot_index: -1,
      delete_on_termination: false,
    });
    expect(web.stop_before_destroy).toBe(true);
    expect(web.lifecycle).toMatchObject({ create_before_destroy: false });
  });

  it('adds a floating IP only when a pool is configured, and puts it in the metadata for tls-san', () => {
    expect(resources(base.cluster, 'openstack_networking_floatingip_v2')).toHaveLength(0);
    const withIp = synthWith({ openstack: { floatingIpPool: 'public' } });
    expect(resources(withIp.cluster, 'openstack_networking_floatingip_v2')).toEqual([
      expect.objectContaining({ pool: 'public' }),
    ]);
    const server = byName(withIp.cluster, 'openstack_compute_instance_v2', 'stratus-k3s-server');
    expect(String((server.metadata as Block).floating_ip)).toMatch(/^\$\{openstack_networking_floatingip_v2\.[\w-]+\.address\}$/);
    expect(String(withIp.cluster.output.server_address?.value)).toContain('openstack_networking_floatingip_v2');
    expect(String(base.cluster.output.server_address?.value)).toContain('openstack_networking_port_v2');
    expect(String(synthWith({}).web.output.address?.value)).toContain('access_ip_v4');
  });
});

describe('cluster', () => {
  it('has one server on a kept port and cluster.agents agents that join its address, which is no trigger of theirs', () => {
    const three = synthWith({ cluster: { agents: 3 }, openstack: { networkId: NETWORK } });
    const names = resources(three.cluster, 'openstack_compute_instance_v2').map((i) => i.name);
    expect(names.sort()).toEqual(['stratus-k3s-agent-0', 'stratus-k3s-agent-1', 'stratus-k3s-agent-2', 'stratus-k3s-server']);
    const [port] = Object.keys(three.cluster.resource.openstack_networking_port_v2 ?? {});
    expect(three.cluster.resource.openstack_networking_port_v2?.[port ?? '']).toMatchObject({ network_id: NETWORK });
    const server = byName(three.cluster, 'openstack_compute_instance_v2', 'stratus-k3s-server');
    expect(server.network).toEqual([{ port: `\${openstack_networking_port_v2.${port}.id}` }]);
    expect(server.security_groups).toBeUndefined();
    for (const name of names.filter((n) => String(n).includes('agent'))) {
      const agent = byName(three.cluster, 'openstack_compute_instance_v2', String(name));
      const url = String((agent.metadata as Block).k3s_url);
      expect(url).toBe(`https://\${element(openstack_networking_port_v2.${port}.all_fixed_ips, 0)}:6443`);
      expect(Object.values(trigger(three.cluster, agent))).not.toContain(url);
      expect(JSON.stringify(trigger(three.cluster, agent))).not.toContain('openstack_');
    }
  });

  it('gives the server the server token and the agents only the agent token, both from random_password by reference', () => {
    const passwords = base.cluster.resource.random_password ?? {};
    expect(Object.values(passwords)).toEqual([
      expect.objectContaining({ length: 48, special: false }),
      expect.objectContaining({ length: 48, special: false }),
    ]);
    const token = Object.keys(passwords).find((k) => k.startsWith('k3s_token'));
    const agentToken = Object.keys(passwords).find((k) => k.startsWith('k3s_agent-token'));
    const server = byName(base.cluster, 'openstack_compute_instance_v2', 'stratus-k3s-server');
    expect(server.metadata).toMatchObject({
      k3s_token: `\${random_password.${token}.result}`,
      k3s_agent_token: `\${random_password.${agentToken}.result}`,
    });
    for (const i of resources(base.cluster, 'openstack_compute_instance_v2').filter((i) => i !== server)) {
      expect(i.metadata).toEqual({ k3s_agent_token: `\${random_password.${agentToken}.result}`, k3s_url: expect.any(String) });
    }
  });

  it('outputs the server address and the kubeconfig command', () => {
    expect(Object.keys(base.cluster.output).sort()).toEqual(['kubeconfig_command', 'server_address', 'server_private_address']);
    expect(String(base.cluster.output.kubeconfig_command?.value)).toMatch(
      /^ssh ubuntu@\$\{.+\} sudo cat \/etc\/rancher\/k3s\/k3s\.yaml/,
    );
  });

  it('places the synthesized manifests in the server user data when cluster.autoDeployManifests is on', () => {
    const k8s = join(temp, 'k8s');
    mkdirSync(join(k8s, 'todo'), { recursive: true });
    writeFileSync(join(k8s, 'todo', 'backend.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: backend}\n');
    writeFileSync(join(k8s, 'namespaces.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: todo}\n');
    const on = synthWith({ cluster: { autoDeployManifests: true } }, { k8sDir: k8s });
    const server = userData(byName(on.cluster, 'openstack_compute_instance_v2', 'stratus-k3s-server'));
    expect(server).toContain('path: /opt/stratus/manifests/namespaces.yaml');
    expect(server).toContain('path: /opt/stratus/manifests/todo-backend.yaml');
    expect(server).toContain('kind: Namespace');
    const staged = (stack: Stack) =>
      userData(byName(stack, 'openstack_compute_instance_v2', 'stratus-k3s-server')).match(
        /path: \/opt\/stratus\/manifests\/\S+/g,
      );
    expect(staged(base.cluster)).toEqual(['path: /opt/stratus/manifests/05-openstack.yaml']);
    expect(staged(synthWith({ cluster: { cloudProvider: 'none' } }).cluster)).toBeNull();
  });

  it('always ships the OpenStack cloud controller manager and Cinder CSI with cluster.cloudProvider openstack', () => {
    const server = userData(byName(base.cluster, 'openstack_compute_instance_v2', 'stratus-k3s-server'));
    expect(server).toContain('registry.k8s.io/provider-os/openstack-cloud-controller-manager:v1.36.0');
    expect(server).toContain('provisioner: cinder.csi.openstack.org');
    expect(server).toContain('- /usr/local/lib/stratus/k3s-server.sh\n    - v1.36.1+k3s1\n    - openstack');
  });

  it('says so and goes on without manifests when there are none to place', () => {
    const warnings: string[] = [];
    synthWith({ cluster: { autoDeployManifests: true } }, { k8sDir: join(temp, 'missing'), warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([expect.stringMatching(/cluster\.autoDeployManifests is on, but .*missing holds no manifests/)]);
  });
});

describe('security groups', () => {
  type Rule = {
    port_range_min?: number;
    remote_ip_prefix?: string;
    remote_group_id?: string;
    protocol?: string;
    direction: string;
  };
  const rules = (stack: Stack) => resources(stack, 'openstack_networking_secgroup_rule_v2') as unknown as Rule[];
  const open = (stack: Stack, port: number) =>
    rules(stack)
      .filter((r) => r.port_range_min === port)
      .map((r) => r.remote_ip_prefix);

  it('opens SSH only to the admin CIDR, never to everyone by default', () => {
    expect(defaults.openstack.adminCidr).not.toBe('0.0.0.0/0');
    for (const stack of [base.web, base.cluster]) expect(open(stack, 22)).toEqual([defaults.openstack.adminCidr]);
    const office = synthWith({ openstack: { adminCidr: '203.0.113.0/24' } });
    expect(open(office.web, 22)).toEqual(['203.0.113.0/24']);
    expect(open(office.cluster, 6443)).toEqual(['203.0.113.0/24']);
  });

  it('opens HTTP and HTTPS to everyone', () => {
    for (const stack of [base.web, base.cluster]) {
      expect(open(stack, 80)).toEqual(['0.0.0.0/0']);
      expect(open(stack, 443)).toEqual(['0.0.0.0/0']);
    }
  });

  it('lets cluster nodes reach each other only through the group, and the web server has no such rule', () => {
    const [group] = Object.keys(base.cluster.resource.openstack_networking_secgroup_v2 ?? {});
    const within = rules(base.cluster).filter((r) => r.remote_group_id !== undefined);
    expect(within).toEqual([
      expect.objectContaining({ direction: 'ingress', remote_group_id: `\${openstack_networking_secgroup_v2.${group}.id}` }),
    ]);
    expect(within[0]?.protocol).toBeUndefined();
    expect(rules(base.web).filter((r) => r.remote_group_id !== undefined)).toEqual([]);
    expect(
      rules(base.cluster)
        .map((r) => r.remote_ip_prefix)
        .filter((p) => p === '0.0.0.0/0'),
    ).toHaveLength(2);
  });
});

describe('secrets', () => {
  it('puts no secret value in the output: passwords and tokens are references, user data holds none', () => {
    for (const file of base.files) {
      const text = readFileSync(file, 'utf8');
      expect(text).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
      expect(text).not.toMatch(/"(password|token|secret|application_credential_secret)"\s*:/);
    }
    for (const { i } of instances) {
      for (const [key, value] of Object.entries(i.metadata as Block)) {
        if (/password|token/.test(key)) expect(value).toMatch(/^\$\{random_password\.[\w-]+\.result\}$/);
      }
      expect(userData(i)).not.toMatch(/K3S_TOKEN=[A-Za-z0-9]{16,}|POSTGRES_PASSWORD=[A-Za-z0-9]{8,}/);
    }
    expect(base.web.resource.random_password).toBeUndefined();
    expect(byName(base.web, 'openstack_compute_instance_v2', 'stratus-web').metadata).toEqual({
      app_version: `\${var.app_version}`,
      data_volume_id: expect.any(String),
    });
  });
});

describe('bad config fails at synth time, naming the field', () => {
  const problems = (input: StratusConfigInput) => {
    try {
      parseConfig(input);
    } catch (e) {
      return (e as ConfigError).message;
    }
    return 'no error';
  };

  it('rejects an unknown flavor format', () => {
    expect(problems({ openstack: { webFlavor: 'CB1 Medium' } })).toMatch(
      /openstack\.webFlavor = "CB1 Medium": must be an OpenStack flavor name/,
    );
    expect(() => synth({ ...defaults, openstack: { ...defaults.openstack, nodeFlavor: 'M1 Large' } })).toThrow(
      /^'flavor' must be an OpenStack flavor name .*got "M1 Large"/,
    );
  });

  it('rejects an agent count of 0', () => {
    expect(problems({ cluster: { agents: 0 } })).toMatch(/cluster\.agents = 0/);
    expect(() => synth({ ...defaults, cluster: { ...defaults.cluster, agents: 0 } })).toThrow(
      new InfraConfigError('agents', 'must be an integer from 1 to 20, got 0'),
    );
  });

  it('rejects a malformed CIDR', () => {
    expect(problems({ openstack: { adminCidr: '10.0.0.0/33' } })).toMatch(
      /openstack\.adminCidr = "10\.0\.0\.0\/33": must be an IPv4 CIDR/,
    );
    expect(() => synth({ ...defaults, openstack: { ...defaults.openstack, adminCidr: '10.1.2.3/16' } })).toThrow(
      /^'adminCidr' must have no host bits set past the \/16 prefix, got "10\.1\.2\.3\/16"/,
    );
  });

  it('rejects an S3 backend without a bucket', () => {
    expect(problems({ openstack: { state: { backend: 's3' } } })).toMatch(/openstack\.state\.bucket/);
  });

  it('rejects a provider version that the generated bindings do not match', () => {
    expect(() => synth({ ...defaults, versions: { ...defaults.versions, openstackProvider: '3.5.0' } })).toThrow(
      /^'versions\.openstackProvider' is 3\.5\.0 but the bindings .* were generated from 3\.4\.0/,
    );
  });
});
