import { ApiObject, Chart, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { appLabels, selectorLabels } from './labels.ts';
import { Peer } from './network-flow.ts';
import { tcpProbes } from './probes.ts';
import { MIB, memoryBytes } from './quantity.ts';
import { type ResourceSettings, restrictedContainer, restrictedPodSecurity } from './restricted-container.ts';
import { addVolumeClaimTemplate } from './volume-claim-template.ts';

export interface KafkaClusterProps {
  /** The client Service and StatefulSet name; the headless Service is `<name>-headless`. */
  readonly name: string;
  /** The Kafka version: the tag of the official `apache/kafka` image. */
  readonly version: string;
  /** The image reference: the official `apache/kafka` image of that version, or a mirror of it. */
  readonly image: string;
  /** The uid (and gid) the brokers run as; Kafka needs only its volumes to be writable by it. */
  readonly runAsUser: number;
  /** The number of brokers; each is also a KRaft controller. */
  readonly brokers: number;
  /** The KRaft cluster id (22 base64url characters). */
  readonly clusterId: string;
  /** The client listener port. */
  readonly port: number;
  /** The controller listener port. */
  readonly controllerPort: number;
  /** The replication factor of new and internal topics. @default min(3, brokers) */
  readonly replicationFactor?: number;
  /** `min.insync.replicas`. */
  readonly minInsyncReplicas: number;
  /** The partitions of topics created without a count. @default 3 */
  readonly defaultPartitions?: number;
  /** The size of each broker's volume. */
  readonly storage: string;
  /** Requests and limits of each broker; the heap is half the memory request. */
  readonly resources: ResourceSettings;
  /** The cluster DNS domain. @default 'cluster.local' */
  readonly clusterDomain?: string;
  /** `app.kubernetes.io/part-of`. */
  readonly partOf: string;
}

export class KafkaClusterError extends Error {
  override readonly name = 'KafkaClusterError';
}

/**
 * `VOLUME`s of the apache/kafka image that the brokers do not use. containerd turns an image volume that nothing is
 * mounted over into a writable anonymous volume, so each gets an empty read-only mount: the root stays the only
 * filesystem, read-only, beside the writable mounts listed here.
 */
const IMAGE_VOLUMES = ['/etc/kafka/secrets', '/mnt/shared/config'];
const volumeName = (path: string) => `image${path.replace(/[^a-z0-9]+/g, '-')}`;

const START_SCRIPT = `#!/bin/bash
# Writes this broker's properties (node id from the pod ordinal), formats its volume once, then runs Kafka.
set -euo pipefail
ordinal=\${HOSTNAME##*-}
config=/var/run/kafka/server.properties
{
  cat /etc/kafka/stratus/server.properties
  echo "node.id=\${ordinal}"
  echo "advertised.listeners=PLAINTEXT://\${HOSTNAME}.\${KAFKA_HEADLESS_DOMAIN}:\${KAFKA_PORT}"
} >"$config"
/opt/kafka/bin/kafka-storage.sh format --cluster-id="$KAFKA_CLUSTER_ID" --config "$config" --ignore-formatted
exec /opt/kafka/bin/kafka-server-start.sh "$config"
`;

/**
 * A KRaft cluster on the official apache/kafka image: every broker is also a controller, the quorum is the pods of a
 * StatefulSet addressed through a headless Service, each broker has its own volume, and a PDB keeps a quorum up.
 */
export class KafkaCluster extends Construct {
  readonly labels: Record<string, string>;
  readonly peer: Peer;
  readonly statefulSet: kplus.StatefulSet;
  readonly service: kplus.Service;
  /** `host:port` of every broker, for clients that want them all. */
  readonly bootstrapServers: string;

  constructor(scope: Construct, id: string, props: KafkaClusterProps) {
    super(scope, id);
    const namespace = Chart.of(this).namespace;
    if (!namespace) throw new KafkaClusterError(`${this.node.path}: 'KafkaCluster' needs a chart with a namespace`);
    if (props.brokers < 1 || props.brokers % 2 === 0) {
      throw new KafkaClusterError(`'brokers' must be an odd number of at least 1 (a KRaft quorum), got ${props.brokers}`);
    }
    const replicationFactor = props.replicationFactor ?? Math.min(3, props.brokers);
    if (replicationFactor > props.brokers) {
      throw new KafkaClusterError(`'replicationFactor' must be at most 'brokers' (${props.brokers}), got ${replicationFactor}`);
    }
    if (props.minInsyncReplicas > replicationFactor) {
      throw new KafkaClusterError(`'minInsyncReplicas' must be at most the replication factor (${replicationFactor})`);
    }
    const labels = appLabels({ name: props.name, component: 'broker', partOf: props.partOf, version: props.version });
    this.labels = selectorLabels(props.name);
    this.peer = Peer.pods(namespace, this.labels);
    const headlessName = `${props.name}-headless`;
    const domain = `${headlessName}.${namespace}.svc.${props.clusterDomain ?? 'cluster.local'}`;
    const podHost = (i: number) => `${props.name}-${i}.${domain}`;
    const brokers = Array.from({ length: props.brokers }, (_, i) => i);
    this.bootstrapServers = brokers.map((i) => `${podHost(i)}:${props.port}`).join(',');

    const headless = new kplus.Service(this, 'Headless', {
      metadata: { name: headlessName, labels },
      clusterIP: 'None',
      selector: kplus.Pods.select(this, 'HeadlessPods', { labels: this.labels }),
      ports: [
        { name: 'client', port: props.port, targetPort: props.port },
        { name: 'controller', port: props.controllerPort, targetPort: props.controllerPort },
      ],
    });
    ApiObject.of(headless).addJsonPatch(JsonPatch.add('/spec/publishNotReadyAddresses', true));
    this.service = new kplus.Service(this, 'Client', {
      metadata: { name: props.name, labels },
      selector: kplus.Pods.select(this, 'ClientPods', { labels: this.labels }),
      ports: [{ name: 'client', port: props.port, targetPort: props.port }],
    });

    const properties = [
      'process.roles=broker,controller',
      `controller.quorum.voters=${brokers.map((i) => `${i}@${podHost(i)}:${props.controllerPort}`).join(',')}`,
      `listeners=PLAINTEXT://:${props.port},CONTROLLER://:${props.controllerPort}`,
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'log.dirs=/var/lib/kafka/data/logs',
      `num.partitions=${props.defaultPartitions ?? 3}`,
      `default.replication.factor=${replicationFactor}`,
      `min.insync.replicas=${props.minInsyncReplicas}`,
      `offsets.topic.replication.factor=${replicationFactor}`,
      `transaction.state.log.replication.factor=${replicationFactor}`,
      `transaction.state.log.min.isr=${props.minInsyncReplicas}`,
      'auto.create.topics.enable=false',
      'group.initial.rebalance.delay.ms=3000',
      '',
    ].join('\n');
    const config = new kplus.ConfigMap(this, 'Config', {
      metadata: { name: `${props.name}-config`, labels },
      data: { 'server.properties': properties, 'start.sh': START_SCRIPT },
    });

    const heapMiB = Math.floor(memoryBytes(props.resources.memory) / MIB / 2);
    // A broker recovering its logs after an unclean stop, or starting on a busy node, listens only after minutes; a
    // 3-minute budget had the kubelet kill every broker of the test cluster before it listened (restart loop).
    const probes = tcpProbes(props.port, 10);
    const emptyDir = (name: string, size: number) =>
      kplus.Volume.fromEmptyDir(this, `Volume${name}`, name, { sizeLimit: Size.mebibytes(size) });
    this.statefulSet = new kplus.StatefulSet(this, 'StatefulSet', {
      metadata: { name: props.name, labels },
      select: false,
      podMetadata: { labels },
      service: headless,
      replicas: props.brokers,
      podManagementPolicy: kplus.PodManagementPolicy.PARALLEL,
      securityContext: restrictedPodSecurity(props.runAsUser),
      terminationGracePeriod: Duration.seconds(120),
      containers: [
        restrictedContainer({
          name: 'kafka',
          image: props.image,
          user: props.runAsUser,
          resources: props.resources,
          command: ['bash', '/etc/kafka/stratus/start.sh'],
          ports: [
            { name: 'client', number: props.port },
            { name: 'controller', number: props.controllerPort },
          ],
          envVariables: {
            KAFKA_CLUSTER_ID: kplus.EnvValue.fromValue(props.clusterId),
            KAFKA_HEADLESS_DOMAIN: kplus.EnvValue.fromValue(domain),
            KAFKA_PORT: kplus.EnvValue.fromValue(String(props.port)),
            KAFKA_HEAP_OPTS: kplus.EnvValue.fromValue(`-Xms${heapMiB}m -Xmx${heapMiB}m`),
            LOG_DIR: kplus.EnvValue.fromValue('/var/log/kafka'),
          },
          readiness: probes.readiness,
          liveness: probes.liveness,
          startup: probes.startup,
          volumeMounts: [
            { path: '/etc/kafka/stratus', volume: kplus.Volume.fromConfigMap(this, 'VolumeConfig', config, { name: 'config' }) },
            { path: '/var/run/kafka', volume: emptyDir('run', 16) },
            { path: '/var/log/kafka', volume: emptyDir('logs', 512) },
            { path: '/tmp', volume: emptyDir('tmp', 256) },
            ...IMAGE_VOLUMES.map((path) => ({ path, volume: emptyDir(volumeName(path), 1), readOnly: true })),
          ],
        }),
      ],
    });
    this.statefulSet.select(kplus.LabelSelector.of({ labels: this.labels }));
    this.statefulSet.scheduling.separate(kplus.Pods.select(this, 'Peers', { labels: this.labels }), {
      weight: 100,
      topology: kplus.Topology.HOSTNAME,
    });
    addVolumeClaimTemplate(this.statefulSet, {
      name: 'data',
      storage: props.storage,
      mountPath: '/var/lib/kafka/data',
      labels: this.labels,
    });
    new kplus.k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
      metadata: { name: props.name, labels },
      spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: this.labels } },
    });
  }
}
