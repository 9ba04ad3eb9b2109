import { imageRef, type StratusConfig } from '@stratus/config';
import { batchPlan } from '@stratus/lake-batch/batch-plan';
import { spark as sparkDialect } from '@stratus/lake-batch/dialect';
import { lakeNames, maintenanceArgs } from '@stratus/lake-batch/lake-names';
import { sparkLakeConf } from '@stratus/lake-batch/spark-conf';
import { Chart, type ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { AppDeployment } from './app-deployment.ts';
import { selectorLabels } from './labels.ts';
import { LakeCronJob } from './lake-cron-job.ts';
import { NamespaceIsolation } from './namespace-isolation.ts';
import { NetworkFlow, Peer } from './network-flow.ts';
import { httpProbes } from './probes.ts';
import { prometheusPeer } from './prometheus.ts';
import { s3CredentialFiles } from './s3-credentials.ts';
import { SeaweedfsCluster } from './seaweedfs-cluster.ts';
import { secretVolumeMount } from './secret-volume.ts';
import {
  SPARK_BLOCK_MANAGER_PORT,
  SPARK_CONF_DIR,
  SPARK_DRIVER_PORT,
  SPARK_SCRIPTS,
  SparkSubmission,
} from './spark-submission.ts';

/** The API server as seen from pods: the `kubernetes` Service's port and, after DNAT, the k3s server's. */
const API_SERVER_PORTS = [{ port: 443 }, { port: 6443 }];

export interface LakeChartProps extends ChartProps {
  /** The validated platform config. */
  readonly config: StratusConfig;
}

export class LakeChartError extends Error {
  override readonly name = 'LakeChartError';
}

/**
 * The data lake in its namespace: SeaweedFS (S3 and the Iceberg REST catalog) unless the lake uses the cloud's Swift,
 * the archiver that commits the stream into Iceberg, the batch job on a schedule (DuckDB in one pod, or Spark), the
 * table maintenance on Spark, and the NetworkPolicies between them.
 */
export class LakeChart extends Chart {
  readonly seaweedfs?: SeaweedfsCluster;
  readonly archiver: AppDeployment;
  readonly batch: LakeCronJob;
  readonly maintenance: LakeCronJob;

  constructor(scope: Construct, id: string, props: LakeChartProps) {
    const { config } = props;
    const { lake, stream } = config;
    super(scope, id, { ...props, namespace: lake.namespace, disableResourceNameHashes: true });
    const partOf = 'lake';
    const swift = lake.storage.backend === 'swift';
    if (swift && (lake.storage.endpoint === '' || lake.catalog.url === '')) {
      throw new LakeChartError(
        "'lake.storage.endpoint' and 'lake.catalog.url' must be set when 'lake.storage.backend' is swift (the cloud's S3 API and an Iceberg REST catalog)",
      );
    }
    if (!swift) {
      const s = lake.seaweedfsCluster;
      this.seaweedfs = new SeaweedfsCluster(this, 'Seaweedfs', {
        name: lake.seaweedfs.service,
        image: s.image,
        version: s.image.split(':')[1] ?? 'latest',
        user: config.images.uids.seaweedfs,
        ports: {
          master: s.masterPort,
          volume: s.volumePort,
          filer: s.filerPort,
          s3: lake.seaweedfs.s3Port,
          iceberg: lake.seaweedfs.icebergPort,
          metrics: s.metricsPort,
        },
        storage: { master: s.masterStorage, volume: s.volumeStorage, filer: s.filerStorage },
        resources: s.resources,
        credentialsSecret: lake.storage.secret,
        tableBucket: lake.catalog.warehouse,
        partOf,
      });
    }
    const s3Url = lake.storage.endpoint || (this.seaweedfs?.s3Url as string);
    const catalogUrl = lake.catalog.url || (this.seaweedfs?.catalogUrl as string);
    const credentials = s3CredentialFiles(lake.storage.secret);
    const credentialsMount = secretVolumeMount(this, 'S3Credentials', lake.storage.secret);
    const lakeEnv = {
      ICEBERG_CATALOG_URL: kplus.EnvValue.fromValue(catalogUrl),
      ICEBERG_WAREHOUSE: kplus.EnvValue.fromValue(lake.catalog.warehouse),
      S3_ENDPOINT: kplus.EnvValue.fromValue(s3Url),
      S3_REGION: kplus.EnvValue.fromValue(lake.storage.region),
      ...credentials,
    };

    const kafkaBrokers = `${stream.kafka.service}.${stream.namespace}.svc:${stream.kafka.port}`;
    this.archiver = new AppDeployment(this, 'Archiver', {
      name: 'archiver',
      component: 'archiver',
      partOf,
      version: config.version,
      image: imageRef(config, 'archiver'),
      user: config.images.uids.node,
      replicas: lake.archiver.replicas,
      resources: lake.archiver.resources,
      ports: [{ name: 'metrics', port: lake.archiver.metricsPort }],
      metricsPort: lake.archiver.metricsPort,
      probes: httpProbes(lake.archiver.metricsPort, '/healthz', '/healthz'),
      service: false,
      volumeMounts: [credentialsMount],
      env: {
        ...lakeEnv,
        KAFKA_BROKERS: kplus.EnvValue.fromValue(kafkaBrokers),
        METRICS_PORT: kplus.EnvValue.fromValue(String(lake.archiver.metricsPort)),
        STRATUS_STREAM__TOPICS: kplus.EnvValue.fromValue(JSON.stringify(stream.topics)),
      },
    });

    const names = lakeNames(config);
    const sp = lake.spark;
    const submission = new SparkSubmission(this, 'Spark', {
      name: sp.serviceAccount,
      image: imageRef(config, 'lake-spark'),
      user: config.images.uids.spark,
      executors: sp.executors,
      driver: sp.driver,
      executor: sp.executor,
      credentialsSecret: lake.storage.secret,
      lakeConf: sparkLakeConf({
        catalog: names.catalog,
        catalogUrl,
        warehouse: lake.catalog.warehouse,
        s3Endpoint: s3Url,
        region: lake.storage.region,
      }),
      files: { 'plan.json': `${JSON.stringify(batchPlan(sparkDialect, names, stream.windowSize), null, 2)}\n` },
      partOf,
      version: config.version,
    });
    const driverEnv = { ...submission.driverEnv(), ...credentials, AWS_REGION: kplus.EnvValue.fromValue(lake.storage.region) };
    const lookback = String(lake.batch.lookbackDays);
    const onSpark = lake.batch.engine === 'spark';
    this.batch = new LakeCronJob(this, 'Batch', {
      name: 'lake-batch',
      component: 'batch',
      partOf,
      version: config.version,
      schedule: lake.batch.schedule,
      ...(onSpark
        ? {
            image: imageRef(config, 'lake-spark'),
            user: config.images.uids.spark,
            resources: sp.driver,
            command: [
              '/bin/bash',
              '-c',
              `exec /bin/bash ${SPARK_CONF_DIR}/submit.sh ${SPARK_SCRIPTS}/batch_job.py ` +
                `--plan ${SPARK_CONF_DIR}/plan.json --from "$(date -u -d "-$LOOKBACK_DAYS days" +%F)" --to "$(date -u +%F)"`,
            ],
            env: { ...driverEnv, LOOKBACK_DAYS: kplus.EnvValue.fromValue(lookback) },
            volumeMounts: [submission.confMount(this), credentialsMount],
            serviceAccount: submission.serviceAccount,
          }
        : {
            image: imageRef(config, 'lake-batch'),
            user: config.images.uids.node,
            resources: lake.batch.resources,
            command: ['node', '/app/main.mjs', 'run'],
            env: {
              ...lakeEnv,
              LOOKBACK_DAYS: kplus.EnvValue.fromValue(lookback),
              WINDOW_SIZE: kplus.EnvValue.fromValue(String(stream.windowSize)),
            },
            volumeMounts: [credentialsMount],
          }),
    });
    this.maintenance = new LakeCronJob(this, 'Maintenance', {
      name: 'lake-maintenance',
      component: 'maintenance',
      partOf,
      version: config.version,
      schedule: lake.maintenance.schedule,
      image: imageRef(config, 'lake-spark'),
      user: config.images.uids.spark,
      resources: sp.driver,
      command: submission.submitCommand('maintenance.py', maintenanceArgs(config)),
      env: driverEnv,
      volumeMounts: [submission.confMount(this), credentialsMount],
      serviceAccount: submission.serviceAccount,
    });

    new NamespaceIsolation(this, 'Isolation');
    const ns = lake.namespace;
    const batchPeer = Peer.pods(ns, this.batch.labels);
    const maintenancePeer = Peer.pods(ns, this.maintenance.labels);
    const clients: [string, Peer][] = [
      ['archiver', this.archiver.peer],
      ['lake-batch', batchPeer],
      ['lake-maintenance', maintenancePeer],
      ['spark-executor', submission.executorPeer],
    ];
    if (this.seaweedfs) {
      const storePorts = [{ port: lake.seaweedfs.s3Port }, { port: lake.seaweedfs.icebergPort }];
      for (const [name, peer] of clients) {
        new NetworkFlow(this, `allow-${name}-to-seaweedfs`, { from: peer, to: this.seaweedfs.gatewayPeer, ports: storePorts });
      }
      new NetworkFlow(this, 'allow-prometheus-to-seaweedfs', {
        from: prometheusPeer(config),
        to: this.seaweedfs.storagePeer,
        ports: [{ port: lake.seaweedfsCluster.metricsPort }],
      });
    } else {
      const outside = Peer.cidr('0.0.0.0/0');
      const ports = [...new Set([s3Url, catalogUrl].map((u) => Number(new URL(u).port || (u.startsWith('https') ? 443 : 80))))];
      for (const [name, peer] of clients) {
        new NetworkFlow(this, `allow-${name}-to-object-storage`, {
          from: peer,
          to: outside,
          ports: ports.map((port) => ({ port })),
        });
      }
    }
    new NetworkFlow(this, 'allow-archiver-to-kafka', {
      from: this.archiver.peer,
      to: Peer.pods(stream.namespace, selectorLabels(stream.kafka.service)),
      ports: [{ port: stream.kafka.port }],
    });
    new NetworkFlow(this, 'allow-prometheus-to-archiver', {
      from: prometheusPeer(config),
      to: this.archiver.peer,
      ports: [{ port: lake.archiver.metricsPort }],
    });
    const driverPorts = [{ port: SPARK_DRIVER_PORT }, { port: SPARK_BLOCK_MANAGER_PORT }];
    const drivers: [string, Peer][] = [['lake-maintenance', maintenancePeer]];
    if (onSpark) drivers.push(['lake-batch', batchPeer]);
    for (const [name, peer] of drivers) {
      new NetworkFlow(this, `allow-${name}-to-apiserver`, { from: peer, to: Peer.cidr('0.0.0.0/0'), ports: API_SERVER_PORTS });
      new NetworkFlow(this, `allow-${name}-to-spark-executor`, { from: peer, to: submission.executorPeer, ports: driverPorts });
      new NetworkFlow(this, `allow-spark-executor-to-${name}`, { from: submission.executorPeer, to: peer, ports: driverPorts });
    }
    new NetworkFlow(this, 'allow-spark-executor-to-spark-executor', {
      from: submission.executorPeer,
      to: submission.executorPeer,
      ports: [{ port: SPARK_BLOCK_MANAGER_PORT }],
    });
  }
}
