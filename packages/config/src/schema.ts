import { z } from 'zod';

const semver = z.string().regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/, 'must be a semantic version such as 1.2.3');
const dnsLabel = z.string().regex(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label: lowercase letters, digits and "-"');
const topicName = z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'must be a Kafka topic name: letters, digits, ".", "_" and "-"');
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
const quantity = z.string().regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti)?$/, 'must be a Kubernetes quantity such as 250m or 512Mi');

const resources = z.object({
  cpu: quantity,
  memory: quantity,
  cpuLimit: quantity,
  memoryLimit: quantity,
});

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
      })
      .prefault({}),
    openstack: z
      .object({
        /** A cloud name from clouds.yaml; empty means the OS_* environment variables. */
        cloud: z.string().default(''),
        network: z.string().min(1).default('DHBW'),
        image: z.string().min(1).default('Ubuntu 24.04'),
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
            resources: resources.default({ cpu: '100m', memory: '128Mi', cpuLimit: '500m', memoryLimit: '256Mi' }),
          })
          .prefault({}),
        frontend: z
          .object({
            service: dnsLabel.default('frontend'),
            port: port.default(8080),
            replicas: positive.default(2),
            resources: resources.default({ cpu: '50m', memory: '32Mi', cpuLimit: '200m', memoryLimit: '64Mi' }),
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
            resources: resources.default({ cpu: '250m', memory: '256Mi', cpuLimit: '1', memoryLimit: '1Gi' }),
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
            resources: resources.default({ cpu: '500m', memory: '1Gi', cpuLimit: '2', memoryLimit: '2Gi' }),
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
              .array(z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be a sensor name'))
              .min(1)
              .default(['A', 'B', 'C']),
            ratePerSecond: z.number().positive().max(100_000).default(10),
            metricsPort: port.default(9464),
            resources: resources.default({ cpu: '50m', memory: '64Mi', cpuLimit: '250m', memoryLimit: '128Mi' }),
          })
          .prefault({}),
        processor: z
          .object({
            replicas: positive.default(3),
            metricsPort: port.default(9465),
            resources: resources.default({ cpu: '100m', memory: '256Mi', cpuLimit: '1', memoryLimit: '512Mi' }),
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
        prometheus: resources.default({ cpu: '200m', memory: '512Mi', cpuLimit: '1', memoryLimit: '1Gi' }),
        grafana: resources.default({ cpu: '100m', memory: '128Mi', cpuLimit: '500m', memoryLimit: '256Mi' }),
        kubeStateMetrics: resources.default({ cpu: '50m', memory: '64Mi', cpuLimit: '200m', memoryLimit: '128Mi' }),
        nodeExporter: resources.default({ cpu: '20m', memory: '32Mi', cpuLimit: '100m', memoryLimit: '64Mi' }),
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
    for (const [key, t] of Object.entries(c.stream.topics)) {
      if (t.replicationFactor > c.stream.kafka.brokers) {
        issue(['stream', 'topics', key, 'replicationFactor'], `must be at most stream.kafka.brokers (${c.stream.kafka.brokers})`);
      }
    }
  });

export type StratusConfig = z.infer<typeof stratusConfigSchema>;
export type StratusConfigInput = z.input<typeof stratusConfigSchema>;
