import { pino } from 'pino';
import { Archiver } from './archiver.ts';
import { archiverConfig } from './config.ts';
import { Lake } from './lake.ts';
import { ArchiverMetrics } from './metrics.ts';

const logger = pino({ name: 'archiver', level: process.env.LOG_LEVEL ?? 'info' });

async function run(): Promise<void> {
  const config = archiverConfig();
  const metrics = new ArchiverMetrics();
  const lake = await Lake.open(config.lake, config.tables);
  const archiver = new Archiver({ config, lake, metrics, logger });
  const port = await metrics.listen(config.metricsPort, () => archiver.healthy);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      logger.info({ signal }, 'stopping: committing what was read');
      await archiver.stop();
      await metrics.close();
      lake.close();
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
  void archiver.failed.then(() => process.exit(1));
  await archiver.start();
  logger.info(
    {
      brokers: config.brokers,
      group: config.groupId,
      catalog: config.lake.catalogUrl,
      warehouse: config.lake.warehouse,
      flushRows: config.flushRows,
      flushIntervalMs: config.flushIntervalMs,
      metricsPort: port,
    },
    'archiver running',
  );
}

run().catch((e: unknown) => {
  logger.fatal({ err: e }, 'archiver failed');
  process.exit(1);
});
