import pino from 'pino';
import { BackendConfigError, loadBackendConfig } from './config.ts';
import { DataDirInUseError } from './db/data-dir-lock.ts';
import { BackendServer } from './server.ts';

function loadConfigOrExit() {
  try {
    return loadBackendConfig();
  } catch (e) {
    if (!(e instanceof BackendConfigError) && !(e instanceof Error && e.name === 'ConfigError')) throw e;
    process.stderr.write(`${e.message}\n`);
    process.exit(2);
  }
}

const config = loadConfigOrExit();
const destination = pino.destination({ dest: 1, sync: false, minLength: 4096 });
setInterval(() => destination.flush(), 1_000).unref();
const logger = pino({ level: config.logLevel, base: { service: 'backend' } }, destination);
const server = new BackendServer(config, logger);

async function shutdown(signal: string): Promise<void> {
  logger.info({ signal }, 'shutting down');
  setTimeout(() => {
    logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown took too long; exiting');
    destination.flushSync();
    process.exit(1);
  }, config.shutdownTimeoutMs + 500).unref();
  await server.stop();
  destination.flushSync();
  process.exit(0);
}

process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
process.on('uncaughtException', (err) => {
  logger.fatal({ err }, 'uncaught exception');
  destination.flushSync();
  process.exit(1);
});
process.on('unhandledRejection', (err) => {
  logger.fatal({ err }, 'unhandled rejection');
  destination.flushSync();
  process.exit(1);
});

try {
  await server.start();
} catch (e) {
  if (e instanceof DataDirInUseError) {
    destination.flushSync();
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
  logger.fatal({ err: e }, 'start-up failed');
  destination.flushSync();
  process.exit(1);
}
