import { describe, expect, it } from 'vitest';
import { rig, rigCommand } from '../support/rig.ts';

describe('the PostgreSQL rig', () => {
  it('prints the connection environment and answers start idempotently', async () => {
    const env = await rig('postgres');
    expect(env.DATABASE_URL).toMatch(/^postgres:\/\/stratus:[0-9a-f]+@127\.0\.0\.1:\d+\/stratus$/);
    expect(env).toMatchObject({ PGHOST: '127.0.0.1', PGUSER: 'stratus', PGDATABASE: 'stratus' });
    expect(env.DATABASE_URL).toContain(`:${env.PGPORT}/`);
    expect(await rig('postgres')).toEqual(env);
    expect(rigCommand('postgres', 'status')).toMatch(/^running\n/);
  });

  it('serves a real PostgreSQL on loopback: an SQL round trip', async () => {
    const env = await rig('postgres');
    const note = "it's real: ü 😀 \\ %";
    const out = rigCommand(
      'postgres',
      'psql',
      '-X',
      '-qAt',
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      'SHOW server_version_num',
      '-c',
      'CREATE TEMPORARY TABLE round_trip (id serial PRIMARY KEY, note text NOT NULL)',
      '-c',
      "INSERT INTO round_trip (note) VALUES ('it''s real: ü 😀 \\ %') RETURNING id",
      '-c',
      'SELECT note FROM round_trip WHERE id = 1',
    );
    const [version, id, readBack] = out.trimEnd().split('\n');
    expect(Number(version)).toBeGreaterThanOrEqual(Number(env.PG_MAJOR) * 10_000);
    expect(Number(version)).toBeLessThan((Number(env.PG_MAJOR) + 1) * 10_000);
    expect(id).toBe('1');
    expect(readBack).toBe(note);
  });
});
