import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { rig } from '../../../../test/support/rig.ts';

/** A database for one test file: its environment for the backend, and how to throw it away. */
export interface TestDatabase {
  readonly name: string;
  readonly env: Readonly<Record<string, string>>;
  drop(): Promise<void>;
}

/** A new, empty database on the rig's PostgreSQL server. */
export async function serverDatabase(prefix: string): Promise<TestDatabase> {
  const server = await rig('postgres');
  const adminUrl = server.DATABASE_URL;
  if (!adminUrl) throw new Error('the postgres rig printed no DATABASE_URL');
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name: `PostgreSQL ${server.PG_MAJOR ?? ''} (rig)`.replace('  ', ' '),
    env: { DATABASE_URL: url.toString() },
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** The embedded default: no DATABASE_URL, PGlite with its files in a new temporary directory. */
export async function embeddedDatabase(): Promise<TestDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'stratus-pglite-'));
  return {
    name: 'embedded PGlite',
    env: { PGLITE_DATA_DIR: dir },
    drop: () => rm(dir, { recursive: true, force: true }),
  };
}
