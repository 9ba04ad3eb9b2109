import { imageRef, type StratusConfig, upstreamRef } from '@stratus/config';
import { Chart, type ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { AppDeployment } from './app-deployment.ts';
import { appLabels } from './labels.ts';
import { NamespaceIsolation } from './namespace-isolation.ts';
import { NetworkFlow, Peer } from './network-flow.ts';
import { PostgresDatabase } from './postgres-database.ts';
import { httpProbes, tcpProbes } from './probes.ts';
import { prometheusPeer } from './prometheus.ts';
import { secretDir, secretVolumeMount } from './secret-volume.ts';

export interface TodoChartProps extends ChartProps {
  /** The validated platform config. */
  readonly config: StratusConfig;
}

/** The todo app: PostgreSQL, the backend with its autoscaler and disruption budget, the frontend, the Ingress, the policies. */
export class TodoChart extends Chart {
  readonly database: PostgresDatabase;
  readonly backend: AppDeployment;
  readonly frontend: AppDeployment;

  constructor(scope: Construct, id: string, props: TodoChartProps) {
    const { config } = props;
    const todo = config.todo;
    super(scope, id, { ...props, namespace: todo.namespace, disableResourceNameHashes: true });

    this.database = new PostgresDatabase(this, 'Database', {
      name: todo.database.service,
      version: config.versions.postgres,
      image: upstreamRef(config, 'postgres'),
      runAsUser: config.images.uids.postgres,
      port: todo.database.port,
      database: todo.database.name,
      user: todo.database.user,
      secretName: todo.database.secret,
      storage: todo.database.storage,
      resources: todo.database.resources,
      partOf: 'todo',
    });

    this.backend = new AppDeployment(this, 'Backend', {
      name: todo.backend.service,
      component: 'api',
      partOf: 'todo',
      version: config.version,
      image: imageRef(config, 'backend'),
      user: config.images.uids.node,
      resources: todo.backend.resources,
      ports: [{ name: 'http', port: todo.backend.port }],
      metricsPort: todo.backend.port,
      probes: httpProbes(todo.backend.port, '/readyz', '/healthz'),
      volumeMounts: [secretVolumeMount(this, 'DatabaseCredentials', todo.database.secret)],
      env: {
        PORT: kplus.EnvValue.fromValue(String(todo.backend.port)),
        PGHOST: kplus.EnvValue.fromValue(todo.database.service),
        PGPORT: kplus.EnvValue.fromValue(String(todo.database.port)),
        PGDATABASE: kplus.EnvValue.fromValue(todo.database.name),
        PGUSER: kplus.EnvValue.fromValue(todo.database.user),
        PGPASSWORD_FILE: kplus.EnvValue.fromValue(`${secretDir(todo.database.secret)}/password`),
        LOG_LEVEL: kplus.EnvValue.fromValue('info'),
        ...(todo.host ? { PUBLIC_URL: kplus.EnvValue.fromValue(`http://${todo.host}`) } : {}),
      },
    });
    new kplus.HorizontalPodAutoscaler(this, 'BackendAutoscaler', {
      metadata: { name: todo.backend.service, labels: this.backend.metadataLabels },
      target: this.backend.deployment,
      minReplicas: todo.backend.minReplicas,
      maxReplicas: todo.backend.maxReplicas,
      metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(todo.backend.targetCpuPercent))],
    });
    new kplus.k8s.KubePodDisruptionBudget(this, 'BackendDisruptionBudget', {
      metadata: { name: todo.backend.service, labels: this.backend.metadataLabels },
      spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: this.backend.labels } },
    });

    this.frontend = new AppDeployment(this, 'Frontend', {
      name: todo.frontend.service,
      component: 'web',
      partOf: 'todo',
      version: config.version,
      image: imageRef(config, 'frontend'),
      user: config.images.uids.nginx,
      replicas: todo.frontend.replicas,
      resources: todo.frontend.resources,
      ports: [{ name: 'http', port: todo.frontend.port }],
      probes: tcpProbes(todo.frontend.port),
      writablePaths: ['/tmp', '/etc/nginx/conf.d'],
      env: {
        BACKEND_URL: kplus.EnvValue.fromValue(
          `http://${todo.backend.service}.${todo.namespace}.svc.${config.cluster.domain}:${todo.backend.port}`,
        ),
      },
    });

    const backendService = this.backend.service;
    const frontendService = this.frontend.service;
    if (backendService && frontendService) {
      new kplus.Ingress(this, 'Ingress', {
        metadata: {
          name: 'todo',
          labels: appLabels({ name: 'todo', component: 'ingress', partOf: 'todo', version: config.version }),
        },
        className: todo.ingressClass,
        rules: [
          { path: '/api', pathType: kplus.HttpIngressPathType.PREFIX, backend: kplus.IngressBackend.fromService(backendService) },
          { path: '/', pathType: kplus.HttpIngressPathType.PREFIX, backend: kplus.IngressBackend.fromService(frontendService) },
        ].map((rule) => (todo.host ? { ...rule, host: todo.host } : rule)),
      });
    }

    new NamespaceIsolation(this, 'Isolation');
    const ingressController = Peer.pods(todo.ingressController.namespace, {
      'app.kubernetes.io/name': todo.ingressController.name,
    });
    const database = Peer.pods(todo.namespace, this.database.labels);
    new NetworkFlow(this, 'allow-ingress-to-frontend', {
      from: ingressController,
      to: this.frontend.peer,
      ports: [{ port: todo.frontend.port }],
    });
    new NetworkFlow(this, 'allow-ingress-to-backend', {
      from: ingressController,
      to: this.backend.peer,
      ports: [{ port: todo.backend.port }],
    });
    new NetworkFlow(this, 'allow-frontend-to-backend', {
      from: this.frontend.peer,
      to: this.backend.peer,
      ports: [{ port: todo.backend.port }],
    });
    new NetworkFlow(this, 'allow-backend-to-database', {
      from: this.backend.peer,
      to: database,
      ports: [{ port: todo.database.port }],
    });
    new NetworkFlow(this, 'allow-prometheus-to-backend', {
      from: prometheusPeer(config),
      to: this.backend.peer,
      ports: [{ port: todo.backend.port }],
    });
  }
}
