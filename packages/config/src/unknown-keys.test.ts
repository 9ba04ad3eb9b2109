import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { stratusConfigSchema } from './schema.ts';
import { editDistance, knownPaths, unknownKeys } from './unknown-keys.ts';

const schema = z.object({
  cluster: z.object({ agents: z.number().default(2), domain: z.string().default('x') }).prefault({}),
  sizes: z.record(z.string(), z.object({ vcpus: z.number() })).default({}),
  list: z.array(z.object({ name: z.string() })).default([]),
  piped: z
    .object({ inner: z.string() })
    .optional()
    .transform((v) => v),
});

describe('unknownKeys', () => {
  it('finds unknown keys at any depth, through defaults, records, arrays and pipes', () => {
    const found = unknownKeys(schema, {
      cluster: { agent: 5 },
      sizes: { big: { vcpus: 2, ram: 1 } },
      list: [{ name: 'a', nmae: 'b' }],
      piped: { inner: 'x', outer: 'y' },
      extra: true,
    });
    expect(found.map((k) => k.path.join('.'))).toEqual(['cluster.agent', 'sizes.big.ram', 'list.0.nmae', 'piped.outer', 'extra']);
  });

  it('suggests the closest sibling, else a path spelled alike across levels', () => {
    const [typo, flattened] = unknownKeys(schema, { cluster: { agent: 5, domian: 'y' } });
    expect(typo).toEqual({ path: ['cluster', 'agent'], suggestion: ['cluster', 'agents'] });
    expect(flattened).toEqual({ path: ['cluster', 'domian'], suggestion: ['cluster', 'domain'] });
    expect(unknownKeys(schema, { clusterAgents: 3 })).toEqual([{ path: ['clusterAgents'], suggestion: ['cluster', 'agents'] }]);
    expect(unknownKeys(schema, { zzzzzzzzzz: 1 })).toEqual([{ path: ['zzzzzzzzzz'] }]);
  });

  it('accepts every key the schema defines', () => {
    expect(unknownKeys(stratusConfigSchema, stratusConfigSchema.parse({}))).toEqual([]);
  });

  it('lists the paths of the real schema, records as *', () => {
    const paths = knownPaths(stratusConfigSchema).map((p) => p.join('.'));
    expect(paths).toContain('cluster.agents');
    expect(paths).toContain('openstack.flavorSizes.*.vcpus');
  });
});

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions, ignoring case', () => {
    expect(editDistance('agent', 'agents')).toBe(1);
    expect(editDistance('AGENTS', 'agents')).toBe(0);
    expect(editDistance('domian', 'domain')).toBe(2);
    expect(editDistance('', 'abc')).toBe(3);
  });
});
