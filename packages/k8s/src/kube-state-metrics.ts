import { type StratusConfig, upstreamRef } from '@stratus/config';
import { Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AppDeployment } from './app-deployment.ts';
import { skipCheck } from './checkov.ts';
import { clusterScoped } from './cluster-scoped.ts';
import { appLabels } from './labels.ts';

export const KUBE_STATE_METRICS_PORT = 8080;
const TELEMETRY_PORT = 8081;

/** The objects it reports on, with their API groups; the RBAC grants list and watch on exactly these. */
const RESOURCES: ReadonlyArray<readonly [group: string, resource: string]> = [
  ['', 'pods'],
  ['', 'nodes'],
  ['', 'namespaces'],
  ['', 'services'],
  ['', 'persistentvolumeclaims'],
  ['apps', 'deployments'],
  ['apps', 'statefulsets'],
  ['apps', 'daemonsets'],
  ['apps', 'replicasets'],
  ['batch', 'jobs'],
  ['autoscaling', 'horizontalpodautoscalers'],
  ['policy', 'poddisruptionbudgets'],
];

export interface KubeStateMetricsProps {
  /** The validated platform config: version and resources. */
  readonly config: StratusConfig;
}

/** kube-state-metrics, limited to the objects the dashboards and alerts use (no Secrets or ConfigMaps). */
export class KubeStateMetrics extends Construct {
  readonly app: AppDeployment;

  constructor(scope: Construct, id: string, props: KubeStateMetricsProps) {
    super(scope, id);
    const { config } = props;
    const name = 'kube-state-metrics';
    const version = config.versions.kubeStateMetrics.replace(/^v/, '');
    const labels = appLabels({ name, component: 'exporter', partOf: 'monitoring', version });
    const account = new kplus.ServiceAccount(this, 'ServiceAccount', { metadata: { name, labels }, automountToken: true });
    const groups = [...new Set(RESOURCES.map(([group]) => group))];
    clusterScoped(
      new kplus.k8s.KubeClusterRole(this, 'ClusterRole', {
        metadata: { name: `stratus-${name}`, labels },
        rules: groups.map((group) => ({
          apiGroups: [group],
          resources: RESOURCES.filter(([g]) => g === group).map(([, r]) => r),
          verbs: ['list', 'watch'],
        })),
      }),
    );
    clusterScoped(
      new kplus.k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
        metadata: { name: `stratus-${name}`, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `stratus-${name}` },
        subjects: [{ kind: 'ServiceAccount', name, namespace: Chart.of(this).namespace }],
      }),
    );
    const check = { periodSeconds: Duration.seconds(10), timeoutSeconds: Duration.seconds(5) };
    this.app = new AppDeployment(this, 'App', {
      name,
      component: 'exporter',
      partOf: 'monitoring',
      version,
      image: upstreamRef(config, 'kubeStateMetrics'),
      user: config.images.uids.nobody,
      replicas: 1,
      resources: config.monitoring.kubeStateMetrics,
      serviceAccount: account,
      ports: [
        { name: 'metrics', port: KUBE_STATE_METRICS_PORT },
        { name: 'telemetry', port: TELEMETRY_PORT },
      ],
      metricsPort: KUBE_STATE_METRICS_PORT,
      args: [
        `--port=${KUBE_STATE_METRICS_PORT}`,
        `--telemetry-port=${TELEMETRY_PORT}`,
        `--resources=${RESOURCES.map(([, r]) => r).join(',')}`,
      ],
      probes: {
        startup: kplus.Probe.fromHttpGet('/livez', { port: KUBE_STATE_METRICS_PORT, ...check, failureThreshold: 30 }),
        liveness: kplus.Probe.fromHttpGet('/livez', { port: KUBE_STATE_METRICS_PORT, ...check, failureThreshold: 3 }),
        readiness: kplus.Probe.fromHttpGet('/readyz', { port: TELEMETRY_PORT, ...check, failureThreshold: 3 }),
      },
    });
    skipCheck(
      this.app.deployment,
      'CKV_K8S_38',
      'kube-state-metrics lists and watches the objects it reports through the Kubernetes API, read-only by its ClusterRole',
    );
  }
}
