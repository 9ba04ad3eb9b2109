import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, defaults, envOverrides, imageRef, loadConfig } from './config.ts';

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

  it('checks rules that span fields', () => {
    expect(() => loadConfig({ env: {}, overrides: { stream: { processor: { replicas: 4 } } } })).toThrow(
      /stream\.processor\.replicas = 4: must be at most the partitions of events \(3\)/,
    );
    expect(() => loadConfig({ env: {}, overrides: { todo: { backend: { minReplicas: 7 } } } })).toThrow(ConfigError);
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
