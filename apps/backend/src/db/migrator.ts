import type { Pool, PoolClient } from 'pg';
import type { Migration } from './migrations.ts';

/** The advisory lock key that serialises migrations across replicas ("stratus-todo" as a number). */
export const MIGRATION_LOCK_KEY = 7_309_475_732_117_837_423n;

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

/** Checks that versions are positive integers in strictly increasing order. */
export function checkMigrations(migrations: readonly Migration[]): void {
  let previous = 0;
  for (const m of migrations) {
    if (!Number.isInteger(m.version) || m.version <= previous) {
      throw new MigrationError(`migration '${m.name}' has version ${m.version}; versions must be integers increasing from 1`);
    }
    previous = m.version;
  }
}

/** The migrations that are not applied yet, in order. */
export function pendingMigrations(migrations: readonly Migration[], applied: ReadonlySet<number>): readonly Migration[] {
  return migrations.filter((m) => !applied.has(m.version));
}

async function applyPending(client: PoolClient, migrations: readonly Migration[]): Promise<number[]> {
  await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
  const done: number[] = [];
  for (const m of pendingMigrations(migrations, new Set(rows.map((r) => r.version)))) {
    await client.query('BEGIN');
    try {
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw new MigrationError(`migration ${m.version} '${m.name}' failed: ${(e as Error).message}`, { cause: e });
    }
    done.push(m.version);
  }
  return done;
}

/**
 * Applies the pending migrations under a session advisory lock, so that replicas starting together migrate once.
 * Returns the versions this call applied.
 */
export async function migrate(pool: Pool, migrations: readonly Migration[]): Promise<number[]> {
  checkMigrations(migrations);
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    try {
      return await applyPending(client, migrations);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]);
    }
  } catch (e) {
    broken = e as Error;
    throw e;
  } finally {
    client.release(broken);
  }
}
