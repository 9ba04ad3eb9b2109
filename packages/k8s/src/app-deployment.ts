import { Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { appLabels, selectorLabels } from './labels.ts';
import { Peer } from './network-flow.ts';
import type { ContainerProbes } from './probes.ts';
import { type ResourceSettings, restrictedContainer, restrictedPodSecurity, scrapeAnnotations } from './restricted-container.ts';

/** A named container port. */
export interface AppPort {
  /** An IANA-style name such as `http` or `metrics`. */
  readonly name: string;
  /** The container port, which the Service exposes under the same number. */
  readonly port: number;
}

export interface AppDeploymentProps {
  /** The name of the Deployment, its Service and `app.kubernetes.io/name`. */
  readonly name: string;
  /** `app.kubernetes.io/component`. */
  readonly component: string;
  /** `app.kubernetes.io/part-of`. */
  readonly partOf: string;
  /** `app.kubernetes.io/version`: the version the image runs. */
  readonly version: string;
  /** The image reference. */
  readonly image: string;
  /** The numeric uid the image runs as. */
  readonly user: number;
  /** Requests and limits. */
  readonly resources: ResourceSettings;
  /** @default the replicas are left to a HorizontalPodAutoscaler */
  readonly replicas?: number;
  /** @default no ports and no Service */
  readonly ports?: readonly AppPort[];
  /** @default none */
  readonly env?: Readonly<Record<string, kplus.EnvValue>>;
  /** @default the image's entrypoint */
  readonly command?: readonly string[];
  /** @default the image's arguments */
  readonly args?: readonly string[];
  /** Startup, readiness and liveness checks, from `httpProbes`, `tcpProbes` or `commandProbes`. */
  readonly probes: ContainerProbes;
  /** Paths the process writes to, each an emptyDir under the read-only root filesystem. @default ['/tmp'] */
  readonly writablePaths?: readonly string[];
  /** Further mounts, such as ConfigMaps. @default none */
  readonly volumeMounts?: readonly kplus.VolumeMount[];
  /** The port Prometheus scrapes through the pod annotations. @default not scraped */
  readonly metricsPort?: number;
  /** @default '/metrics' */
  readonly metricsPath?: string;
  /** @default none and no API token mounted */
  readonly serviceAccount?: kplus.IServiceAccount;
  /** @default one surge pod and none unavailable */
  readonly strategy?: kplus.DeploymentStrategy;
  /** @default true when there are ports */
  readonly service?: boolean;
}

export class AppDeploymentError extends Error {
  override readonly name = 'AppDeploymentError';
}

const volumeName = (path: string) =>
  path
    .replace(/^\/+/, '')
    .replace(/[^a-z0-9]+/gi, '-')
    .toLowerCase();

/** A stateless workload: a restricted Deployment, its Service under the same stable name, labels and scrape annotations. */
export class AppDeployment extends Construct {
  readonly deployment: kplus.Deployment;
  readonly service?: kplus.Service;
  /** The labels that select its pods. */
  readonly labels: Record<string, string>;
  /** Every recommended label, as on its objects. */
  readonly metadataLabels: Record<string, string>;
  /** Its pods, as a NetworkFlow end. */
  readonly peer: Peer;

  constructor(scope: Construct, id: string, props: AppDeploymentProps) {
    super(scope, id);
    const namespace = Chart.of(this).namespace;
    if (!namespace) throw new AppDeploymentError(`${this.node.path}: 'AppDeployment' needs a chart with a namespace`);
    if (props.replicas !== undefined && props.replicas < 1) {
      throw new AppDeploymentError(`${props.name}: 'replicas' must be at least 1, got ${props.replicas}`);
    }
    const ports = props.ports ?? [];
    if (props.metricsPort !== undefined && !ports.some((p) => p.port === props.metricsPort)) {
      throw new AppDeploymentError(`${props.name}: 'metricsPort' ${props.metricsPort} must be one of 'ports'`);
    }
    const labels = appLabels(props);
    this.metadataLabels = labels;
    this.labels = selectorLabels(props.name);
    this.peer = Peer.pods(namespace, this.labels);
    const writable = (props.writablePaths ?? ['/tmp']).map((path) => ({
      path,
      volume: kplus.Volume.fromEmptyDir(this, `Writable${volumeName(path)}`, volumeName(path), { sizeLimit: Size.mebibytes(64) }),
    }));
    this.deployment = new kplus.Deployment(this, 'Deployment', {
      metadata: { name: props.name, labels },
      select: false,
      podMetadata: {
        labels,
        annotations: props.metricsPort ? scrapeAnnotations(props.metricsPort, props.metricsPath) : undefined,
      },
      replicas: props.replicas,
      strategy:
        props.strategy ??
        kplus.DeploymentStrategy.rollingUpdate({
          maxSurge: kplus.PercentOrAbsolute.absolute(1),
          maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
        }),
      securityContext: restrictedPodSecurity(props.user),
      serviceAccount: props.serviceAccount,
      automountServiceAccountToken: props.serviceAccount !== undefined,
      containers: [
        restrictedContainer({
          name: props.name,
          image: props.image,
          user: props.user,
          resources: props.resources,
          command: props.command ? [...props.command] : undefined,
          args: props.args ? [...props.args] : undefined,
          ports: ports.map((p) => ({ name: p.name, number: p.port })),
          envVariables: props.env ? { ...props.env } : undefined,
          readiness: props.probes.readiness,
          liveness: props.probes.liveness,
          startup: props.probes.startup,
          volumeMounts: [...writable, ...(props.volumeMounts ?? [])],
        }),
      ],
      terminationGracePeriod: Duration.seconds(30),
    });
    this.deployment.select(kplus.LabelSelector.of({ labels: this.labels }));
    if ((props.service ?? ports.length > 0) && ports.length > 0) {
      this.service = new kplus.Service(this, 'Service', {
        metadata: { name: props.name, labels },
        selector: kplus.Pods.select(this, 'Pods', { labels: this.labels }),
        ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port })),
      });
    }
  }
}
