import { z } from 'zod';
import { SENSOR_NAME, SENSOR_NAME_RULE } from './sensor.ts';

const semver = z.string().regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/, 'must be a semantic version such as 1.2.3');
const dnsLabel = z.string().regex(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label: lowercase letters, digits and "-"');
const topicName = z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'must be a Kafka topic name: letters, digits, ".", "_" and "-"');
const bucketName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name: 3 to 63 lowercase letters, digits, "." and "-"');
const icebergName = z
  .string()
  .regex(/^[a-z_][a-z0-9_]{0,63}$/, 'must be an Iceberg identifier: lowercase letters, digits and "_"');
const port = z.number().int().min(1).max(65535);
const positive = z.number().int().min(1);
const cidr = z
  .string()
  .regex(
    /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/,
    'must be an IPv4 CIDR such as 203.0.113.0/24',
  );
const flavor = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be an OpenStack flavor name such as cb1.medium (lowercase, digits, ".", "_", "-")');
const pinnedId = z
  .string()
  .regex(
    /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?$/,
    'must be an OpenStack id (a UUID), as pnpm openstack:pin writes it',
  )
  .default('');
/** A Kubernetes quantity; a bare number (`STRATUS_..._CPU_LIMIT=2` parses as one) is read as its text. */
const quantity = z.coerce.string().regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti)?$/, 'must be a Kubernetes quantity such as 250m or 512Mi');
const digest = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be an image digest: sha256: and 64 hex digits');
const uid = z.number().int().min(1).max(2_147_483_647);

interface ResourceDefaults {
  readonly cpu: string;
  readonly memory: string;
  readonly cpuLimit: string;
  readonly memoryLimit: string;
}

/** Requests and limits, each field defaulted on its own, so `STRATUS_..._RESOURCES__CPU=200m` overrides one of them. */
const resources = (d: ResourceDefaults) =>
  z
    .object({
      cpu: quantity.default(d.cpu),
      memory: quantity.default(d.memory),
      cpuLimit: quantity.default(d.cpuLimit),
      memoryLimit: quantity.default(d.memoryLimit),
    })
    .prefault({});

const topic = z.object({
  name: topicName,
  partitions: positive,
  replicationFactor: positive,
});

export const stratusConfigSchema = z
  .object({
    /** The platform release: the tag of every image and the web stack's app version. */
    version: semver.default('0.1.0'),
    versions: z
      .object({
        /** Node.js: the apps' images (`node:<this>-alpine`), CI and the test run (scripts/node.sh). */
        node: semver.default('24.22.3'),
        kafka: semver.default('4.4.0'),
        postgres: z
          .string()
          .regex(/^\d+(\.\d+)?$/, 'must be a PostgreSQL version such as 15 or 15.18')
          .default('15.18'),
        k3s: z
          .string()
          .regex(/^v\d+\.\d+\.\d+\+k3s\d+$/, 'must be a k3s release such as v1.36.1+k3s1')
          .default('v1.36.1+k3s1'),
        kubernetes: z
          .string()
          .regex(/^\d+\.\d+\.\d+$/, 'must be a Kubernetes version such as 1.36.3')
          .default('1.36.3'),
        openstackProvider: semver.default('3.4.0'),
        randomProvider: semver.default('3.7.2'),
        prometheus: z.string().default('v3.7.3'),
        grafana: z.string().default('12.3.0'),
        nginx: z.string().default('1.29-alpine'),
        kubeStateMetrics: z.string().default('v2.17.0'),
        nodeExporter: z.string().default('v1.12.1'),
        /** kubernetes/cloud-provider-openstack: the OpenStack cloud controller manager and the Cinder CSI plugin. */
        cloudProviderOpenstack: z.string().default('v1.36.0'),
        /** The CSI sidecars of that release's Cinder manifests (registry.k8s.io/sig-storage). */
        csiAttacher: z.string().default('v4.10.0'),
        csiProvisioner: z.string().default('v5.3.0'),
        csiResizer: z.string().default('v1.14.0'),
        csiLivenessProbe: z.string().default('v2.17.0'),
        csiNodeDriverRegistrar: z.string().default('v2.15.0'),
        /** The SeaweedFS Go module version the rig builds (releases are tagged 4.xx, so the module has pseudo-versions). */
        seaweedfs: z.string().default('v0.0.0-20261109003541-7506e5f91cd6'),
        /** DuckDB in the archiver and the batch job; its extensions must be built for exactly this version. */
        duckdb: semver.default('1.5.5'),
        /** PyIceberg, the second engine the lake tests read the archiver's tables with. */
        pyiceberg: semver.default('0.12.0'),
        spark: semver.default('4.1.1'),
        iceberg: semver.default('1.12.0'),
      })
      .prefault({}),
    images: z
      .object({
        registry: z
          .string()
          .regex(/^[a-z0-9.-]+(:\d+)?$/, 'must be a registry host such as ghcr.io')
          .default('ghcr.io'),
        owner: z
          .string()
          .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'must be a lowercase GitHub owner such as my-org')
          .default('stratus-platform'),
        /**
         * Reference every image by digest (`name:tag@sha256:...`): the apps' from `digests`, upstream ones from
         * `upstreamDigests`. Switch it off where the digests cannot match, such as local stand-in images or an air-gapped
         * mirror that re-pushed them; checkov's digest check (CKV_K8S_43) is then skipped with that reason.
         */
        pinDigests: z.boolean().default(true),
        /** The digest of each app image of this release, by app name; release.yml sets it from the build (STRATUS_IMAGES__DIGESTS). */
        digests: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be an app name such as backend'), digest).default({}),
        /** The repository of each upstream image, by its key in `versions` (which holds the tag). */
        upstream: z
          .object({
            postgres: z.string().default('postgres'),
            kafka: z.string().default('apache/kafka'),
            prometheus: z.string().default('prom/prometheus'),
            grafana: z.string().default('grafana/grafana'),
            kubeStateMetrics: z.string().default('registry.k8s.io/kube-state-metrics/kube-state-metrics'),
            nodeExporter: z.string().default('prom/node-exporter'),
            nginx: z.string().default('nginxinc/nginx-unprivileged'),
          })
          .prefault({}),
        /**
         * The digest of each upstream `repository:tag` (the multi-platform index). `pnpm images:pin` refreshes them from the
         * registries; a tag missing here runs unpinned, and synth says so on the workload (see docs/security.md).
         */
        upstreamDigests: z
          .record(z.string().regex(/^[^\s@]+:[^\s@:/]+$/, 'must be an image reference repository:tag'), digest)
          .default({
            'grafana/grafana:12.3.0': 'sha256:70d9599b186ce287be0d2c5ba9a78acb2e86c1a68c9c41449454d0fc3eeb84e8',
            'nginxinc/nginx-unprivileged:1.29-alpine': 'sha256:0c79d56aee561a1d81c63f00eee5fb5fe29279560cdc55e91425133104c7fbe6',
            'postgres:15.18': 'sha256:6eb0add3b77c081df18aa518ce43df58fdcc40f2e6d868a6fd08038dc7acd425',
            'prom/node-exporter:v1.12.1': 'sha256:1b4e4438faca4dd7e001dd445d161a4a2091b0fededa84093b3a8dfeae1f1be0',
            'prom/prometheus:v3.7.3': 'sha256:49214755b6153f90a597adcbff0252cc61069f8ab69ce8411285cd4a560e8038',
          }),
        /**
         * The numeric uid (and gid) each image runs as, 10000 or above so that no container shares a uid with a host
         * account. The app images are built for theirs; the upstream images accept any uid with a writable volume.
         */
        uids: z
          .object({
            /** backend, producer, processor (and the processor's topics Job): the images built on Node.js. */
            node: uid.default(10001),
            /** frontend: the image built on unprivileged nginx. */
            nginx: uid.default(10101),
            postgres: uid.default(10999),
            kafka: uid.default(11000),
            grafana: uid.default(10472),
            /** Prometheus, kube-state-metrics and node-exporter run as `nobody`. */
            nobody: uid.default(65534),
            /** SeaweedFS (master, volume, filer, S3 gateway, the table-bucket Job); the image accepts any uid with writable volumes. */
            seaweedfs: uid.default(10333),
            /** lake-spark (Spark drivers and executors): apache/spark's entrypoint runs as any uid, with HOME and work dirs in /tmp. */
            spark: uid.default(10185),
          })
          .prefault({}),
      })
      .prefault({}),
    openstack: z
      .object({
        /** A cloud name from clouds.yaml; empty means the OS_* environment variables. */
        cloud: z.string().default(''),
        network: z.string().min(1).default('DHBW'),
        /** The Neutron id of `network`, written by `pnpm openstack:pin` (the k3s server's kept port needs it). */
        networkId: pinnedId,
        /** The Glance image name that `pnpm openstack:pin` resolves to `imageId`. */
        image: z.string().min(1).default('Ubuntu 24.04'),
        /** The Glance image id every server boots from, written by `pnpm openstack:pin`; empty: not pinned, and plans refuse. */
        imageId: pinnedId,
        webFlavor: flavor.default('cb1.medium'),
        nodeFlavor: flavor.default('mb1.large'),
        /** vCPUs and RAM of the flavors the capacity checks use (mb1.large is assumed to be 4 vCPU / 8 GiB). */
        flavorSizes: z
          .record(flavor, z.object({ vcpus: positive, ramMiB: positive }))
          .default({ 'mb1.large': { vcpus: 4, ramMiB: 8192 } }),
        keyPair: z.string().default(''),
        adminCidr: cidr.default('127.0.0.1/32'),
        /** External network for floating IPs; empty means no floating IP. */
        floatingIpPool: z.string().default(''),
        dataVolumeGb: positive.default(10),
        /** The prefix of every OpenStack resource name (servers, volumes, security groups). */
        namePrefix: dnsLabel.default('stratus'),
        /** The OpenStack region; empty means the cloud's default (or OS_REGION_NAME). */
        region: z.string().default(''),
        /** Where Terraform keeps its state: a local file next to each stack, or an S3 API (such as Swift's s3api or Ceph RGW). */
        state: z
          .object({
            backend: z.enum(['local', 's3']).default('local'),
            bucket: z.string().default(''),
            endpoint: z.string().default(''),
            region: z.string().default('us-east-1'),
          })
          .prefault({}),
      })
      .prefault({}),
    cluster: z
      .object({
        agents: positive.max(20).default(2),
        /**
         * `openstack`: the OpenStack cloud controller manager and the Cinder CSI driver, Cinder the default StorageClass
         * (volumes follow their pods to new nodes). `none`: k3s's own local-path volumes, for a single-node or test cluster.
         */
        cloudProvider: z.enum(['openstack', 'none']).default('openstack'),
        /** The Secret in kube-system with `cloud.conf` (an application credential) for the controller manager and Cinder CSI. */
        cloudConfigSecret: dnsLabel.default('cloud-config'),
        autoDeployManifests: z.boolean().default(false),
        /** Size of the k3s server's state volume (/var/lib/rancher/k3s), kept across server replacements. */
        serverVolumeGb: positive.default(20),
        /** The cluster DNS domain (k3s: cluster.local). */
        domain: z
          .string()
          .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a DNS domain such as cluster.local')
          .default('cluster.local'),
        /** What k3s and its system pods (CoreDNS, Traefik, metrics-server, local-path) keep of each node. */
        systemReserved: z.object({ cpu: quantity, memory: quantity }).default({ cpu: '750m', memory: '1536Mi' }),
      })
      .prefault({}),
    todo: z
      .object({
        namespace: dnsLabel.default('todo'),
        ingressClass: dnsLabel.default('traefik'),
        /** Where the ingress controller's pods run and their `app.kubernetes.io/name`, for the NetworkPolicies. */
        ingressController: z
          .object({ namespace: dnsLabel.default('kube-system'), name: dnsLabel.default('traefik') })
          .prefault({}),
        host: z.string().default(''),
        backend: z
          .object({
            service: dnsLabel.default('backend'),
            port: port.default(3000),
            replicas: positive.default(2),
            minReplicas: positive.default(2),
            maxReplicas: positive.default(6),
            targetCpuPercent: positive.max(100).default(70),
            resources: resources({ cpu: '100m', memory: '128Mi', cpuLimit: '500m', memoryLimit: '256Mi' }),
          })
          .prefault({}),
        frontend: z
          .object({
            service: dnsLabel.default('frontend'),
            port: port.default(8080),
            replicas: positive.default(2),
            resources: resources({ cpu: '50m', memory: '32Mi', cpuLimit: '200m', memoryLimit: '64Mi' }),
          })
          .prefault({}),
        database: z
          .object({
            service: dnsLabel.default('database'),
            port: port.default(5432),
            name: z.string().default('todo'),
            user: z.string().default('todo'),
            secret: dnsLabel.default('database-credentials'),
            storage: quantity.default('5Gi'),
            resources: resources({ cpu: '250m', memory: '256Mi', cpuLimit: '1', memoryLimit: '1Gi' }),
          })
          .prefault({}),
      })
      .prefault({}),
    stream: z
      .object({
        namespace: dnsLabel.default('stream'),
        kafka: z
          .object({
            service: dnsLabel.default('kafka'),
            brokers: positive.default(3),
            port: port.default(9092),
            controllerPort: port.default(9093),
            minInsyncReplicas: positive.default(2),
            /** The KRaft cluster id: 16 bytes, base64url without padding (`kafka-storage.sh random-uuid`). */
            clusterId: z
              .string()
              .regex(/^[A-Za-z0-9_-]{22}$/, 'must be a Kafka cluster id: 22 base64url characters')
              .default('c3RyYXR1cy1rYWZrYS0wMQ'),
            storage: quantity.default('10Gi'),
            resources: resources({ cpu: '500m', memory: '1Gi', cpuLimit: '2', memoryLimit: '2Gi' }),
          })
          .prefault({}),
        topics: z
          .object({
            events: topic.default({ name: 'events', partitions: 3, replicationFactor: 3 }),
            results: topic.default({ name: 'results', partitions: 3, replicationFactor: 3 }),
            deadLetter: topic.default({ name: 'events-dlq', partitions: 3, replicationFactor: 3 }),
            changelog: topic.default({ name: 'processor-windows-changelog', partitions: 3, replicationFactor: 3 }),
          })
          .prefault({}),
        windowSize: positive.max(100_000).default(20),
        consumerGroup: z.string().min(1).default('processor'),
        producer: z
          .object({
            sensors: z
              .array(z.string().regex(SENSOR_NAME, `must be a sensor name: ${SENSOR_NAME_RULE}`))
              .min(1)
              .default(['A', 'B', 'C']),
            ratePerSecond: z.number().positive().max(100_000).default(10),
            metricsPort: port.default(9464),
            resources: resources({ cpu: '50m', memory: '64Mi', cpuLimit: '250m', memoryLimit: '128Mi' }),
          })
          .prefault({}),
        processor: z
          .object({
            replicas: positive.default(3),
            metricsPort: port.default(9465),
            resources: resources({ cpu: '100m', memory: '256Mi', cpuLimit: '1', memoryLimit: '512Mi' }),
          })
          .prefault({}),
      })
      .prefault({}),
    lake: z
      .object({
        /** The Kubernetes namespace of the lake's object store, catalog, archiver and jobs. */
        namespace: dnsLabel.default('lake'),
        storage: z
          .object({
            /** Where the lake's files live: SeaweedFS in the cluster, or the OpenStack cloud's Swift S3 API. */
            backend: z.enum(['seaweedfs', 'swift']).default('seaweedfs'),
            /** The S3 API endpoint; empty means the in-cluster SeaweedFS service (`lake.seaweedfs`). */
            endpoint: z.string().default(''),
            bucket: bucketName.default('stratus-lake'),
            region: z.string().min(1).default('us-east-1'),
            /** The Secret holding AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the S3 API and the catalog. */
            secret: dnsLabel.default('lake-s3-credentials'),
          })
          .prefault({}),
        seaweedfs: z
          .object({
            service: dnsLabel.default('seaweedfs'),
            s3Port: port.default(8333),
            /** The port of the Iceberg REST catalog that SeaweedFS's S3 gateway serves. */
            icebergPort: port.default(8181),
          })
          .prefault({}),
        catalog: z
          .object({
            /** The Iceberg REST catalog URL; empty means SeaweedFS's catalog in the cluster. */
            url: z.string().default(''),
            /** The catalog's warehouse (SeaweedFS: the table bucket). */
            warehouse: bucketName.default('stratus-lake'),
            /** The Iceberg namespace of the lake's tables. */
            namespace: icebergName.default('stratus'),
          })
          .prefault({}),
        tables: z
          .object({
            events: icebergName.default('events'),
            windows: icebergName.default('windows'),
            /** The archiver's Kafka positions, committed with the rows they cover. */
            positions: icebergName.default('archiver_positions'),
          })
          .prefault({}),
        archiver: z
          .object({
            consumerGroup: z.string().min(1).default('archiver'),
            replicas: positive.default(1),
            /** A batch is committed when it holds this many rows... */
            flushRows: positive.max(10_000_000).default(50_000),
            /** ...or when its oldest row has waited this long. */
            flushIntervalMs: positive.max(3_600_000).default(5_000),
            metricsPort: port.default(9466),
            resources: resources({ cpu: '250m', memory: '512Mi', cpuLimit: '1', memoryLimit: '1Gi' }),
          })
          .prefault({}),
        /** The batch job: per sensor and minute, hour and day aggregates, and the window reconciliation. */
        batch: z
          .object({
            /** The engine of the scheduled run: DuckDB in one pod, or Spark with executors as pods. */
            engine: z.enum(['duckdb', 'spark']).default('duckdb'),
            /** CronJob schedule (UTC) of the run that recomputes the days before today. */
            schedule: z.string().min(9).default('30 0 * * *'),
            /** Days, ending yesterday, that each scheduled run recomputes (late events land in the lake later). */
            lookbackDays: positive.max(366).default(2),
            tables: z
              .object({
                minute: icebergName.default('sensor_minute'),
                hour: icebergName.default('sensor_hour'),
                day: icebergName.default('sensor_day'),
                reconciliation: icebergName.default('window_reconciliation'),
              })
              .prefault({}),
            resources: resources({ cpu: '250m', memory: '1Gi', cpuLimit: '2', memoryLimit: '2Gi' }),
          })
          .prefault({}),
        /** Table maintenance on Spark: compaction, snapshot expiry, orphan-file removal. */
        maintenance: z
          .object({
            schedule: z.string().min(9).default('0 3 * * *'),
            /** Snapshots younger than this are kept (time travel reaches this far back). */
            snapshotRetentionHours: positive.default(168),
            /** At least this many snapshots are kept, however old. */
            retainLastSnapshots: positive.default(5),
            /** Files that no snapshot references are deleted once older than this (longer than any running write). */
            orphanMinAgeHours: positive.min(24).default(72),
            /** Compaction aims for data files of this size. */
            targetFileSizeMiB: positive.max(2048).default(128),
          })
          .prefault({}),
        /** Spark on Kubernetes: the batch job's engine at scale and the maintenance engine. */
        spark: z
          .object({
            /** Builds on the apache/spark image of `versions.spark` with the Iceberg jars added (lake-spark image). */
            baseImage: z.string().min(1).default('apache/spark:4.1.1-scala2.13-java21-python3-ubuntu'),
            serviceAccount: dnsLabel.default('spark'),
            executors: positive.max(100).default(2),
            driver: resources({ cpu: '500m', memory: '1Gi', cpuLimit: '1', memoryLimit: '1536Mi' }),
            executor: resources({ cpu: '500m', memory: '1Gi', cpuLimit: '1', memoryLimit: '1536Mi' }),
          })
          .prefault({}),
        /** The in-cluster SeaweedFS (when `lake.storage.backend` is seaweedfs): one master, volume, filer and S3 gateway. */
        seaweedfsCluster: z
          .object({
            image: z.string().min(1).default('chrislusf/seaweedfs:4.53'),
            masterStorage: quantity.default('1Gi'),
            volumeStorage: quantity.default('20Gi'),
            filerStorage: quantity.default('2Gi'),
            masterPort: port.default(9333),
            volumePort: port.default(8080),
            filerPort: port.default(8888),
            metricsPort: port.default(9327),
            resources: resources({ cpu: '100m', memory: '256Mi', cpuLimit: '1', memoryLimit: '1Gi' }),
          })
          .prefault({}),
      })
      .prefault({}),
    monitoring: z
      .object({
        namespace: dnsLabel.default('monitoring'),
        retention: z
          .string()
          .regex(/^\d+[hdwy]$/, 'must be a duration such as 15d')
          .default('15d'),
        storage: quantity.default('10Gi'),
        grafanaSecret: dnsLabel.default('grafana-admin'),
        prometheus: resources({ cpu: '200m', memory: '512Mi', cpuLimit: '1', memoryLimit: '1Gi' }),
        grafana: resources({ cpu: '100m', memory: '128Mi', cpuLimit: '500m', memoryLimit: '256Mi' }),
        kubeStateMetrics: resources({ cpu: '50m', memory: '64Mi', cpuLimit: '200m', memoryLimit: '128Mi' }),
        nodeExporter: resources({ cpu: '20m', memory: '32Mi', cpuLimit: '100m', memoryLimit: '64Mi' }),
        /** Alert thresholds: 5xx share of API requests, summed consumer lag, container restarts per hour. */
        alerts: z
          .object({
            apiErrorRatio: z.number().positive().max(1).default(0.05),
            consumerLag: positive.default(1000),
            restartsPerHour: positive.default(3),
          })
          .prefault({}),
      })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (c.todo.backend.minReplicas > c.todo.backend.maxReplicas) {
      issue(
        ['todo', 'backend', 'minReplicas'],
        `must be less than or equal to todo.backend.maxReplicas (${c.todo.backend.maxReplicas})`,
      );
    }
    if (c.stream.processor.replicas > c.stream.topics.events.partitions) {
      issue(
        ['stream', 'processor', 'replicas'],
        `must be at most the partitions of ${c.stream.topics.events.name} (${c.stream.topics.events.partitions}); more instances would sit idle`,
      );
    }
    if (c.openstack.state.backend === 's3' && c.openstack.state.bucket === '') {
      issue(['openstack', 'state', 'bucket'], 'must name a bucket when openstack.state.backend is "s3"');
    }
    if (c.stream.kafka.minInsyncReplicas > c.stream.kafka.brokers) {
      issue(['stream', 'kafka', 'minInsyncReplicas'], `must be at most stream.kafka.brokers (${c.stream.kafka.brokers})`);
    }
    if (c.lake.archiver.replicas > c.stream.topics.events.partitions) {
      issue(
        ['lake', 'archiver', 'replicas'],
        `must be at most the partitions of ${c.stream.topics.events.name} (${c.stream.topics.events.partitions}); more instances would sit idle`,
      );
    }
    for (const [key, t] of Object.entries(c.stream.topics)) {
      if (t.replicationFactor > c.stream.kafka.brokers) {
        issue(['stream', 'topics', key, 'replicationFactor'], `must be at most stream.kafka.brokers (${c.stream.kafka.brokers})`);
      }
    }
  });

export type StratusConfig = z.infer<typeof stratusConfigSchema>;
export type StratusConfigInput = z.input<typeof stratusConfigSchema>;
