import { type StratusConfig, upstreamRef } from '@stratus/config';
import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { AppDeployment } from './app-deployment.ts';
import { skipCheck } from './checkov.ts';
import { clusterScoped } from './cluster-scoped.ts';
import { appLabels, selectorLabels } from './labels.ts';
import { Peer } from './network-flow.ts';
import { httpProbes } from './probes.ts';
import { alertRules, prometheusConfig } from './prometheus-config.ts';

export const PROMETHEUS_NAME = 'prometheus';
export const PROMETHEUS_PORT = 9090;
/** The keys of the Prometheus ConfigMap, which is mounted at /etc/prometheus. */
export const PROMETHEUS_FILES = { config: 'prometheus.yml', rules: 'alerts.yml' } as const;

/** The Prometheus pods, as a NetworkFlow end, for charts that let it scrape them. */
export function prometheusPeer(config: StratusConfig): Peer {
  return Peer.pods(config.monitoring.namespace, selectorLabels(PROMETHEUS_NAME));
}

export interface PrometheusProps {
  /** The validated platform config: version, retention, storage, resources, alert thresholds. */
  readonly config: StratusConfig;
}

/**
 * Prometheus with Kubernetes service discovery: its RBAC, the config and rules as a ConfigMap, a volume for the TSDB,
 * and a single replica that is replaced (never surged) so two servers never share the volume.
 */
export class Prometheus extends Construct {
  readonly app: AppDeployment;
  /** The files of the ConfigMap, as written, for promtool. */
  readonly files: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: PrometheusProps) {
    super(scope, id);
    const { config } = props;
    const version = config.versions.prometheus.replace(/^v/, '');
    const labels = appLabels({ name: PROMETHEUS_NAME, component: 'monitoring', partOf: 'monitoring', version });
    const account = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { name: PROMETHEUS_NAME, labels },
      automountToken: true,
    });
    clusterScoped(
      new kplus.k8s.KubeClusterRole(this, 'ClusterRole', {
        metadata: { name: `stratus-${PROMETHEUS_NAME}`, labels },
        rules: [
          {
            apiGroups: [''],
            resources: ['nodes', 'nodes/metrics', 'nodes/proxy', 'pods', 'services', 'endpoints'],
            verbs: ['get', 'list', 'watch'],
          },
          { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
          { nonResourceUrLs: ['/metrics'], verbs: ['get'] },
        ],
      }),
    );
    clusterScoped(
      new kplus.k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
        metadata: { name: `stratus-${PROMETHEUS_NAME}`, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `stratus-${PROMETHEUS_NAME}` },
        subjects: [{ kind: 'ServiceAccount', name: PROMETHEUS_NAME, namespace: Chart.of(this).namespace }],
      }),
    );
    this.files = {
      [PROMETHEUS_FILES.config]: stringify(
        prometheusConfig(PROMETHEUS_FILES.rules, [
          config.todo.namespace,
          config.stream.namespace,
          config.monitoring.namespace,
          config.lake.namespace,
        ]),
      ),
      [PROMETHEUS_FILES.rules]: stringify(alertRules(config)),
    };
    const configMap = new kplus.ConfigMap(this, 'Config', {
      metadata: { name: `${PROMETHEUS_NAME}-config`, labels },
      data: { ...this.files },
    });
    const claimName = `${PROMETHEUS_NAME}-data`;
    new kplus.k8s.KubePersistentVolumeClaim(this, 'Data', {
      metadata: { name: claimName, labels },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: kplus.k8s.Quantity.fromString(config.monitoring.storage) } },
      },
    });
    const claim = kplus.PersistentVolumeClaim.fromClaimName(this, 'Claim', claimName);
    this.app = new AppDeployment(this, 'App', {
      name: PROMETHEUS_NAME,
      component: 'monitoring',
      partOf: 'monitoring',
      version,
      image: upstreamRef(config, 'prometheus'),
      user: config.images.uids.nobody,
      replicas: 1,
      strategy: kplus.DeploymentStrategy.recreate(),
      resources: config.monitoring.prometheus,
      serviceAccount: account,
      ports: [{ name: 'http', port: PROMETHEUS_PORT }],
      metricsPort: PROMETHEUS_PORT,
      probes: httpProbes(PROMETHEUS_PORT, '/-/ready', '/-/healthy'),
      args: [
        `--config.file=/etc/prometheus/${PROMETHEUS_FILES.config}`,
        '--storage.tsdb.path=/prometheus',
        `--storage.tsdb.retention.time=${config.monitoring.retention}`,
        `--web.listen-address=:${PROMETHEUS_PORT}`,
      ],
      volumeMounts: [
        { path: '/etc/prometheus', volume: kplus.Volume.fromConfigMap(this, 'ConfigVolume', configMap, { name: 'config' }) },
        { path: '/prometheus', volume: kplus.Volume.fromPersistentVolumeClaim(this, 'DataVolume', claim, { name: 'data' }) },
      ],
    });
    skipCheck(
      this.app.deployment,
      'CKV_K8S_38',
      'Prometheus finds its scrape targets through the Kubernetes API (kubernetes_sd_configs), read-only by its ClusterRole',
    );
  }
}
