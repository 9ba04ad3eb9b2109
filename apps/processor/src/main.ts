import { loadConfig } from '@stratus/config';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { processorConfig } from './config.ts';
import { ProcessorMetrics } from './metrics.ts';
import { Processor } from './processor.ts';
import { ensureTopics } from './topics.ts';

const logger = pino({ name: 'processor', level: process.env.LOG_LEVEL ?? 'info' });

/** `topics`: creates the stream topics from config and exits 0. */
async function topicsCommand(): Promise<void> {
  const config = processorConfig();
  const admin = new Kafka({ clientId: 'processor-topics', brokers: [...config.brokers], logLevel: logLevel.ERROR }).admin();
  await admin.connect();
  try {
    for (const outcome of await ensureTopics(admin, loadConfig())) {
      process.stdout.write(`${outcome.action} ${outcome.topic} (${outcome.partitions} partitions)\n`);
    }
  } finally {
    await admin.disconnect();
  }
}

async function run(): Promise<void> {
  const config = processorConfig();
  const metrics = new ProcessorMetrics();
  const processor = new Processor({ config, metrics, logger });
  const port = await metrics.listen(config.metricsPort, () => processor.healthy);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      logger.info({ signal }, 'stopping: finishing the transaction in flight');
      await processor.stop();
      await metrics.close();
      logger.info('stopped');
    })().then(
      () => process.exit(0),
      (e: unknown) => {
        logger.error({ err: e }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  void processor.failed.then(async (e) => {
    if (stopping) return;
    stopping = true;
    logger.fatal({ err: e }, 'the consumer gave up: closing what can be closed and exiting for the supervisor to restart');
    const closed = await Promise.race([
      processor.stop().then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000).unref()),
    ]);
    await metrics.close();
    logger.fatal({ closed }, 'exiting 1');
    process.exit(1);
  });
  await processor.start();
  logger.info(
    { brokers: config.brokers, group: config.groupId, metricsPort: port, windowSize: config.windowSize },
    'processor running',
  );
}

const command = process.argv[2] ?? 'run';
const main = command === 'topics' ? topicsCommand : command === 'run' ? run : undefined;
if (!main) {
  process.stderr.write(`unknown command '${command}': use 'run' (default) or 'topics'\n`);
  process.exit(2);
} else {
  main().catch((e: unknown) => {
    logger.fatal({ err: e }, `${command} failed`);
    process.exit(1);
  });
}
