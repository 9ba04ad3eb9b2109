import type { StratusConfig } from '@stratus/config';
import { cpuMillis, MIB, memoryBytes } from './quantity.ts';

/** CPU in millicores and memory in MiB. */
export interface Resources {
  readonly cpuMillis: number;
  readonly memoryMiB: number;
}

interface Container {
  readonly resources?: { readonly requests?: Record<string, string | number> };
}

interface ManifestObject {
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
  readonly spec?: Record<string, unknown>;
}

/** One workload's share of the cluster: its pods' requests at the most replicas it can run. */
export interface WorkloadRequests extends Resources {
  readonly workload: string;
  readonly pods: number;
}

export class CapacityError extends Error {
  override readonly name = 'CapacityError';
}

function podRequests(podSpec: { containers?: Container[]; initContainers?: Container[] }, what: string): Resources {
  const sum = (containers: Container[] = []) =>
    containers.reduce(
      (acc, c) => {
        const requests = c.resources?.requests;
        if (!requests?.cpu || !requests.memory) throw new CapacityError(`${what}: every container must request cpu and memory`);
        return {
          cpuMillis: acc.cpuMillis + cpuMillis(String(requests.cpu)),
          memoryMiB: acc.memoryMiB + memoryBytes(String(requests.memory)) / MIB,
        };
      },
      { cpuMillis: 0, memoryMiB: 0 },
    );
  const main = sum(podSpec.containers);
  const init = (podSpec.initContainers ?? []).map((c) => sum([c]));
  return {
    cpuMillis: Math.max(main.cpuMillis, ...init.map((r) => r.cpuMillis)),
    memoryMiB: Math.max(main.memoryMiB, ...init.map((r) => r.memoryMiB)),
  };
}

/**
 * The requests of every workload at its peak: Deployments at their autoscaler's maximum when they have one, StatefulSets
 * at their replicas, DaemonSets once per node that is up, Jobs at their parallelism, CronJobs as one run each (they may
 * overlap one another, never themselves).
 */
export function workloadRequests(objects: readonly ManifestObject[], nodesUp: number): WorkloadRequests[] {
  const hpaMax = new Map<string, number>();
  for (const o of objects) {
    if (o.kind !== 'HorizontalPodAutoscaler') continue;
    const target = o.spec?.scaleTargetRef as { kind: string; name: string } | undefined;
    hpaMax.set(`${o.metadata?.namespace}/${target?.kind}/${target?.name}`, Number(o.spec?.maxReplicas));
  }
  const result: WorkloadRequests[] = [];
  for (const o of objects) {
    const key = `${o.metadata?.namespace}/${o.kind}/${o.metadata?.name}`;
    let pods: number;
    switch (o.kind) {
      case 'Deployment':
      case 'StatefulSet':
        pods = hpaMax.get(key) ?? Number(o.spec?.replicas ?? 1);
        break;
      case 'DaemonSet':
        pods = nodesUp;
        break;
      case 'Job':
        pods = Number(o.spec?.parallelism ?? 1);
        break;
      case 'CronJob':
        pods = 1;
        break;
      default:
        continue;
    }
    const spec = o.kind === 'CronJob' ? (o.spec?.jobTemplate as { spec?: Record<string, unknown> } | undefined)?.spec : o.spec;
    const template = spec?.template as { spec: { containers?: Container[]; initContainers?: Container[] } } | undefined;
    if (!template) throw new CapacityError(`${key}: has no pod template`);
    const perPod = podRequests(template.spec, key);
    result.push({ workload: key, pods, cpuMillis: perPod.cpuMillis * pods, memoryMiB: perPod.memoryMiB * pods });
  }
  return result;
}

/** What the nodes of the reference cluster leave for workloads: the flavor's size minus k3s' own share, per node. */
export function nodeAllocatable(config: StratusConfig): Resources {
  const flavor = config.openstack.flavorSizes[config.openstack.nodeFlavor];
  if (!flavor) {
    throw new CapacityError(`openstack.flavorSizes has no entry for the node flavor '${config.openstack.nodeFlavor}'`);
  }
  return {
    cpuMillis: flavor.vcpus * 1000 - cpuMillis(config.cluster.systemReserved.cpu),
    memoryMiB: flavor.ramMiB - memoryBytes(config.cluster.systemReserved.memory) / MIB,
  };
}

/** The sum of requests. */
export function total(requests: readonly Resources[]): Resources {
  return requests.reduce((a, r) => ({ cpuMillis: a.cpuMillis + r.cpuMillis, memoryMiB: a.memoryMiB + r.memoryMiB }), {
    cpuMillis: 0,
    memoryMiB: 0,
  });
}
