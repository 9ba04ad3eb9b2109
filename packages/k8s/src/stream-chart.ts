import { imageRef, type StratusConfig } from '@stratus/config';
import { Chart, type ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { AppDeployment } from './app-deployment.ts';
import { selectorLabels } from './labels.ts';
import { NetworkFlow, Peer } from './network-flow.ts';
import { httpProbes } from './probes.ts';
import { prometheusPeer } from './prometheus.ts';

export interface StreamChartProps extends ChartProps {
  /** The validated platform config. */
  readonly config: StratusConfig;
}

export class StreamChartError extends Error {
  override readonly name = 'StreamChartError';
}

/** The stream pipeline: the producer and the processor consumer group, next to Kafka in the stream namespace. */
export class StreamChart extends Chart {
  readonly producer: AppDeployment;
  readonly processor: AppDeployment;

  constructor(scope: Construct, id: string, props: StreamChartProps) {
    const { config } = props;
    const stream = config.stream;
    super(scope, id, { ...props, namespace: stream.namespace, disableResourceNameHashes: true });
    if (stream.processor.replicas > stream.topics.events.partitions) {
      throw new StreamChartError(
        `'stream.processor.replicas' (${stream.processor.replicas}) must be at most the partitions of ${stream.topics.events.name} (${stream.topics.events.partitions})`,
      );
    }
    const brokers = kplus.EnvValue.fromValue(`${stream.kafka.service}:${stream.kafka.port}`);
    const topics = kplus.EnvValue.fromValue(JSON.stringify(stream.topics));
    this.producer = new AppDeployment(this, 'Producer', {
      name: 'producer',
      component: 'producer',
      partOf: 'stream',
      version: config.version,
      image: imageRef(config, 'producer'),
      user: config.images.uids.node,
      replicas: 1,
      resources: stream.producer.resources,
      ports: [{ name: 'metrics', port: stream.producer.metricsPort }],
      metricsPort: stream.producer.metricsPort,
      probes: httpProbes(stream.producer.metricsPort, '/healthz', '/healthz'),
      service: false,
      env: {
        KAFKA_BROKERS: brokers,
        SENSORS: kplus.EnvValue.fromValue(stream.producer.sensors.join(',')),
        RATE: kplus.EnvValue.fromValue(String(stream.producer.ratePerSecond)),
        METRICS_PORT: kplus.EnvValue.fromValue(String(stream.producer.metricsPort)),
        STRATUS_STREAM__TOPICS: topics,
      },
    });
    this.processor = new AppDeployment(this, 'Processor', {
      name: 'processor',
      component: 'processor',
      partOf: 'stream',
      version: config.version,
      image: imageRef(config, 'processor'),
      user: config.images.uids.node,
      replicas: stream.processor.replicas,
      resources: stream.processor.resources,
      ports: [{ name: 'metrics', port: stream.processor.metricsPort }],
      metricsPort: stream.processor.metricsPort,
      probes: httpProbes(stream.processor.metricsPort, '/healthz', '/healthz'),
      service: false,
      env: {
        KAFKA_BROKERS: brokers,
        WINDOW_SIZE: kplus.EnvValue.fromValue(String(stream.windowSize)),
        SENSORS: kplus.EnvValue.fromValue(stream.producer.sensors.join(',')),
        METRICS_PORT: kplus.EnvValue.fromValue(String(stream.processor.metricsPort)),
        STRATUS_STREAM__TOPICS: topics,
        STRATUS_STREAM__CONSUMER_GROUP: kplus.EnvValue.fromValue(stream.consumerGroup),
      },
    });

    const kafka = Peer.pods(stream.namespace, selectorLabels(stream.kafka.service));
    for (const app of [this.producer, this.processor]) {
      const name = app.labels['app.kubernetes.io/name'];
      new NetworkFlow(this, `allow-${name}-to-kafka`, { from: app.peer, to: kafka, ports: [{ port: stream.kafka.port }] });
    }
    new NetworkFlow(this, 'allow-prometheus-to-producer', {
      from: prometheusPeer(config),
      to: this.producer.peer,
      ports: [{ port: stream.producer.metricsPort }],
    });
    new NetworkFlow(this, 'allow-prometheus-to-processor', {
      from: prometheusPeer(config),
      to: this.processor.peer,
      ports: [{ port: stream.processor.metricsPort }],
    });
  }
}
