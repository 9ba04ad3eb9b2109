import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArchiverConfigError, archiverConfig } from './config.ts';

const base = { AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's', DUCKDB_EXTENSION_DIRECTORY: '/x' };

describe('archiverConfig', () => {
  it('defaults to the in-cluster SeaweedFS and the config names', () => {
    const c = archiverConfig(base);
    expect(c.lake.s3Endpoint).toBe('http://seaweedfs.lake.svc:8333');
    expect(c.lake.catalogUrl).toBe('http://seaweedfs.lake.svc:8181');
    expect(c.lake).toMatchObject({ warehouse: 'stratus-lake', namespace: 'stratus' });
    expect(c).toMatchObject({ groupId: 'archiver', eventsTopic: 'events', resultsTopic: 'results', flushRows: 50_000 });
  });

  it('takes the endpoints and flush settings from the environment', () => {
    const c = archiverConfig({
      ...base,
      S3_ENDPOINT: 'http://127.0.0.1:9000/',
      ICEBERG_CATALOG_URL: 'http://127.0.0.1:8181',
      FLUSH_ROWS: '10',
      FLUSH_INTERVAL_MS: '250',
    });
    expect(c.lake.s3Endpoint).toBe('http://127.0.0.1:9000');
    expect(c).toMatchObject({ flushRows: 10, flushIntervalMs: 250 });
  });

  it('names the variable that is missing or wrong', () => {
    expect(() => archiverConfig({ ...base, AWS_SECRET_ACCESS_KEY: '' })).toThrow(/'AWS_SECRET_ACCESS_KEY' must be set/);
    expect(() => archiverConfig({ ...base, FLUSH_ROWS: '0' })).toThrow(ArchiverConfigError);
    expect(() => archiverConfig({ ...base, S3_ENDPOINT: 'seaweedfs:8333' })).toThrow(/'S3_ENDPOINT' must be an http\(s\) URL/);
  });
  it('reads the S3 credentials from the files AWS_*_FILE name (the mounted Secret) before the variables', () => {
    const dir = mkdtempSync(join(tmpdir(), 'creds-'));
    writeFileSync(join(dir, 'AWS_ACCESS_KEY_ID'), 'file-key\n');
    writeFileSync(join(dir, 'AWS_SECRET_ACCESS_KEY'), 'file-secret');
    const files = {
      DUCKDB_EXTENSION_DIRECTORY: '/x',
      AWS_ACCESS_KEY_ID_FILE: join(dir, 'AWS_ACCESS_KEY_ID'),
      AWS_SECRET_ACCESS_KEY_FILE: join(dir, 'AWS_SECRET_ACCESS_KEY'),
    };
    expect(archiverConfig({ ...files, AWS_ACCESS_KEY_ID: 'env-key' }).lake).toMatchObject({
      accessKeyId: 'file-key',
      secretAccessKey: 'file-secret',
    });
    expect(() => archiverConfig({ ...files, AWS_SECRET_ACCESS_KEY_FILE: join(dir, 'missing') })).toThrow(
      /'AWS_SECRET_ACCESS_KEY_FILE' = '.*missing': cannot read it \(ENOENT\)/,
    );
  });
});
