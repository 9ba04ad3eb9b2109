import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { producerConfig } from './config.ts';
import { EventGenerator } from './events.ts';
import { ProducerMetrics } from './metrics.ts';
import { EventProducer } from './producer.ts';

const logger = pino({ name: 'producer', level: process.env.LOG_LEVEL ?? 'info' });

async function main(): Promise<void> {
  const config = producerConfig();
  const metrics = new ProducerMetrics();
  const kafka = new Kafka({
    clientId: config.clientId,
    brokers: [...config.brokers],
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => logger.warn({ kafkajs: entry.namespace, ...entry.log }, entry.log.message),
  });
  const producer = new EventProducer({
    kafka,
    topic: config.topic,
    generator: new EventGenerator({ sensors: config.sensors, seed: config.seed }),
    rate: config.rate,
    metrics,
  });
  const port = await metrics.listen(config.metricsPort, () => producer.healthy);
  process.on('SIGTERM', () => producer.stop());
  process.on('SIGINT', () => producer.stop());
  await producer.connect();
  logger.info(
    {
      brokers: config.brokers,
      topic: config.topic,
      rate: config.rate,
      count: config.count,
      seed: config.seed,
      metricsPort: port,
    },
    'producing',
  );
  const sent = await producer.run(config.count);
  await producer.disconnect();
  await metrics.close();
  logger.info({ sent }, 'flushed and stopped');
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    logger.fatal({ err: e }, 'producer failed');
    process.exit(1);
  },
);
