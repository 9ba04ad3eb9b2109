import { defaults } from '@stratus/config';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { cidrContains, METADATA_SERVICE_CIDR } from './network-flow.ts';
import { renderStream } from './synth.ts';

type Peer = { ipBlock?: { cidr: string; except?: string[] } };
type Policy = {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec: { podSelector: { matchLabels?: object }; policyTypes?: string[]; egress?: { to?: Peer[] }[] };
};
const objects = parseAllDocuments(renderStream(defaults)).map((d) => d.toJSON() as Policy);
const policies = objects.filter((o) => o.kind === 'NetworkPolicy');

describe('no pod reaches the metadata service (169.254.169.254)', () => {
  it('every namespace of the platform denies all egress by default', () => {
    const namespaces = objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
    expect(namespaces.length).toBeGreaterThan(0);
    for (const namespace of namespaces) {
      const denyAll = policies.find(
        (p) =>
          p.metadata.namespace === namespace &&
          Object.keys(p.spec.podSelector.matchLabels ?? {}).length === 0 &&
          p.spec.policyTypes?.includes('Egress') &&
          p.spec.egress === undefined,
      );
      expect({ namespace, denyAll: denyAll?.metadata.name }).toEqual({ namespace, denyAll: expect.any(String) });
    }
  });

  it('no egress rule opens it: every rule names its peers, and every address block that holds it excepts it', () => {
    for (const policy of policies) {
      for (const rule of policy.spec.egress ?? []) {
        expect({ policy: policy.metadata.name, to: rule.to !== undefined && rule.to.length > 0 }).toEqual({
          policy: policy.metadata.name,
          to: true,
        });
        for (const peer of rule.to ?? []) {
          if (peer.ipBlock && cidrContains(peer.ipBlock.cidr, METADATA_SERVICE_CIDR)) {
            expect({ policy: policy.metadata.name, except: peer.ipBlock.except }).toEqual({
              policy: policy.metadata.name,
              except: expect.arrayContaining([METADATA_SERVICE_CIDR]),
            });
          }
        }
      }
    }
    expect(policies.some((p) => JSON.stringify(p).includes(METADATA_SERVICE_CIDR))).toBe(true);
  });

  it('cidrContains tells which blocks hold the address', () => {
    expect(cidrContains('0.0.0.0/0', METADATA_SERVICE_CIDR)).toBe(true);
    expect(cidrContains('169.254.0.0/16', METADATA_SERVICE_CIDR)).toBe(true);
    expect(cidrContains('10.0.0.0/8', METADATA_SERVICE_CIDR)).toBe(false);
    expect(cidrContains('169.254.169.253/32', METADATA_SERVICE_CIDR)).toBe(false);
  });
});
