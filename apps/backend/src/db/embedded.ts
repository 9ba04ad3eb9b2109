import { mkdir } from 'node:fs/promises';
import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { DataDirLock } from './data-dir-lock.ts';

export class EmbeddedDatabaseUnavailableError extends Error {
  override readonly name = 'EmbeddedDatabaseUnavailableError';
  constructor(cause: unknown) {
    super('the embedded PostgreSQL (PGlite) is not part of this build; set DATABASE_URL or PGHOST', { cause });
  }
}

async function loadPglite() {
  try {
    return await Promise.all([import('@electric-sql/pglite'), import('@electric-sql/pglite-socket')]);
  } catch (e) {
    throw new EmbeddedDatabaseUnavailableError(e);
  }
}

/**
 * PostgreSQL in the process (PGlite) with its files in a local directory, served on a loopback port so that the
 * backend reaches it through the same `pg` code as a real server. It serves one connection at a time. PGlite is
 * imported on demand, so builds without it (the container image) still load this module. A lock file next to the
 * directory keeps a second backend from opening it at the same time.
 */
export class EmbeddedPostgres {
  /** Throws a DataDirInUseError, naming the other process, when another backend has `dataDir` open. */
  static async start(dataDir: string): Promise<EmbeddedPostgres> {
    const [{ PGlite }, { PGLiteSocketServer }] = await loadPglite();
    await mkdir(dataDir, { recursive: true });
    const lock = await DataDirLock.acquire(dataDir);
    let db: PGlite | undefined;
    try {
      db = await PGlite.create(dataDir);
      const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 });
      await server.start();
      return new EmbeddedPostgres(db, server, lock);
    } catch (e) {
      await db?.close();
      await lock.release();
      throw e;
    }
  }

  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  readonly connectionString: string;

  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    private readonly lock: DataDirLock,
  ) {
    this.connectionString = `postgres://postgres@${server.getServerConn()}/postgres`;
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
    await this.lock.release();
  }
}
