import { describe, expect, it } from 'vitest';
import { attachStatements } from './lake.ts';

const connection = {
  catalogUrl: 'http://seaweedfs.lake.svc:8181',
  warehouse: 'stratus-lake',
  namespace: 'stratus',
  s3Endpoint: 'https://s3.example.org:8443',
  s3Region: 'eu-1',
  accessKeyId: "AKIA'X",
  secretAccessKey: "s'; DROP TABLE x; --",
  extensionDirectory: '/app/extensions',
};

describe('attachStatements', () => {
  it('attaches the catalog by warehouse name (attaching an s3:// path would be read-only)', () => {
    const attach = attachStatements(connection).at(-1);
    expect(attach).toBe(
      "ATTACH IF NOT EXISTS 'stratus-lake' AS lake (TYPE ICEBERG, SECRET lake_catalog, ENDPOINT 'http://seaweedfs.lake.svc:8181')",
    );
  });

  it('quotes the credentials as SQL strings and takes host and TLS from the S3 endpoint', () => {
    const s3 = attachStatements(connection).find((s) => s.includes('TYPE S3')) ?? '';
    expect(s3).toContain("KEY_ID 'AKIA''X'");
    expect(s3).toContain("SECRET 's''; DROP TABLE x; --'");
    expect(s3).toContain("ENDPOINT 's3.example.org:8443'");
    expect(s3).toContain('USE_SSL true');
  });
});
