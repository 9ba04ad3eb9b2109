import { type StratusConfig, upstreamRef } from '@stratus/config';
import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { appLabels, selectorLabels } from './labels.ts';
import { httpProbes } from './probes.ts';
import { restrictedContainer, restrictedPodSecurity, scrapeAnnotations } from './restricted-container.ts';

export const NODE_EXPORTER_PORT = 9100;

/**
 * Collectors whose files are kernel-global, so they report the node even from an unprivileged pod: /proc/stat,
 * /proc/meminfo, /proc/loadavg, /proc/diskstats, /proc/vmstat, /proc/pressure and uname. Filesystem and network
 * collectors would only see the pod's own mounts and network namespace, so they stay off (cAdvisor covers pod traffic).
 */
export const NODE_COLLECTORS = ['cpu', 'meminfo', 'loadavg', 'diskstats', 'vmstat', 'stat', 'pressure', 'uname'] as const;

export interface NodeExporterProps {
  /** The validated platform config: version and resources. */
  readonly config: StratusConfig;
}

/**
 * node-exporter on every node, within Pod Security "restricted": no host network, no host PID, no hostPath. It reads
 * the container's own /proc and /sys, which for the collectors above are the node's.
 */
export class NodeExporter extends Construct {
  readonly daemonSet: kplus.DaemonSet;
  readonly labels: Record<string, string>;

  constructor(scope: Construct, id: string, props: NodeExporterProps) {
    super(scope, id);
    const { config } = props;
    const name = 'node-exporter';
    const version = config.versions.nodeExporter.replace(/^v/, '');
    const labels = appLabels({ name, component: 'exporter', partOf: 'monitoring', version });
    this.labels = selectorLabels(name);
    const probes = httpProbes(NODE_EXPORTER_PORT, '/', '/');
    this.daemonSet = new kplus.DaemonSet(this, 'DaemonSet', {
      metadata: { name, labels },
      select: false,
      podMetadata: { labels, annotations: scrapeAnnotations(NODE_EXPORTER_PORT) },
      securityContext: restrictedPodSecurity(config.images.uids.nobody),
      automountServiceAccountToken: false,
      containers: [
        restrictedContainer({
          name,
          image: upstreamRef(config, 'nodeExporter'),
          user: config.images.uids.nobody,
          resources: config.monitoring.nodeExporter,
          args: [
            `--web.listen-address=:${NODE_EXPORTER_PORT}`,
            '--collector.disable-defaults',
            ...NODE_COLLECTORS.map((c) => `--collector.${c}`),
          ],
          ports: [{ name: 'metrics', number: NODE_EXPORTER_PORT }],
          readiness: probes.readiness,
          liveness: probes.liveness,
          startup: probes.startup,
          volumeMounts: [
            { path: '/tmp', volume: kplus.Volume.fromEmptyDir(this, 'Tmp', 'tmp', { sizeLimit: Size.mebibytes(16) }) },
          ],
        }),
      ],
    });
    this.daemonSet.select(kplus.LabelSelector.of({ labels: this.labels }));
    this.daemonSet.scheduling.tolerate(kplus.Node.tainted(kplus.NodeTaintQuery.any()));
  }
}
