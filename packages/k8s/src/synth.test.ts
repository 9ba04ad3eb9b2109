import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaults, parseConfig, type StratusConfig } from '@stratus/config';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { renderManifests, renderStream, synthKubernetes } from './synth.ts';

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}
type Container = {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  securityContext?: Record<string, unknown>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: { httpGet?: { path: string; port: number } };
  readinessProbe?: { httpGet?: { path: string; port: number } };
  startupProbe?: unknown;
};
type PodSpec = Record<string, unknown> & {
  containers: Container[];
  securityContext?: Record<string, unknown>;
  volumes?: Record<string, unknown>[];
};

const objectsOf = (config: StratusConfig): Obj[] =>
  renderManifests(config).flatMap((m) => parseAllDocuments(m.yaml).map((d) => d.toJSON() as Obj));
const objects = objectsOf(defaults);
const find = (kind: string, name: string, namespace?: string) => {
  const found = objects.find(
    (o) => o.kind === kind && o.metadata.name === name && (!namespace || o.metadata.namespace === namespace),
  );
  if (!found) throw new Error(`no ${kind} ${namespace ?? ''}/${name}`);
  return found;
};
const template = (o: Obj) => {
  const t = o.spec?.template as { metadata: { labels: Record<string, string> }; spec: PodSpec } | undefined;
  if (!t) throw new Error(`${o.kind} ${o.metadata.name} has no pod template`);
  return t;
};
const podSpec = (o: Obj) => template(o).spec;
const podLabels = (o: Obj) => template(o).metadata.labels;
const WORKLOADS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'];
const workloads = objects.filter((o) => WORKLOADS.includes(o.kind));

describe('names', () => {
  it('gives every object people type a stable, readable name in its namespace', () => {
    const ids = objects.map((o) => `${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`);
    expect(ids).toEqual(
      expect.arrayContaining([
        'Namespace -/todo',
        'Namespace -/stream',
        'Namespace -/monitoring',
        'StatefulSet todo/database',
        'Service todo/database',
        'Deployment todo/backend',
        'Service todo/backend',
        'HorizontalPodAutoscaler todo/backend',
        'PodDisruptionBudget todo/backend',
        'Deployment todo/frontend',
        'Service todo/frontend',
        'Ingress todo/todo',
        'StatefulSet stream/kafka',
        'Service stream/kafka',
        'Service stream/kafka-headless',
        'PodDisruptionBudget stream/kafka',
        'Job stream/kafka-topics',
        'Deployment stream/producer',
        'Deployment stream/processor',
        'Deployment monitoring/prometheus',
        'Deployment monitoring/grafana',
        'Deployment monitoring/kube-state-metrics',
        'DaemonSet monitoring/node-exporter',
        'ClusterRole -/stratus-prometheus',
      ]),
    );
    expect(new Set(ids).size).toBe(ids.length);
    for (const o of objects) expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
    expect(objects.filter((o) => /-[0-9a-f]{8}$/.test(o.metadata.name))).toEqual([]);
  });

  it('puts the namespaces first, in the first file and at the head of the piped stream', () => {
    const files = renderManifests(defaults).map((m) => m.file);
    expect(files).toEqual([
      '00-namespaces.yaml',
      '10-todo.yaml',
      '20-kafka.yaml',
      '30-stream.yaml',
      '40-monitoring.yaml',
      '50-lake.yaml',
    ]);
    const stream = parseAllDocuments(renderStream(defaults)).map((d) => d.toJSON() as Obj);
    expect(stream.slice(0, 4).map((o) => o.kind)).toEqual(['Namespace', 'Namespace', 'Namespace', 'Namespace']);
    expect(stream.length).toBe(objects.length);
  });

  it('takes service names and the namespace from the config', () => {
    const config = parseConfig({ todo: { namespace: 'shop', backend: { service: 'api' } } });
    const ids = objectsOf(config).map((o) => `${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`);
    expect(ids).toContain('Deployment shop/api');
    expect(ids).toContain('Namespace -/shop');
  });
});

describe('labels', () => {
  it('labels every workload and its pods with the app.kubernetes.io set', () => {
    const keys = ['name', 'instance', 'component', 'part-of', 'version', 'managed-by'].map((k) => `app.kubernetes.io/${k}`);
    for (const w of workloads) {
      for (const labels of [w.metadata.labels ?? {}, podLabels(w)]) {
        expect(Object.keys(labels), `${w.kind} ${w.metadata.name}`).toEqual(expect.arrayContaining(keys));
      }
      expect(podLabels(w)['app.kubernetes.io/name']).toBe(w.metadata.name);
    }
  });

  it('selects pods by name and instance labels only, so selectors survive version bumps', () => {
    for (const w of workloads.filter((o) => o.kind !== 'Job')) {
      expect((w.spec?.selector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels).toEqual({
        'app.kubernetes.io/name': w.metadata.name,
        'app.kubernetes.io/instance': w.metadata.name,
      });
    }
  });
});

describe('pod security "restricted"', () => {
  it.each(workloads.map((w) => [`${w.kind} ${w.metadata.name}`, w] as const))('%s', (_, w) => {
    const spec = podSpec(w);
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(spec.securityContext?.runAsUser).toBeGreaterThanOrEqual(10_000);
    expect(spec.hostNetwork ?? false).toBe(false);
    expect(spec.hostPID ?? false).toBe(false);
    expect(spec.hostIPC ?? false).toBe(false);
    expect((spec.volumes ?? []).filter((v) => 'hostPath' in v)).toEqual([]);
    for (const c of spec.containers) {
      expect(c.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        privileged: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(Object.keys(c.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
      expect(Object.keys(c.resources?.limits ?? {}).sort()).toEqual(['cpu', 'memory']);
      if (w.kind !== 'Job') {
        expect(c.livenessProbe, c.name).toBeDefined();
        expect(c.readinessProbe, c.name).toBeDefined();
        expect(c.startupProbe, c.name).toBeDefined();
      }
    }
  });

  it('bounds the topics Job, which has no probes, by a deadline and a retry limit', () => {
    expect(find('Job', 'kafka-topics').spec).toMatchObject({ activeDeadlineSeconds: 900, backoffLimit: 20 });
  });

  it('makes every namespace enforce, audit and warn at restricted for the target minor', () => {
    for (const ns of objects.filter((o) => o.kind === 'Namespace')) {
      expect(ns.metadata.labels).toMatchObject({
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'v1.36',
        'pod-security.kubernetes.io/warn': 'restricted',
        'pod-security.kubernetes.io/audit': 'restricted',
      });
    }
  });
});

describe('todo', () => {
  const backend = find('Deployment', 'backend');
  const container = podSpec(backend).containers[0] as Container;

  it('runs the backend image from the config with /healthz and /readyz probes on its port', () => {
    expect(container.image).toBe('ghcr.io/stratus-platform/backend:0.1.0');
    expect(container.livenessProbe?.httpGet).toMatchObject({ path: '/healthz', port: 3000 });
    expect(container.readinessProbe?.httpGet).toMatchObject({ path: '/readyz', port: 3000 });
    expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    expect(podSpec(backend).automountServiceAccountToken).toBe(false);
  });

  it('scales the backend from 2 to 6 replicas on CPU and keeps one pod through disruptions', () => {
    expect(backend.spec?.replicas).toBeUndefined();
    expect(find('HorizontalPodAutoscaler', 'backend').spec).toMatchObject({
      minReplicas: 2,
      maxReplicas: 6,
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'backend' },
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    });
    expect(find('PodDisruptionBudget', 'backend').spec).toMatchObject({ maxUnavailable: 1 });
  });

  it('reads every credential from the deploy-time Secret, as a file, and never ships a Secret', () => {
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e]));
    expect(env.PGPASSWORD_FILE?.value).toBe('/etc/secrets/database-credentials/password');
    expect(env.PGHOST?.value).toBe('database');
    const database = podSpec(find('StatefulSet', 'database'));
    const postgres = database.containers[0] as Container;
    expect(postgres.image).toBe(`postgres:15.18@${defaults.images.upstreamDigests['postgres:15.18']}`);
    expect(postgres.env?.find((e) => e.name === 'POSTGRES_PASSWORD_FILE')?.value).toBe(
      '/etc/secrets/database-credentials/password',
    );
    for (const spec of [podSpec(find('Deployment', 'backend')), database]) {
      expect(spec.volumes).toContainEqual({
        name: 'database-credentials',
        secret: { secretName: 'database-credentials', defaultMode: 0o440 },
      });
    }
    for (const c of workloads.flatMap((w) => podSpec(w).containers)) {
      for (const e of c.env ?? []) {
        if (/PASSWORD/.test(e.name)) expect(e.value ?? '', e.name).toMatch(/^\/etc\/secrets\//);
        expect(e.valueFrom?.secretKeyRef, `${c.name} ${e.name}`).toBeUndefined();
      }
    }
  });

  it('gives PostgreSQL its own volume', () => {
    expect(find('StatefulSet', 'database').spec?.volumeClaimTemplates).toMatchObject([
      { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } } },
    ]);
  });

  it('routes /api to the backend and / to the frontend with Prefix paths, no rewrite, class traefik by default', () => {
    const ingress = find('Ingress', 'todo');
    expect(ingress.metadata.annotations).toBeUndefined();
    expect(ingress.spec).toMatchObject({
      ingressClassName: 'traefik',
      rules: [
        {
          http: {
            paths: expect.arrayContaining([
              { path: '/api', pathType: 'Prefix', backend: { service: { name: 'backend', port: { number: 3000 } } } },
              { path: '/', pathType: 'Prefix', backend: { service: { name: 'frontend', port: { number: 8080 } } } },
            ]),
          },
        },
      ],
    });
    const custom = objectsOf(parseConfig({ todo: { ingressClass: 'nginx', host: 'todo.example.org' } })).find(
      (o) => o.kind === 'Ingress',
    );
    expect(custom?.spec).toMatchObject({ ingressClassName: 'nginx', rules: [{ host: 'todo.example.org' }] });
  });
});

describe('kafka and stream', () => {
  const kafka = find('StatefulSet', 'kafka');

  it('runs 3 combined KRaft brokers on apache/kafka with RF 3, min ISR 2 and a fixed cluster id', () => {
    expect(kafka.spec).toMatchObject({ replicas: 3, serviceName: 'kafka-headless', podManagementPolicy: 'Parallel' });
    const c = podSpec(kafka).containers[0] as Container;
    expect(c.image).toBe('apache/kafka:4.4.0');
    expect(podSpec(kafka).securityContext?.runAsUser).toBe(defaults.images.uids.kafka);
    const props = find('ConfigMap', 'kafka-config').data?.['server.properties'] ?? '';
    expect(props).toContain('process.roles=broker,controller');
    expect(props).toContain('default.replication.factor=3');
    expect(props).toContain('min.insync.replicas=2');
    expect(props).toContain(
      'controller.quorum.voters=0@kafka-0.kafka-headless.stream.svc.cluster.local:9093,1@kafka-1.kafka-headless.stream.svc.cluster.local:9093,2@kafka-2.kafka-headless.stream.svc.cluster.local:9093',
    );
    expect(c.env?.find((e) => e.name === 'KAFKA_CLUSTER_ID')?.value).toBe(defaults.stream.kafka.clusterId);
    expect(find('Service', 'kafka-headless').spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
  });

  it('gives a broker 10 minutes to listen before the startup probe gives up (log recovery takes minutes)', () => {
    const c = podSpec(kafka).containers[0] as Container & { startupProbe: { periodSeconds: number; failureThreshold: number } };
    expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBe(600);
  });

  it('mounts the image VOLUMEs it does not use read-only, so the runtime makes no writable volume of them', () => {
    const mounts = (podSpec(kafka).containers[0] as Container & { volumeMounts: { mountPath: string; readOnly?: boolean }[] })
      .volumeMounts;
    for (const path of ['/etc/kafka/secrets', '/mnt/shared/config']) {
      expect(mounts.find((m) => m.mountPath === path)).toMatchObject({ readOnly: true });
    }
  });

  it('spreads brokers across nodes, gives each a volume and lets one go at a time', () => {
    expect(podSpec(kafka).affinity).toMatchObject({
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname' } },
        ],
      },
    });
    expect(kafka.spec?.volumeClaimTemplates).toMatchObject([{ metadata: { name: 'data' } }]);
    expect(find('PodDisruptionBudget', 'kafka').spec).toMatchObject({ maxUnavailable: 1 });
  });

  it('creates the topics with the processor image and runs producer and processor from the config', () => {
    const topics = podSpec(find('Job', 'kafka-topics')).containers[0] as Container;
    expect(topics.image).toBe('ghcr.io/stratus-platform/processor:0.1.0');
    expect(topics).toMatchObject({ command: ['node', '/app/main.mjs', 'topics'] });
    const processor = find('Deployment', 'processor');
    expect(processor.spec?.replicas).toBe(3);
    const env = Object.fromEntries(((podSpec(processor).containers[0] as Container).env ?? []).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({ KAFKA_BROKERS: 'kafka:9092', WINDOW_SIZE: '20', METRICS_PORT: '9465' });
    expect(JSON.parse(env.STRATUS_STREAM__TOPICS ?? '{}')).toEqual(defaults.stream.topics);
    expect(find('Deployment', 'producer').spec?.template).toMatchObject({
      metadata: { annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9464' } },
    });
  });

  it('probes the stream workers on /healthz, which turns 503 when the consumer or producer stops working', () => {
    for (const [name, port] of [
      ['processor', 9465],
      ['producer', 9464],
    ] as const) {
      const container = podSpec(find('Deployment', name)).containers[0] as Container;
      expect(container.livenessProbe?.httpGet, name).toMatchObject({ path: '/healthz', port });
      expect(container.readinessProbe?.httpGet, name).toMatchObject({ path: '/healthz', port });
    }
  });
});

describe('monitoring', () => {
  it('discovers annotated pods and scrapes kubelets and cAdvisor through the API server with its own RBAC', () => {
    const config = find('ConfigMap', 'prometheus-config').data?.['prometheus.yml'] ?? '';
    expect(config).toContain('role: pod');
    expect(parse(config).scrape_configs[0].kubernetes_sd_configs).toEqual([
      { role: 'pod', namespaces: { names: ['todo', 'stream', 'monitoring', 'lake'] } },
    ]);
    expect(config).toContain('/api/v1/nodes/$1/proxy/metrics/cadvisor');
    const role = find('ClusterRole', 'stratus-prometheus');
    expect(JSON.stringify(role)).toContain('nodes/proxy');
    expect(find('ClusterRoleBinding', 'stratus-prometheus')).toMatchObject({
      subjects: [{ kind: 'ServiceAccount', name: 'prometheus', namespace: 'monitoring' }],
    });
    const prometheus = find('Deployment', 'prometheus');
    expect((podSpec(prometheus).containers[0] as Container).args).toContain('--storage.tsdb.retention.time=15d');
    expect(prometheus.spec?.strategy).toMatchObject({ type: 'Recreate' });
    expect(find('PersistentVolumeClaim', 'prometheus-data').spec).toMatchObject({ resources: { requests: { storage: '10Gi' } } });
  });

  it('has alert rules for the API error ratio, consumer lag and restart storms', () => {
    const rules = find('ConfigMap', 'prometheus-config').data?.['alerts.yml'] ?? '';
    for (const alert of ['TodoApiErrorRatioHigh', 'ProcessorConsumerLagHigh', 'PodRestartStorm']) expect(rules).toContain(alert);
  });

  it('provisions the datasource and the four dashboards on the contract metric names; the password is a Secret ref', () => {
    const dashboards = find('ConfigMap', 'grafana-dashboards').data ?? {};
    expect(Object.keys(dashboards).sort()).toEqual(['cluster.json', 'lake.json', 'stream.json', 'todo-api.json']);
    const all = Object.values(dashboards).join('\n');
    for (const metric of [
      'http_request_duration_seconds_count',
      'http_request_duration_seconds_bucket',
      'producer_events_sent_total',
      'processor_windows_out_total',
      'processor_consumer_lag',
      'processor_dead_letters_total',
      'container_cpu_usage_seconds_total',
      'container_memory_working_set_bytes',
      'kube_pod_container_status_restarts_total',
      'archiver_lag_messages',
      'archiver_rows_total',
      'archiver_last_commit_age_seconds',
    ]) {
      expect(all).toContain(metric);
    }
    expect(find('ConfigMap', 'grafana-provisioning').data?.['datasources.yaml']).toContain('url: http://prometheus:9090');
    const grafana = podSpec(find('Deployment', 'grafana')).containers[0] as Container;
    expect(grafana.env?.find((e) => e.name === 'GF_SECURITY_ADMIN_PASSWORD__FILE')).toEqual({
      name: 'GF_SECURITY_ADMIN_PASSWORD__FILE',
      value: '/etc/secrets/grafana-admin/password',
    });
  });

  it('keeps node-exporter within restricted: no host namespaces, only kernel-global collectors', () => {
    const spec = podSpec(find('DaemonSet', 'node-exporter'));
    const args = (spec.containers[0] as Container).args ?? [];
    expect(args).toContain('--collector.disable-defaults');
    expect(args).not.toContain('--collector.filesystem');
    expect(spec.tolerations).toEqual([{ operator: 'Exists' }]);
  });
});

describe('determinism', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('writes the same bytes twice, with no absolute paths or timestamps, and removes files of dropped charts', () => {
    const read = (dir: string) => Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
    const [a, b] = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'k8s-synth-')));
    dirs.push(a as string, b as string);
    writeFileSync(join(a as string, '99-gone.yaml'), 'stale');
    const written = synthKubernetes(defaults, a as string);
    synthKubernetes(defaults, b as string);
    expect(written.map((f) => f.slice((a as string).length + 1))).toEqual(Object.keys(read(b as string)).sort());
    expect(read(a as string)).toEqual(read(b as string));
    const all = Object.values(read(a as string)).join('');
    expect(all).not.toContain(a as string);
    expect(all).not.toMatch(/20\d\d-\d\d-\d\dT/);
  });
});
