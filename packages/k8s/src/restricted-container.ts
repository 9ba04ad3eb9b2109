import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { cpuMillis, MIB, memoryBytes } from './quantity.ts';

/** Requests and limits as written in `@stratus/config`. */
export interface ResourceSettings {
  readonly cpu: string;
  readonly memory: string;
  readonly cpuLimit: string;
  readonly memoryLimit: string;
}

export interface RestrictedContainerProps
  extends Omit<kplus.ContainerProps, 'securityContext' | 'resources' | 'imagePullPolicy'> {
  /** Requests and limits; both are required for every container. */
  readonly resources: ResourceSettings;
  /** The numeric uid (and gid) the image is built to run as; numeric so the kubelet can verify it is not root. */
  readonly user: number;
}

export class ResourceSettingsError extends Error {
  override readonly name = 'ResourceSettingsError';
}

/** Config requests and limits as cdk8s-plus resources, refusing a request above its limit. */
export function containerResources(settings: ResourceSettings, what: string): kplus.ContainerResources {
  const cpu = cpuMillis(settings.cpu);
  const cpuLimit = cpuMillis(settings.cpuLimit);
  const memory = memoryBytes(settings.memory);
  const memoryLimit = memoryBytes(settings.memoryLimit);
  if (cpu > cpuLimit)
    throw new ResourceSettingsError(`${what}: 'cpu' (${settings.cpu}) must be at most 'cpuLimit' (${settings.cpuLimit})`);
  if (memory > memoryLimit) {
    throw new ResourceSettingsError(
      `${what}: 'memory' (${settings.memory}) must be at most 'memoryLimit' (${settings.memoryLimit})`,
    );
  }
  return {
    cpu: { request: kplus.Cpu.millis(cpu), limit: kplus.Cpu.millis(cpuLimit) },
    memory: { request: Size.mebibytes(Math.ceil(memory / MIB)), limit: Size.mebibytes(Math.ceil(memoryLimit / MIB)) },
  };
}

/** A container that runs as a fixed non-root uid with a read-only root filesystem and no privilege escalation. */
export function restrictedContainer(props: RestrictedContainerProps): kplus.ContainerProps {
  const { resources, user, ...rest } = props;
  return {
    ...rest,
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    resources: containerResources(resources, `container ${props.name ?? props.image}`),
    securityContext: {
      user,
      group: user,
      ensureNonRoot: true,
      privileged: false,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    },
  };
}

/** The pod-level half: non-root, the same uid, and volumes owned by its group. */
export function restrictedPodSecurity(user: number): kplus.PodSecurityContextProps {
  return {
    user,
    group: user,
    fsGroup: user,
    ensureNonRoot: true,
    fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH,
  };
}

/** The annotations Prometheus' pod discovery keeps. */
export function scrapeAnnotations(port: number, path = '/metrics'): Record<string, string> {
  return { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port), 'prometheus.io/path': path };
}
