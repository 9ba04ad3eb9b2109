import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { batchConfig } from './config.ts';

const base = { AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' };

describe('batchConfig', () => {
  it('defaults to the in-cluster SeaweedFS and the config table names', () => {
    const c = batchConfig(base);
    expect(c.lake.catalogUrl).toBe('http://seaweedfs.lake.svc.cluster.local:8181');
    expect(c.lake.s3Endpoint).toBe('http://seaweedfs.lake.svc.cluster.local:8333');
    expect(c.names).toMatchObject({ namespace: 'stratus', events: 'events', minute: 'sensor_minute' });
    expect(c.windowSize).toBe(20);
    expect(c.maintenanceArgs.join(' ')).toContain('--tables events,windows,archiver_positions,sensor_minute');
  });

  it('names what is missing or wrong', () => {
    expect(() => batchConfig({ AWS_ACCESS_KEY_ID: 'k' })).toThrow(/'AWS_SECRET_ACCESS_KEY' must be set/);
    expect(() => batchConfig({ ...base, S3_ENDPOINT: 'localhost:9000' })).toThrow(
      "'S3_ENDPOINT' must be an http(s) URL, got 'localhost:9000'",
    );
    expect(() => batchConfig({ ...base, WINDOW_SIZE: '0' })).toThrow(
      "'WINDOW_SIZE' must be an integer from 1 to 100000, got '0'",
    );
  });
  it('reads the S3 credentials from the files AWS_*_FILE name (the mounted Secret) before the variables', () => {
    const dir = mkdtempSync(join(tmpdir(), 'creds-'));
    writeFileSync(join(dir, 'AWS_ACCESS_KEY_ID'), 'file-key\n');
    writeFileSync(join(dir, 'AWS_SECRET_ACCESS_KEY'), 'file-secret');
    const files = {
      AWS_ACCESS_KEY_ID_FILE: join(dir, 'AWS_ACCESS_KEY_ID'),
      AWS_SECRET_ACCESS_KEY_FILE: join(dir, 'AWS_SECRET_ACCESS_KEY'),
    };
    expect(batchConfig({ ...files, AWS_ACCESS_KEY_ID: 'env-key' }).lake).toMatchObject({
      accessKeyId: 'file-key',
      secretAccessKey: 'file-secret',
    });
    expect(() => batchConfig({ ...files, AWS_SECRET_ACCESS_KEY_FILE: join(dir, 'missing') })).toThrow(
      /'AWS_SECRET_ACCESS_KEY_FILE' = '.*missing': cannot read it \(ENOENT\)/,
    );
  });
});
