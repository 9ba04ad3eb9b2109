import { defaults, parseConfig } from '@stratus/config';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { renderOpenStackManifest } from './openstack-chart.ts';
import { renderManifests } from './synth.ts';

type Doc = {
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec?: {
    template?: { spec: { containers: { name: string; image: string }[]; volumes?: { secret?: { secretName: string } }[] } };
  };
  provisioner?: string;
};
const docs = (yaml: string) => parseAllDocuments(yaml).map((d) => d.toJSON() as Doc);
const objects = docs(renderOpenStackManifest(defaults));

describe('OpenStack chart (cloud controller manager and Cinder CSI)', () => {
  it('deploys both controllers in kube-system with upstream images at the pinned versions', () => {
    const workloads = objects.filter((o) => ['Deployment', 'DaemonSet'].includes(o.kind));
    expect(workloads.map((w) => `${w.kind}/${w.metadata.name}`).sort()).toEqual([
      'DaemonSet/csi-cinder-nodeplugin',
      'DaemonSet/openstack-cloud-controller-manager',
      'Deployment/csi-cinder-controllerplugin',
    ]);
    for (const w of workloads) expect(w.metadata.namespace).toBe('kube-system');
    const images = workloads.flatMap((w) => w.spec?.template?.spec.containers.map((c) => c.image) ?? []);
    expect(new Set(images)).toEqual(
      new Set([
        'registry.k8s.io/provider-os/openstack-cloud-controller-manager:v1.36.0',
        'registry.k8s.io/provider-os/cinder-csi-plugin:v1.36.0',
        'registry.k8s.io/sig-storage/csi-attacher:v4.10.0',
        'registry.k8s.io/sig-storage/csi-provisioner:v5.3.0',
        'registry.k8s.io/sig-storage/csi-resizer:v1.14.0',
        'registry.k8s.io/sig-storage/livenessprobe:v2.17.0',
        'registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.15.0',
      ]),
    );
    const other = docs(renderOpenStackManifest(parseConfig({ versions: { cloudProviderOpenstack: 'v1.36.1' } })));
    expect(JSON.stringify(other)).toContain('cinder-csi-plugin:v1.36.1');
  });

  it('makes Cinder the default StorageClass, for volumes that follow their pods to any node', () => {
    const classes = objects.filter((o) => o.kind === 'StorageClass');
    expect(classes).toEqual([
      expect.objectContaining({
        metadata: { name: 'cinder', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
        provisioner: 'cinder.csi.openstack.org',
        volumeBindingMode: 'WaitForFirstConsumer',
      }),
    ]);
    expect(objects.find((o) => o.kind === 'CSIDriver')?.metadata).toEqual({ name: 'cinder.csi.openstack.org' });
  });

  it('reads cloud.conf from the configured Secret and never carries a credential itself', () => {
    const secrets = (c: string) =>
      docs(renderOpenStackManifest(parseConfig({ cluster: { cloudConfigSecret: c } })))
        .flatMap((o) => o.spec?.template?.spec.volumes ?? [])
        .flatMap((v) => (v.secret ? [v.secret.secretName] : []));
    expect(new Set(secrets('cloud-config'))).toEqual(new Set(['cloud-config']));
    expect(new Set(secrets('openstack-cloud'))).toEqual(new Set(['openstack-cloud']));
    expect(objects.map((o) => o.kind)).not.toContain('Secret');
  });

  it('is not part of dist/k8s, which works on any cluster (local-path on a test cluster)', () => {
    expect(renderManifests(defaults).map((m) => m.file)).not.toContain('05-openstack.yaml');
    expect(renderManifests(defaults).some((m) => m.yaml.includes('cinder'))).toBe(false);
  });
});
