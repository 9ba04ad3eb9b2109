import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rig, rigCommand } from '../support/rig.ts';

export const frontend = fileURLToPath(new URL('../../apps/frontend', import.meta.url));

/** Builds the frontend for production, as its image does, into a new temporary folder. */
export function buildFrontend(prefix: string): string {
  const build = mkdtempSync(join(tmpdir(), prefix));
  execFileSync(
    process.execPath,
    [
      join(frontend, 'node_modules/vite/bin/vite.js'),
      'build',
      '--configLoader',
      'runner',
      '--outDir',
      build,
      '--emptyOutDir',
      '--logLevel',
      'warn',
    ],
    { cwd: frontend, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return build;
}

/** Runs SQL on the rig's PostgreSQL as its admin user. */
export const sql = (statement: string) =>
  rigCommand(
    'postgres',
    'psql',
    '-qAt',
    '-v',
    'ON_ERROR_STOP=1',
    '-d',
    'postgres',
    '-c',
    'SET client_min_messages = warning',
    '-c',
    statement,
  );

/** A new, empty database on the rig's PostgreSQL; returns its URL. */
export async function freshDatabase(name: string): Promise<string> {
  const { DATABASE_URL } = await rig('postgres');
  if (!DATABASE_URL) throw new Error('scripts/rig/postgres.sh start did not print DATABASE_URL');
  dropDatabase(name);
  sql(`CREATE DATABASE ${name}`);
  const url = new URL(DATABASE_URL);
  url.pathname = `/${name}`;
  return url.href;
}

export function dropDatabase(name: string): void {
  sql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
