import pino from 'pino';
import { loadBackendConfig } from '../../src/config.ts';
import { BackendServer } from '../../src/server.ts';

/** A backend running in this process on a free loopback port. */
export interface RunningBackend {
  readonly server: BackendServer;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts the backend with this environment (on top of PORT=0, HOST=127.0.0.1, LOG_LEVEL=silent) and waits until ready. */
export async function startBackend(env: Readonly<Record<string, string>>): Promise<RunningBackend> {
  const config = loadBackendConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env });
  const server = new BackendServer(config, pino({ level: config.logLevel }));
  await server.start();
  return { server, url: `http://127.0.0.1:${server.port}`, stop: () => server.stop() };
}
