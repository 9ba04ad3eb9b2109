import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type StratusConfig } from '@stratus/config';
import { synthKubernetes } from '../../packages/k8s/src/synth.ts';
import type { Kubectl } from './kubectl.ts';
import { type Event, isReady, type List, type Pod, selector, type Workload } from './objects.ts';
import type { ClusterTarget } from './target.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const KUBERNETES_DOC = join(root, 'docs/kubernetes.md');

export class DeployError extends Error {
  override readonly name = 'DeployError';
}

/**
 * The `export STRATUS_...=value` lines of the "Small cluster" section of docs/kubernetes.md: the suite sizes its
 * deployment with exactly what the guide tells a user with a small cluster to set.
 */
export function smallClusterOverrides(markdown = readFileSync(KUBERNETES_DOC, 'utf8')): Record<string, string> {
  const section = /^#+ Small cluster\n([\s\S]*?)(?=^#+ )/m.exec(`${markdown}\n# end`)?.[1];
  const block = section && /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new DeployError(`${KUBERNETES_DOC} has no "Small cluster" section with a sh block`);
  const overrides: Record<string, string> = {};
  for (const line of block.split('\n')) {
    const m = /^export (STRATUS_[A-Z0-9_]+)=(\S+)$/.exec(line.trim());
    if (m?.[1] && m[2]) overrides[m[1]] = m[2];
  }
  if (Object.keys(overrides).length === 0) throw new DeployError(`the "Small cluster" block of ${KUBERNETES_DOC} sets nothing`);
  return overrides;
}

/** The config a user gets with the small-cluster variables set, and `pnpm synth:k8s` of it into `outdir`. */
export function synthSmallCluster(
  outdir: string,
  overrides = smallClusterOverrides(),
): { config: StratusConfig; files: string[] } {
  const config = loadConfig({ env: { ...process.env, ...overrides } });
  return { config, files: synthKubernetes(config, outdir) };
}

/** The namespaces the charts deploy into. */
export const namespacesOf = (config: StratusConfig): string[] => [
  config.todo.namespace,
  config.stream.namespace,
  config.monitoring.namespace,
  config.lake.namespace,
];

/**
 * Deploy as docs/kubernetes.md says: the namespaces, the three Secrets (each created once; the database keeps the
 * password it was initialised with, SeaweedFS the keys it was started with), then
 * everything. Returns what `kubectl apply` wrote to stderr (warnings).
 */
export async function applyAsDocumented(kubectl: Kubectl, dir: string, config: StratusConfig): Promise<string> {
  const namespaces = await kubectl.run(['apply', '-f', join(dir, '00-namespaces.yaml')]);
  if (namespaces.code !== 0) throw new DeployError(`applying the namespaces failed: ${namespaces.stderr}`);
  const password = () => ({ password: randomBytes(24).toString('base64') });
  const secrets = [
    { namespace: config.todo.namespace, name: config.todo.database.secret, literals: password },
    { namespace: config.monitoring.namespace, name: config.monitoring.grafanaSecret, literals: password },
    {
      namespace: config.lake.namespace,
      name: config.lake.storage.secret,
      literals: () => ({
        AWS_ACCESS_KEY_ID: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
        AWS_SECRET_ACCESS_KEY: randomBytes(30).toString('base64'),
      }),
    },
  ];
  for (const { namespace, name, literals } of secrets) {
    if ((await kubectl.run(['-n', namespace, 'get', 'secret', name])).code === 0) continue;
    const values = Object.entries(literals()).map(([k, v]) => `--from-literal=${k}=${v}`);
    await kubectl.ok(['-n', namespace, 'create', 'secret', 'generic', name, ...values]);
  }
  const applied = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => ['-f', join(dir, f)]);
  const all = await kubectl.run(['apply', ...applied], { timeoutMs: 300_000 });
  if (all.code !== 0) throw new DeployError(`kubectl apply ${applied.join(' ')} failed: ${all.stderr}`);
  return `${namespaces.stderr}${all.stderr}`;
}

/**
 * Workloads whose images are not obtainable from the package registries (see docs/kubernetes.md, "How it is
 * tested"). They are left out only while their pods wait on an image pull; where the image exists (CI) they count.
 */
export const UNOBTAINABLE_OFFLINE: Readonly<Record<string, string>> = {
  grafana: 'the grafana/grafana image is published only on Docker Hub; no package registry has Grafana',
  'kube-state-metrics': 'registry.k8s.io/kube-state-metrics is not served by the Go module proxy (its module is refused)',
};
const PULL_FAILURES = new Set(['ErrImagePull', 'ImagePullBackOff', 'ErrImageNeverPull', 'InvalidImageName']);

export interface LeftOut {
  readonly namespace: string;
  readonly workload: string;
  readonly reason: string;
}

export interface WorkloadState {
  readonly namespace: string;
  readonly workload: Workload;
  readonly pods: readonly Pod[];
  readonly ready: boolean;
  readonly why: string;
}

async function workloadStates(kubectl: Kubectl, namespace: string): Promise<WorkloadState[]> {
  const [workloads, pods, hpas] = await Promise.all([
    kubectl.json<List<Workload>>(['-n', namespace, 'get', 'deployments,statefulsets,daemonsets,jobs']),
    kubectl.json<List<Pod>>(['-n', namespace, 'get', 'pods']),
    kubectl.json<List<{ spec: { minReplicas?: number; scaleTargetRef: { name: string } } }>>(['-n', namespace, 'get', 'hpa']),
  ]);
  const minReplicas = new Map(hpas.items.map((h) => [h.spec.scaleTargetRef.name, h.spec.minReplicas ?? 1]));
  return workloads.items.map((workload) => {
    const match = workload.spec.selector?.matchLabels ?? {};
    const own = pods.items.filter((p) => Object.entries(match).every(([k, v]) => p.metadata.labels?.[k] === v));
    const s = workload.status ?? {};
    const name = workload.metadata.name;
    let ready: boolean;
    let why: string;
    switch (workload.kind) {
      case 'Job':
        ready = (s.succeeded ?? 0) > 0;
        why = `succeeded ${s.succeeded ?? 0}, failed ${s.failed ?? 0}`;
        break;
      case 'DaemonSet':
        ready = (s.desiredNumberScheduled ?? 0) > 0 && s.numberReady === s.desiredNumberScheduled;
        why = `ready ${s.numberReady ?? 0} of ${s.desiredNumberScheduled ?? 0}`;
        break;
      default: {
        const want = Math.max(workload.spec.replicas ?? 1, minReplicas.get(name) ?? 0);
        ready = (s.readyReplicas ?? 0) === want && (s.replicas ?? 0) === want && own.filter(isReady).length === want;
        why = `ready ${s.readyReplicas ?? 0} of ${want}, ${s.replicas ?? 0} pods`;
      }
    }
    return { namespace, workload, pods: own, ready, why };
  });
}

/** The reason a workload may be left out, or undefined when it must be Ready. */
function leftOutReason(state: WorkloadState): string | undefined {
  const reason = UNOBTAINABLE_OFFLINE[state.workload.metadata.name];
  if (!reason || state.pods.length === 0) return undefined;
  const waits = state.pods.flatMap((p) => p.status.containerStatuses ?? []).map((c) => c.state?.waiting?.reason ?? '');
  if (waits.length === 0 || !waits.every((w) => PULL_FAILURES.has(w))) return undefined;
  const image = state.workload.spec.template.spec.containers[0]?.image;
  return `${image} cannot be pulled here (${waits[0]}): ${reason}`;
}

/** `kubectl describe` and the logs (and the previous container's) of every pod of a workload, and its own events. */
export async function diagnose(kubectl: Kubectl, state: WorkloadState): Promise<string> {
  const { namespace, workload } = state;
  const parts = [`== ${namespace}/${workload.kind}/${workload.metadata.name}: ${state.why}`];
  const events = await kubectl.json<List<Event>>(['-n', namespace, 'get', 'events']).catch(() => ({ items: [] as Event[] }));
  const ownerNames = new Set([
    workload.metadata.name,
    ...state.pods.flatMap((p) => p.metadata.ownerReferences ?? []).map((o) => o.name),
  ]);
  for (const e of events.items.filter((e) => ownerNames.has(e.involvedObject.name) && e.involvedObject.kind !== 'Pod')) {
    parts.push(`event ${e.involvedObject.kind}/${e.involvedObject.name}: ${e.type} ${e.reason}: ${e.message}`);
  }
  if (state.pods.length === 0) parts.push('(no pods)');
  for (const pod of state.pods) {
    const name = pod.metadata.name;
    const described = await kubectl.run(['-n', namespace, 'describe', 'pod', name]);
    parts.push(`-- describe pod ${name}\n${described.stdout || described.stderr}`);
    const logs = await kubectl.run(['-n', namespace, 'logs', name, '--all-containers', '--prefix', '--tail=80']);
    parts.push(`-- logs ${name}\n${logs.stdout || logs.stderr}`);
    if ((pod.status.containerStatuses ?? []).some((c) => c.restartCount > 0)) {
      const previous = await kubectl.run([
        '-n',
        namespace,
        'logs',
        name,
        '--all-containers',
        '--prefix',
        '--previous',
        '--tail=80',
      ]);
      parts.push(`-- logs of the previous container of ${name}\n${previous.stdout || previous.stderr}`);
    }
  }
  return parts.join('\n');
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Waits until every Deployment, StatefulSet and DaemonSet of the namespaces is Ready and every Job has succeeded; the
 * workloads of {@link UNOBTAINABLE_OFFLINE} are left out when their image cannot be pulled. On timeout it fails with
 * the events and logs of each workload that is not Ready.
 */
export async function waitForWorkloads(
  kubectl: Kubectl,
  namespaces: readonly string[],
  timeoutMs: number,
): Promise<{ ready: WorkloadState[]; leftOut: LeftOut[] }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = (await Promise.all(namespaces.map((ns) => workloadStates(kubectl, ns)))).flat();
    const leftOut: LeftOut[] = [];
    const pending: WorkloadState[] = [];
    for (const state of states) {
      if (state.ready) continue;
      const reason = leftOutReason(state);
      if (reason) leftOut.push({ namespace: state.namespace, workload: state.workload.metadata.name, reason });
      else pending.push(state);
    }
    if (pending.length === 0 && states.length > 0) return { ready: states.filter((s) => s.ready), leftOut };
    if (Date.now() > deadline) {
      const reports = await Promise.all(pending.map((s) => diagnose(kubectl, s)));
      throw new DeployError(
        `not Ready after ${Math.round(timeoutMs / 1000)} s: ${pending.map((s) => `${s.namespace}/${s.workload.metadata.name} (${s.why})`).join(', ')}\n${reports.join('\n')}`,
      );
    }
    await sleep(3_000);
  }
}

/** The pods of one app (`app.kubernetes.io/name`), Ready or not. */
export async function podsOf(kubectl: Kubectl, namespace: string, name: string): Promise<Pod[]> {
  const list = await kubectl.json<List<Pod>>([
    '-n',
    namespace,
    'get',
    'pods',
    '-l',
    selector({ 'app.kubernetes.io/name': name }),
  ]);
  return [...list.items];
}

/** The platform as the suite deployed it. */
export interface DeployedCluster extends ClusterTarget {
  readonly config: StratusConfig;
  /** The synthesized manifests that were applied. */
  readonly dir: string;
  /** What `kubectl apply` printed on stderr. */
  readonly applyWarnings: string;
  readonly ready: readonly WorkloadState[];
  readonly leftOut: readonly LeftOut[];
  /** From the first `kubectl apply` to every workload Ready. */
  readonly readySeconds: number;
}

/** Synthesizes the small-cluster config into a temporary folder, applies it as documented and waits until it is Ready. */
export async function deployStratus(target: ClusterTarget, timeoutMs = 15 * 60_000): Promise<DeployedCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-k8s-'));
  const { config } = synthSmallCluster(dir);
  const started = Date.now();
  const applyWarnings = await applyAsDocumented(target.kubectl, dir, config);
  const { ready, leftOut } = await waitForWorkloads(target.kubectl, namespacesOf(config), timeoutMs);
  return { ...target, config, dir, applyWarnings, ready, leftOut, readySeconds: (Date.now() - started) / 1000 };
}
