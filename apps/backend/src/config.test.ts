import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaults } from '@stratus/config';
import { describe, expect, it } from 'vitest';
import { BackendConfigError, loadBackendConfig } from './config.ts';

describe('loadBackendConfig', () => {
  it('defaults to the config package port and the embedded database', () => {
    expect(loadBackendConfig({})).toEqual({
      port: defaults.todo.backend.port,
      host: '0.0.0.0',
      publicUrl: undefined,
      logLevel: 'info',
      database: { kind: 'embedded', dataDir: '.data/pglite', poolMax: 1 },
      shutdownTimeoutMs: 10_000,
    });
  });

  it('uses a server with DATABASE_URL or PGHOST', () => {
    expect(loadBackendConfig({ DATABASE_URL: 'postgres://u:p@db:5432/todo', PG_POOL_MAX: '4' }).database).toEqual({
      kind: 'server',
      connectionString: 'postgres://u:p@db:5432/todo',
      poolMax: 4,
    });
    expect(loadBackendConfig({ PGHOST: 'db' }).database).toEqual({ kind: 'server', connectionString: undefined, poolMax: 10 });
  });

  it('reads the database password from the file PGPASSWORD_FILE names, without its final newline', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'backend-config-')), 'password');
    writeFileSync(file, 's3cret\n');
    expect(loadBackendConfig({ PGHOST: 'db', PGPASSWORD_FILE: file }).database).toEqual({
      kind: 'server',
      connectionString: undefined,
      poolMax: 10,
      password: 's3cret',
    });
    expect(() => loadBackendConfig({ PGHOST: 'db', PGPASSWORD_FILE: `${file}.missing` })).toThrow(
      /'PGPASSWORD_FILE' = '.*password\.missing': cannot read it \(ENOENT\)/,
    );
  });

  it('reads the port from STRATUS_* overrides and PORT, PORT winning', () => {
    expect(loadBackendConfig({ STRATUS_TODO__BACKEND__PORT: '4000' }).port).toBe(4000);
    expect(loadBackendConfig({ STRATUS_TODO__BACKEND__PORT: '4000', PORT: '5000' }).port).toBe(5000);
  });

  it('normalises PUBLIC_URL to an origin and path without a trailing slash', () => {
    expect(loadBackendConfig({ PUBLIC_URL: 'https://todo.example.org/' }).publicUrl).toBe('https://todo.example.org');
    expect(loadBackendConfig({ PUBLIC_URL: 'http://example.org:8080/app//' }).publicUrl).toBe('http://example.org:8080/app');
  });

  it('names every invalid variable, its value and what is allowed', () => {
    let error: unknown;
    try {
      loadBackendConfig({
        PORT: '70000',
        LOG_LEVEL: 'loud',
        PUBLIC_URL: 'ftp://x',
        DATABASE_URL: 'mysql://x',
        SHUTDOWN_TIMEOUT_MS: '-1',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BackendConfigError);
    expect((error as BackendConfigError).problems).toEqual([
      'LOG_LEVEL = "loud": must be one of fatal, error, warn, info, debug, trace, silent',
      'DATABASE_URL: must be a postgres:// or postgresql:// URL',
      'PORT = "70000": must be an integer from 0 to 65535',
      'PUBLIC_URL = "ftp://x": must be an absolute http(s) URL without query or fragment',
      'SHUTDOWN_TIMEOUT_MS = "-1": must be an integer from 0 to 600000',
    ]);
  });
});
