import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  defaults,
  envName,
  envOverrides,
  imageRef,
  loadConfig,
  NON_CONFIG_VARIABLES,
  upstreamRef,
  upstreamTag,
} from './config.ts';

describe('defaults', () => {
  it('mirror the reference deployment', () => {
    expect(defaults.openstack.network).toBe('DHBW');
    expect(defaults.openstack.webFlavor).toBe('cb1.medium');
    expect(defaults.openstack.nodeFlavor).toBe('mb1.large');
    expect(defaults.cluster.agents).toBe(2);
    expect(defaults.stream.topics.events).toEqual({ name: 'events', partitions: 3, replicationFactor: 3 });
    expect(defaults.stream.topics.results).toEqual({ name: 'results', partitions: 3, replicationFactor: 3 });
    expect(defaults.stream.windowSize).toBe(20);
  });

  it('keep SSH closed to the world', () => {
    expect(defaults.openstack.adminCidr).not.toBe('0.0.0.0/0');
  });
});

describe('loadConfig', () => {
  it('reads nested overrides from STRATUS_* variables', () => {
    const c = loadConfig({
      env: { STRATUS_CLUSTER__AGENTS: '4', STRATUS_VERSION: '1.2.3', STRATUS_OPENSTACK__WEB_FLAVOR: 'x1.small' },
    });
    expect(c.cluster.agents).toBe(4);
    expect(c.version).toBe('1.2.3');
    expect(c.openstack.webFlavor).toBe('x1.small');
  });

  it('applies the file, then the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stratus-config-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ cluster: { agents: 5 }, stream: { windowSize: 10 } }));
    const c = loadConfig({ file, env: { STRATUS_CLUSTER__AGENTS: '3' } });
    expect(c.cluster.agents).toBe(3);
    expect(c.stream.windowSize).toBe(10);
    expect(c.stream.topics.events.name).toBe('events');
  });

  it('names the field, the value, the rule and the source of a bad value', () => {
    expect(() => loadConfig({ env: { STRATUS_CLUSTER__AGENTS: '0' } })).toThrow(
      /cluster\.agents = 0: .*>=1.*\(set by STRATUS_CLUSTER__AGENTS\)/,
    );
    expect(() => loadConfig({ env: { STRATUS_OPENSTACK__ADMIN_CIDR: '10.0.0.300/8' } })).toThrow(
      /openstack\.adminCidr = "10\.0\.0\.300\/8": must be an IPv4 CIDR/,
    );
    expect(() => loadConfig({ env: {}, overrides: { openstack: { webFlavor: 'Big Flavor!' } } })).toThrow(
      /openstack\.webFlavor = "Big Flavor!": must be an OpenStack flavor name/,
    );
  });

  it('names the file that set a bad value', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stratus-config-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ stream: { windowSize: -1 } }));
    expect(() => loadConfig({ file, env: {} })).toThrow(/stream\.windowSize = -1: .*\(set by .*bad\.json\)/);
  });

  it('overrides one field of requests and limits, keeping the others, and reads a bare number as a quantity', () => {
    const c = loadConfig({
      env: { STRATUS_STREAM__KAFKA__RESOURCES__CPU: '150m', STRATUS_STREAM__KAFKA__RESOURCES__CPU_LIMIT: '3' },
    });
    expect(c.stream.kafka.resources).toEqual({ ...defaults.stream.kafka.resources, cpu: '150m', cpuLimit: '3' });
    expect(() => loadConfig({ env: { STRATUS_TODO__DATABASE__RESOURCES__MEMORY: 'lots' } })).toThrow(
      /todo\.database\.resources\.memory = "lots": must be a Kubernetes quantity .*\(set by STRATUS_TODO__DATABASE__RESOURCES__MEMORY\)/,
    );
  });

  it('checks rules that span fields', () => {
    expect(() => loadConfig({ env: {}, overrides: { stream: { processor: { replicas: 4 } } } })).toThrow(
      /stream\.processor\.replicas = 4: must be at most the partitions of events \(3\)/,
    );
    expect(() => loadConfig({ env: {}, overrides: { todo: { backend: { minReplicas: 7 } } } })).toThrow(ConfigError);
  });
});

describe('unknown keys', () => {
  it('fail for a variable that names no field, with the variable and the closest field', () => {
    expect(() => loadConfig({ env: { STRATUS_CLUSTER__AGENT: '5' } })).toThrow(
      'cluster.agent: unknown key (set by STRATUS_CLUSTER__AGENT); did you mean cluster.agents (STRATUS_CLUSTER__AGENTS)?',
    );
    expect(() => loadConfig({ env: { STRATUS_CLUSTER_AGENTS: '5' } })).toThrow(/did you mean cluster\.agents/);
  });

  it('fail for a key inside a JSON value of a variable', () => {
    const topics = JSON.stringify({ events: { name: 'e', partitions: 3, replicationFactor: 3, partition: 1 } });
    expect(() => loadConfig({ env: { STRATUS_STREAM__TOPICS: topics } })).toThrow(
      /stream\.topics\.events\.partition: unknown key \(set by STRATUS_STREAM__TOPICS\); did you mean stream\.topics\.events\.partitions/,
    );
  });

  it('fail for a key in the file at any depth, naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stratus-config-'));
    const file = join(dir, 'stratus.config.json');
    writeFileSync(file, JSON.stringify({ todo: { backend: { replica: 3 } }, monitorin: {} }));
    let message = '';
    try {
      loadConfig({ file, env: {} });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(`todo.backend.replica: unknown key (set by ${file}); did you mean todo.backend.replicas?`);
    expect(message).toContain(`monitorin: unknown key (set by ${file}); did you mean monitoring?`);
  });

  it('are reported together with bad values', () => {
    expect(() => loadConfig({ env: { STRATUS_CLUSTER__AGENTS: '0', STRATUS_CLUSTER__AGENT: '5' } })).toThrow(
      /cluster\.agent: unknown key[\s\S]*cluster\.agents = 0/,
    );
  });

  it('leave the declared non-config variables alone', () => {
    const env = Object.fromEntries(Object.keys(NON_CONFIG_VARIABLES).map((name) => [name, '/tmp/x']));
    expect(envOverrides(env).tree).toEqual({});
    expect(loadConfig({ env: { ...env, STRATUS_CONFIG: '' } }).cluster.agents).toBe(2);
  });
});

describe('envName', () => {
  it('is the variable envOverrides reads back', () => {
    expect(envName(['openstack', 'webFlavor'])).toBe('STRATUS_OPENSTACK__WEB_FLAVOR');
    expect(envOverrides({ [envName(['stream', 'kafka', 'minInsyncReplicas'])]: '1' }).tree).toEqual({
      stream: { kafka: { minInsyncReplicas: 1 } },
    });
  });
});

describe('envOverrides', () => {
  it('ignores unrelated variables and the file variable', () => {
    expect(envOverrides({ HOME: '/root', STRATUS_CONFIG: 'x.json' }).tree).toEqual({});
  });
});

describe('imageRef', () => {
  it('forms ghcr.io/<owner>/<app>:<version>', () => {
    const c = loadConfig({ env: { STRATUS_VERSION: '2.0.0', STRATUS_IMAGES__OWNER: 'acme' } });
    expect(imageRef(c, 'backend')).toBe('ghcr.io/acme/backend:2.0.0');
  });
});

describe('lake', () => {
  it('defaults to SeaweedFS with the stratus namespace and the events and windows tables', () => {
    expect(defaults.lake.storage.backend).toBe('seaweedfs');
    expect(defaults.lake.catalog.namespace).toBe('stratus');
    expect(defaults.lake.tables).toMatchObject({ events: 'events', windows: 'windows' });
  });

  it('refuses more archivers than partitions and names the field', () => {
    expect(() => loadConfig({ env: { STRATUS_LAKE__ARCHIVER__REPLICAS: '4' } })).toThrow(
      /lake\.archiver\.replicas.*partitions of events/,
    );
  });

  it('refuses a storage backend it does not know and a table name Iceberg would not take', () => {
    expect(() => loadConfig({ env: { STRATUS_LAKE__STORAGE__BACKEND: 'minio' } })).toThrow(/lake\.storage\.backend/);
    expect(() => loadConfig({ env: { STRATUS_LAKE__TABLES__EVENTS: 'My Events' } })).toThrow(
      /lake\.tables\.events = "My Events": must be an Iceberg identifier/,
    );
  });
});

describe('digest pinning', () => {
  const digest = `sha256:${'b'.repeat(64)}`;

  it('pins an app image by the release digest and upstream images by the recorded ones', () => {
    const c = loadConfig({ env: { STRATUS_VERSION: '2.0.0', STRATUS_IMAGES__DIGESTS: JSON.stringify({ backend: digest }) } });
    expect(imageRef(c, 'backend')).toBe(`ghcr.io/stratus-platform/backend:2.0.0@${digest}`);
    expect(imageRef(c, 'frontend')).toBe('ghcr.io/stratus-platform/frontend:2.0.0');
    expect(upstreamRef(c, 'postgres')).toBe(`postgres:15.18@${defaults.images.upstreamDigests['postgres:15.18']}`);
  });

  it('drops every digest when pinning is switched off', () => {
    const c = loadConfig({
      env: { STRATUS_IMAGES__PIN_DIGESTS: 'false', STRATUS_IMAGES__DIGESTS: JSON.stringify({ backend: digest }) },
    });
    expect(imageRef(c, 'backend')).toBe('ghcr.io/stratus-platform/backend:0.1.0');
    expect(upstreamRef(c, 'postgres')).toBe('postgres:15.18');
  });

  it('does not apply the digest of one tag to another', () => {
    const c = loadConfig({ env: {}, overrides: { versions: { postgres: '15.19' } } });
    expect(upstreamTag(c, 'postgres')).toBe('postgres:15.19');
    expect(upstreamRef(c, 'postgres')).toBe('postgres:15.19');
  });

  it('refuses a digest for something that is not an app, and a malformed digest', () => {
    expect(() => loadConfig({ env: { STRATUS_IMAGES__DIGESTS: JSON.stringify({ backnd: digest }) } })).toThrow(
      /images\.digests\.backnd: not an app \(set by STRATUS_IMAGES__DIGESTS\); .*did you mean backend\?/,
    );
    expect(() => loadConfig({ env: { STRATUS_IMAGES__DIGESTS: JSON.stringify({ backend: 'sha256:abc' }) } })).toThrow(
      /images\.digests\.backend = "sha256:abc": must be an image digest/,
    );
  });
});
