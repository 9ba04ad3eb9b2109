import { imageRef, type StratusConfig, upstreamRef } from '@stratus/config';
import { Chart, type ChartProps, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { KafkaCluster } from './kafka-cluster.ts';
import { appLabels, selectorLabels } from './labels.ts';
import { NamespaceIsolation } from './namespace-isolation.ts';
import { NetworkFlow, Peer } from './network-flow.ts';
import { restrictedContainer, restrictedPodSecurity } from './restricted-container.ts';

export interface KafkaChartProps extends ChartProps {
  /** The validated platform config. */
  readonly config: StratusConfig;
}

/** Kafka in the stream namespace: the KRaft cluster, the Job that creates the topics, and the namespace's isolation. */
export class KafkaChart extends Chart {
  readonly cluster: KafkaCluster;

  constructor(scope: Construct, id: string, props: KafkaChartProps) {
    const { config } = props;
    const stream = config.stream;
    super(scope, id, { ...props, namespace: stream.namespace, disableResourceNameHashes: true });
    const replicationFactor = Math.max(...Object.values(stream.topics).map((t) => t.replicationFactor));
    this.cluster = new KafkaCluster(this, 'Kafka', {
      name: stream.kafka.service,
      version: config.versions.kafka,
      image: upstreamRef(config, 'kafka'),
      runAsUser: config.images.uids.kafka,
      brokers: stream.kafka.brokers,
      clusterId: stream.kafka.clusterId,
      port: stream.kafka.port,
      controllerPort: stream.kafka.controllerPort,
      replicationFactor,
      minInsyncReplicas: stream.kafka.minInsyncReplicas,
      defaultPartitions: stream.topics.events.partitions,
      storage: stream.kafka.storage,
      resources: stream.kafka.resources,
      clusterDomain: config.cluster.domain,
      partOf: 'stream',
    });

    const topicsName = `${stream.kafka.service}-topics`;
    const topicsLabels = appLabels({ name: topicsName, component: 'topic-admin', partOf: 'stream', version: config.version });
    new kplus.Job(this, 'Topics', {
      metadata: { name: topicsName, labels: topicsLabels },
      podMetadata: { labels: topicsLabels },
      backoffLimit: 20,
      activeDeadline: Duration.minutes(15),
      ttlAfterFinished: Duration.minutes(10),
      securityContext: restrictedPodSecurity(config.images.uids.node),
      containers: [
        restrictedContainer({
          name: 'topics',
          image: imageRef(config, 'processor'),
          user: config.images.uids.node,
          resources: stream.processor.resources,
          command: ['node', '/app/main.mjs', 'topics'],
          envVariables: {
            KAFKA_BROKERS: kplus.EnvValue.fromValue(`${stream.kafka.service}:${stream.kafka.port}`),
            STRATUS_STREAM__TOPICS: kplus.EnvValue.fromValue(JSON.stringify(stream.topics)),
          },
          volumeMounts: [{ path: '/tmp', volume: kplus.Volume.fromEmptyDir(this, 'TopicsTmp', 'tmp') }],
        }),
      ],
    });

    new NamespaceIsolation(this, 'Isolation');
    new NetworkFlow(this, 'allow-kafka-to-kafka', {
      from: this.cluster.peer,
      to: this.cluster.peer,
      ports: [{ port: stream.kafka.port }, { port: stream.kafka.controllerPort }],
    });
    new NetworkFlow(this, 'allow-topics-to-kafka', {
      from: Peer.pods(stream.namespace, selectorLabels(topicsName)),
      to: this.cluster.peer,
      ports: [{ port: stream.kafka.port }],
    });
    new NetworkFlow(this, 'allow-archiver-to-kafka', {
      from: Peer.pods(config.lake.namespace, selectorLabels('archiver')),
      to: this.cluster.peer,
      ports: [{ port: stream.kafka.port }],
    });
  }
}
