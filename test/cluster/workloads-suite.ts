import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APPS, imageRef } from '@stratus/config';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { total, workloadRequests } from '../../packages/k8s/src/capacity.ts';
import { cpuMillis } from '../../packages/k8s/src/quantity.ts';
import { type DeployedCluster, namespacesOf, UNOBTAINABLE_OFFLINE } from './deploy.ts';
import { KafkaTools } from './kafka-tools.ts';
import { type Container, type Event, isReady, type List, type Pod } from './objects.ts';

const dist = fileURLToPath(new URL('../../dist/k8s', import.meta.url));

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const readObjects = (dir: string): Json[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJSON() as Json))
    .filter((o) => o !== null);

/** The CPU a Spark pod asks for, a line of the lake's spark.properties (`lake.spark.*.cpu`). */
const SPARK_SIZING = /^(spark\.kubernetes\.(?:driver|executor)\.request\.cores)=.*$/gm;

/** The checkov skips that say why an image is not pinned by digest, which differ with `images.pinDigests`. */
const DIGEST_SKIP = /^CKV_K8S_(43|15)=/;

/**
 * Everything but sizing and digest pinning: container requests and limits, the heap derived from them, replica
 * counts, the `@sha256:` of image references and the skips that explain a missing one.
 */
function withoutSizing(value: Json): Json {
  if (Array.isArray(value)) return value.map(withoutSizing);
  if (value === null || typeof value !== 'object') return value;
  const out: { [key: string]: Json } = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === 'resources' && 'image' in value) continue;
    if (['replicas', 'minReplicas', 'maxReplicas'].includes(key) && typeof v === 'number') continue;
    if (key === 'value' && value.name === 'KAFKA_HEAP_OPTS') continue;
    if (key === 'image' && typeof v === 'string') {
      out[key] = v.replace(/@sha256:[0-9a-f]{64}$/, '');
      continue;
    }
    if (key === 'annotations' && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const kept = Object.entries(v).filter(
        ([k, a]) => !(k.startsWith('checkov.io/skip') && typeof a === 'string' && DIGEST_SKIP.test(a)),
      );
      if (kept.length > 0) out[key] = withoutSizing(Object.fromEntries(kept));
      continue;
    }
    out[key] = typeof v === 'string' ? v.replace(SPARK_SIZING, '$1=') : withoutSizing(v);
  }
  return out;
}

/**
 * What `id -un` says in a container of `image` running as `uid`: the app images are built with their user renumbered to
 * images.uids, Prometheus's run as `nobody`, and the other upstream images run as any uid (a uid of 10000 or more has
 * no passwd entry there, so `id` prints the number).
 */
function expectedUser(image: string, uid: number, cluster: DeployedCluster): string {
  const { config } = cluster;
  if (APPS.some((app) => app !== 'frontend' && image === imageRef(config, app))) return 'node';
  if (image === imageRef(config, 'frontend')) return 'nginx';
  if (image.startsWith('prom/')) return 'nobody';
  return String(uid);
}

/** Mount points the kubelet and the runtime always make writable, whatever the pod asks for. */
const RUNTIME_MOUNTS = /^\/(proc|sys|dev)(\/|$)|^\/etc\/(hosts|hostname|resolv\.conf)$/;

/** One shell run per container: its uid and user name, then its mount table. */
const INSPECT = 'id -u; id -un; echo ---; cat /proc/self/mountinfo';

const unescapeMount = (path: string) => path.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));

interface Inspected {
  readonly uid: number;
  readonly user: string;
  readonly rootReadOnly: boolean;
  readonly writable: string[];
}

function parseInspection(out: string): Inspected {
  const [head = '', mounts = ''] = out.split('\n---\n');
  const [uid = '', user = ''] = head.trim().split('\n');
  const entries = mounts
    .trim()
    .split('\n')
    .map((line) => line.split(' '))
    .map((f) => ({ point: unescapeMount(f[4] ?? ''), options: (f[5] ?? '').split(',') }));
  const root = entries.filter((e) => e.point === '/').at(-1);
  return {
    uid: Number(uid),
    user: user.trim(),
    rootReadOnly: root?.options.includes('ro') === true,
    writable: [...new Set(entries.filter((e) => e.options.includes('rw') && !RUNTIME_MOUNTS.test(e.point)).map((e) => e.point))]
      .filter((p) => p !== '/')
      .sort(),
  };
}

/** A path as /proc/self/mountinfo names it: /var/run is a symlink to /run in the Debian-based images. */
const asMounted = (path: string) => path.replace(/^\/var\/run\//, '/run/');

/** The mounts of a container the chart gives it to write: emptyDirs and volume claims not mounted read-only. */
function chartWritable(pod: Pod, container: Container): string[] {
  const volumes = new Map((pod.spec.volumes ?? []).map((v) => [v.name, v]));
  return (container.volumeMounts ?? [])
    .filter((m) => !m.readOnly)
    .filter((m) => {
      const v = volumes.get(m.name);
      return v?.emptyDir !== undefined || v?.persistentVolumeClaim !== undefined;
    })
    .map((m) => m.mountPath)
    .sort();
}

const writeProbe = (paths: readonly string[]) =>
  paths.map((p) => `touch '${p}/.stratus-write-probe' && rm '${p}/.stratus-write-probe' && echo 'wrote ${p}'`).join('; ');

/** The running pods of the suite's namespaces, with the workloads that were left out removed. */
export async function runningPods(cluster: DeployedCluster): Promise<Pod[]> {
  const leftOut = new Set(cluster.leftOut.map((l) => `${l.namespace}/${l.workload}`));
  const lists = await Promise.all(
    namespacesOf(cluster.config).map((ns) => cluster.kubectl.json<List<Pod>>(['-n', ns, 'get', 'pods'])),
  );
  return lists
    .flatMap((l) => l.items)
    .filter((p) => p.status.phase === 'Running' && isReady(p))
    .filter((p) => !leftOut.has(`${p.metadata.namespace}/${p.metadata.labels?.['app.kubernetes.io/name']}`));
}

export function workloadSuite(cluster: () => DeployedCluster): void {
  describe('the deployment', () => {
    it('is dist/k8s with only requests, limits, replicas and digest pinning changed, through the small-cluster config', () => {
      const shipped = readObjects(dist);
      const applied = readObjects(cluster().dir);
      expect(applied.map(withoutSizing)).toEqual(shipped.map(withoutSizing));
      expect(applied).not.toEqual(shipped);
      expect(cluster().config.stream.kafka.resources.cpu).toBe('150m');
    });

    it('applied without a warning; every workload is Ready, and only the offline-unobtainable ones are left out', () => {
      const { applyWarnings, leftOut, ready } = cluster();
      expect(applyWarnings).toBe('');
      for (const l of leftOut) console.warn(`left out ${l.namespace}/${l.workload}: ${l.reason}`);
      expect(leftOut.map((l) => l.workload).filter((w) => !(w in UNOBTAINABLE_OFFLINE))).toEqual([]);
      const names = ready.map((s) => `${s.namespace}/${s.workload.kind}/${s.workload.metadata.name}`);
      console.info(`Ready after ${cluster().readySeconds.toFixed(0)} s: ${names.join(', ')}`);
      const { config } = cluster();
      for (const expected of [
        `${config.todo.namespace}/StatefulSet/${config.todo.database.service}`,
        `${config.todo.namespace}/Deployment/${config.todo.backend.service}`,
        `${config.todo.namespace}/Deployment/${config.todo.frontend.service}`,
        `${config.stream.namespace}/StatefulSet/${config.stream.kafka.service}`,
        `${config.stream.namespace}/Deployment/producer`,
        `${config.stream.namespace}/Deployment/processor`,
        `${config.monitoring.namespace}/Deployment/prometheus`,
        `${config.monitoring.namespace}/DaemonSet/node-exporter`,
      ]) {
        expect(names).toContain(expected);
      }
    });

    it('fits: the requests at peak replicas and the pods already there are within the nodes allocatable CPU', async () => {
      const { kubectl, config, dir } = cluster();
      const nodes = await kubectl.json<List<{ status: { allocatable: { cpu: string } } }>>(['get', 'nodes']);
      const allocatable = nodes.items.reduce((s, n) => s + cpuMillis(n.status.allocatable.cpu), 0);
      const ours = new Set(namespacesOf(config));
      const others = (await kubectl.json<List<Pod>>(['get', 'pods', '-A'])).items
        .filter((p) => !ours.has(p.metadata.namespace ?? '') && !['Succeeded', 'Failed'].includes(p.status.phase ?? ''))
        .reduce((s, p) => s + p.spec.containers.reduce((c, x) => c + cpuMillis(x.resources?.requests?.cpu ?? '0'), 0), 0);
      const peak = total(
        workloadRequests(readObjects(dir) as Parameters<typeof workloadRequests>[0], nodes.items.length),
      ).cpuMillis;
      console.info(`CPU requests: ${peak}m at peak + ${others}m of other pods, ${allocatable}m allocatable`);
      expect(peak + others).toBeLessThanOrEqual(allocatable);
    });

    it('enforces Pod Security "restricted" in every namespace, which admitted every pod and refuses one that breaks it', async () => {
      const { kubectl, config } = cluster();
      for (const ns of namespacesOf(config)) {
        const labels = (await kubectl.json<{ metadata: { labels: Record<string, string> } }>(['get', 'namespace', ns])).metadata
          .labels;
        expect(labels['pod-security.kubernetes.io/enforce'], ns).toBe('restricted');
        const events = await kubectl.json<List<Event>>(['-n', ns, 'get', 'events']);
        expect(
          events.items.filter((e) => /PodSecurity/.test(e.message ?? '')).map((e) => e.message),
          ns,
        ).toEqual([]);
        const root = {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'stratus-not-restricted', namespace: ns },
          spec: { containers: [{ name: 'x', image: imageRef(config, 'backend'), securityContext: { runAsUser: 0 } }] },
        };
        const refused = await kubectl.run(['create', '--dry-run=server', '-f', '-'], { input: JSON.stringify(root) });
        expect(refused.code, ns).not.toBe(0);
        expect(refused.stderr, ns).toMatch(/violates PodSecurity "restricted/);
      }
    });

    it('runs every container as the uid its manifest sets, a user its image has; read-only root, writable only where the chart mounts a volume', async () => {
      const c = cluster();
      const pods = await runningPods(c);
      expect(pods.length).toBeGreaterThan(8);
      const checked: string[] = [];
      for (const pod of pods) {
        for (const container of pod.spec.containers) {
          const where = `${pod.metadata.namespace}/${pod.metadata.name}/${container.name} (${container.image})`;
          const writable = chartWritable(pod, container);
          const out = await c.kubectl.exec(pod.metadata.namespace ?? '', pod.metadata.name, container.name, [
            'sh',
            '-c',
            `${writeProbe(writable)}${writable.length ? '; ' : ''}${INSPECT}`,
          ]);
          if (
            out.code !== 0 &&
            container.image.includes('/kube-state-metrics:') &&
            /executable file not found/.test(out.stderr)
          ) {
            console.warn(`${where}: distroless image without a shell, its uid is checked by the kubelet only (runAsNonRoot)`);
            continue;
          }
          expect(out.code, `${where}: ${out.stderr}`).toBe(0);
          const wrote = out.stdout
            .split('\n')
            .filter((l) => l.startsWith('wrote '))
            .map((l) => l.slice(6));
          const seen = parseInspection(
            out.stdout
              .split('\n')
              .filter((l) => !l.startsWith('wrote '))
              .join('\n'),
          );
          const uid = container.securityContext?.runAsUser ?? pod.spec.securityContext?.runAsUser;
          expect(uid, where).toBeGreaterThan(0);
          expect(seen.uid, where).toBe(uid);
          expect(seen.user, where).toBe(expectedUser(container.image, seen.uid, c));
          expect(container.securityContext?.readOnlyRootFilesystem, where).toBe(true);
          expect(seen.rootReadOnly, where).toBe(true);
          expect(seen.writable, where).toEqual(writable.map(asMounted).sort());
          expect(wrote.sort(), where).toEqual(writable);
          checked.push(`${where}: uid ${seen.uid} (${seen.user}), writable ${writable.join(' ') || 'nothing'}`);
        }
      }
      console.info(checked.join('\n'));
      for (const image of [`postgres:${c.config.versions.postgres}`, imageRef(c.config, 'frontend')]) {
        expect(
          checked.some((line) => line.includes(`(${image})`)),
          image,
        ).toBe(true);
      }
    });

    it('forms the KRaft quorum: every broker a voter, one leader, every follower caught up', async () => {
      const { kubectl, config } = cluster();
      const kafka = new KafkaTools(kubectl, config);
      const brokers = Array.from({ length: config.stream.kafka.brokers }, (_, i) => i);
      await expect
        .poll(
          async () => {
            const q = await kafka.quorum();
            return {
              voters: q.voters,
              leaderIsVoter: q.voters.includes(q.leaderId),
              statuses: q.replication.map((r) => r.status).sort(),
              caughtUp: q.replication.every((r) => r.lag <= 10),
            };
          },
          { timeout: 120_000, interval: 5_000 },
        )
        .toEqual({
          voters: brokers,
          leaderIsVoter: true,
          statuses: ['Leader', ...brokers.slice(1).map(() => 'Follower')].sort(),
          caughtUp: true,
        });
    });
  });
}
