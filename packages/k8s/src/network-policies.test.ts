import { defaults } from '@stratus/config';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { renderManifests } from './synth.ts';

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values: string[] }[];
}
interface PolicyPeer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: { cidr: string };
}
interface Rule {
  ports?: { port: number; protocol: string }[];
  from?: PolicyPeer[];
  to?: PolicyPeer[];
}
interface Policy {
  kind: string;
  metadata: { name: string; namespace: string };
  spec: { podSelector: Selector; policyTypes: string[]; ingress?: Rule[]; egress?: Rule[] };
}
interface Pod {
  namespace: string;
  labels: Record<string, string>;
}

const policies = renderManifests(defaults)
  .flatMap((m) => parseAllDocuments(m.yaml).map((d) => d.toJSON() as Policy))
  .filter((o) => o.kind === 'NetworkPolicy');

const matches = (selector: Selector, labels: Record<string, string>) =>
  Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
  (selector.matchExpressions ?? []).every((e) => e.operator === 'In' && e.values.includes(labels[e.key] ?? ''));

const peerMatches = (peer: PolicyPeer, policyNamespace: string, other: Pod | 'outside') => {
  if (other === 'outside') return peer.ipBlock !== undefined;
  if (peer.ipBlock) return false;
  const nsOk = peer.namespaceSelector
    ? matches(peer.namespaceSelector, { 'kubernetes.io/metadata.name': other.namespace })
    : other.namespace === policyNamespace;
  return nsOk && (!peer.podSelector || matches(peer.podSelector, other.labels));
};

/** The NetworkPolicy semantics: a direction is open when no policy selects the pod for it, or one of those allows it. */
function allowedSide(pod: Pod, type: 'Ingress' | 'Egress', other: Pod | 'outside', port: number, protocol = 'TCP') {
  const selecting = policies.filter(
    (p) => p.metadata.namespace === pod.namespace && p.spec.policyTypes.includes(type) && matches(p.spec.podSelector, pod.labels),
  );
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    (type === 'Ingress' ? p.spec.ingress : p.spec.egress)?.some((rule) => {
      const peers = type === 'Ingress' ? rule.from : rule.to;
      const portOk = !rule.ports || rule.ports.some((r) => r.port === port && r.protocol === protocol);
      return portOk && (!peers || peers.some((peer) => peerMatches(peer, p.metadata.namespace, other)));
    }),
  );
}

const allowed = (from: Pod, to: Pod, port: number, protocol = 'TCP') =>
  allowedSide(from, 'Egress', to, port, protocol) && allowedSide(to, 'Ingress', from, port, protocol);

const pod = (namespace: string, name: string): Pod => ({
  namespace,
  labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name },
});
const traefik: Pod = { namespace: 'kube-system', labels: { 'app.kubernetes.io/name': 'traefik' } };
const dns: Pod = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };
const [backend, frontend, database] = ['backend', 'frontend', 'database'].map((n) => pod('todo', n)) as [Pod, Pod, Pod];
const [kafka, producer, processor, topics] = ['kafka', 'producer', 'processor', 'kafka-topics'].map((n) => pod('stream', n)) as [
  Pod,
  Pod,
  Pod,
  Pod,
];
const [prometheus, grafana, ksm, nodeExporter] = ['prometheus', 'grafana', 'kube-state-metrics', 'node-exporter'].map((n) =>
  pod('monitoring', n),
) as [Pod, Pod, Pod, Pod];
const lakePod = (name: string, component: string): Pod => ({
  namespace: 'lake',
  labels: { ...pod('lake', name).labels, 'app.kubernetes.io/component': component, 'app.kubernetes.io/part-of': 'lake' },
});
const [s3, master, volume, filer, bucketJob] = [
  'seaweedfs',
  'seaweedfs-master',
  'seaweedfs-volume',
  'seaweedfs-filer',
  'seaweedfs-table-bucket',
].map((n) => lakePod(n, 'object-storage')) as [Pod, Pod, Pod, Pod, Pod];
const archiver = lakePod('archiver', 'archiver');
const lakeBatch = lakePod('lake-batch', 'batch');
const maintenance = lakePod('lake-maintenance', 'maintenance');
const executor = lakePod('spark-executor', 'spark-executor');

describe('network policies', () => {
  it('deny everything by default in every namespace', () => {
    for (const ns of ['todo', 'stream', 'monitoring', 'lake']) {
      expect(policies.find((p) => p.metadata.namespace === ns && p.metadata.name === 'default-deny-all')?.spec).toEqual({
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
      });
    }
  });

  it.each([
    ['ingress controller -> frontend', traefik, frontend, 8080],
    ['ingress controller -> backend', traefik, backend, 3000],
    ['frontend -> backend', frontend, backend, 3000],
    ['backend -> database', backend, database, 5432],
    ['prometheus -> backend metrics', prometheus, backend, 3000],
    ['kafka -> kafka client', kafka, kafka, 9092],
    ['kafka -> kafka controller', kafka, kafka, 9093],
    ['producer -> kafka', producer, kafka, 9092],
    ['processor -> kafka', processor, kafka, 9092],
    ['topics job -> kafka', topics, kafka, 9092],
    ['prometheus -> processor metrics', prometheus, processor, 9465],
    ['prometheus -> producer metrics', prometheus, producer, 9464],
    ['prometheus -> node-exporter', prometheus, nodeExporter, 9100],
    ['prometheus -> kube-state-metrics', prometheus, ksm, 8080],
    ['grafana -> prometheus', grafana, prometheus, 9090],
    ['archiver -> kafka', archiver, kafka, 9092],
    ['archiver -> seaweedfs s3', archiver, s3, 8333],
    ['archiver -> iceberg catalog', archiver, s3, 8181],
    ['batch job -> iceberg catalog', lakeBatch, s3, 8181],
    ['batch job -> seaweedfs s3', lakeBatch, s3, 8333],
    ['maintenance driver -> spark executor', maintenance, executor, 7078],
    ['spark executor -> maintenance driver', executor, maintenance, 7079],
    ['spark executor -> seaweedfs s3', executor, s3, 8333],
    ['s3 gateway -> filer', s3, filer, 18888],
    ['filer -> volume', filer, volume, 8080],
    ['volume -> master', volume, master, 19333],
    ['table bucket job -> master', bucketJob, master, 9333],
    ['prometheus -> seaweedfs volume metrics', prometheus, volume, 9327],
    ['prometheus -> archiver metrics', prometheus, archiver, 9466],
  ])('allow %s', (_, from, to, port) => {
    expect(allowed(from, to, port)).toBe(true);
  });

  it.each([
    ['frontend -> database', frontend, database, 5432],
    ['ingress controller -> database', traefik, database, 5432],
    ['producer -> database', producer, database, 5432],
    ['backend -> kafka', backend, kafka, 9092],
    ['producer -> kafka controller', producer, kafka, 9093],
    ['grafana -> backend', grafana, backend, 3000],
    ['prometheus -> database', prometheus, database, 5432],
    ['ingress controller -> grafana', traefik, grafana, 3000],
    ['backend -> seaweedfs s3', backend, s3, 8333],
    ['archiver -> seaweedfs volume', archiver, volume, 8080],
    ['processor -> iceberg catalog', processor, s3, 8181],
    ['archiver -> database', archiver, database, 5432],
  ])('deny %s', (_, from, to, port) => {
    expect(allowed(from, to, port)).toBe(false);
  });

  it('let every pod resolve names and only Prometheus, kube-state-metrics and the Spark drivers reach the API server', () => {
    for (const p of [backend, frontend, database, kafka, producer, processor, prometheus, grafana]) {
      expect(allowedSide(p, 'Egress', dns, 53, 'UDP')).toBe(true);
    }
    expect(allowedSide(prometheus, 'Egress', 'outside', 6443)).toBe(true);
    expect(allowedSide(ksm, 'Egress', 'outside', 443)).toBe(true);
    for (const p of [backend, database, kafka, processor, grafana, archiver, lakeBatch, s3, executor]) {
      expect(allowedSide(p, 'Egress', 'outside', 443)).toBe(false);
    }
    expect(allowedSide(maintenance, 'Egress', 'outside', 6443)).toBe(true);
  });
});
