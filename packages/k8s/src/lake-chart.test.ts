import { defaults, parseConfig } from '@stratus/config';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseSchedule } from './lake-cron-job.ts';
import { renderManifests } from './synth.ts';

interface Obj {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

const lakeObjects = (config = defaults) =>
  parseAllDocuments(renderManifests(config).find((m) => m.file === '50-lake.yaml')?.yaml ?? '').map((d) => d.toJSON() as Obj);

describe('lake chart', () => {
  const objects = lakeObjects();
  const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

  it('runs SeaweedFS master, volume and filer with persistent volumes and the S3 gateway with the catalog port', () => {
    for (const role of ['master', 'volume', 'filer']) {
      const set = find('StatefulSet', `seaweedfs-${role}`);
      const claims = set?.spec?.volumeClaimTemplates as { spec: { resources: { requests: { storage: string } } } }[];
      expect(claims?.[0]?.spec.resources.requests.storage, role).toMatch(/Gi$/);
    }
    const service = find('Service', 'seaweedfs') as { spec: { ports: { port: number }[] } } | undefined;
    expect(service?.spec.ports.map((p) => p.port)).toEqual([8333, 8181]);
  });

  it('schedules the batch job and the maintenance, never two runs at once', () => {
    for (const [name, schedule] of [
      ['lake-batch', '30 0 * * *'],
      ['lake-maintenance', '0 3 * * *'],
    ]) {
      expect(find('CronJob', name as string)?.spec).toMatchObject({ schedule, concurrencyPolicy: 'Forbid', timeZone: 'Etc/UTC' });
    }
  });

  it('keeps the S3 keys out of the manifests: files of the mounted Secret, and Spark signs with the environment', () => {
    const text = JSON.stringify(objects);
    expect(text).not.toMatch(/secret-key|s3\.access-key-id|s3\.secret-access-key|credential=|"secretKeyRef"/);
    expect(text).toContain(
      '{"name":"AWS_SECRET_ACCESS_KEY_FILE","value":"/etc/secrets/lake-s3-credentials/AWS_SECRET_ACCESS_KEY"}',
    );
    expect(text).toContain('"secret":{"defaultMode":288,"secretName":"lake-s3-credentials"}');
    expect(find('ConfigMap', 'spark-conf')?.data?.['submit.sh']).toContain(
      'export AWS_SECRET_ACCESS_KEY="$(cat "$AWS_SECRET_ACCESS_KEY_FILE")"',
    );
    expect(find('ConfigMap', 'spark-conf')?.data?.['submit.sh']).toContain('exec /opt/entrypoint.sh driver ');
    const props = find('ConfigMap', 'spark-conf')?.data?.['spark.properties'] ?? '';
    expect(props).toContain(
      'spark.kubernetes.executor.secretKeyRef.AWS_SECRET_ACCESS_KEY=lake-s3-credentials:AWS_SECRET_ACCESS_KEY',
    );
    expect(props).toContain('spark.sql.catalog.lake.rest.auth.type=sigv4');
    expect(JSON.parse(find('ConfigMap', 'spark-conf')?.data?.['plan.json'] ?? '{}').outputs).toHaveLength(4);
  });

  it('lets the Spark drivers create executor pods in the lake namespace only', () => {
    const role = find('Role', 'spark') as { rules: { resources: string[]; verbs: string[] }[] } | undefined;
    expect(role?.rules[0]?.resources).toContain('pods');
    expect(role?.rules[0]?.verbs).toContain('create');
    expect(objects.filter((o) => o.kind === 'ClusterRole')).toEqual([]);
  });

  it('uses the cloud object storage and no SeaweedFS with the swift backend, and says what swift needs', () => {
    const swift = lakeObjects(
      parseConfig({
        lake: {
          storage: { backend: 'swift', endpoint: 'https://swift.example:443' },
          catalog: { url: 'https://catalog.example' },
        },
      }),
    );
    expect(swift.filter((o) => o.metadata.name.startsWith('seaweedfs'))).toEqual([]);
    expect(() => renderManifests(parseConfig({ lake: { storage: { backend: 'swift' } } }))).toThrow(
      /'lake.storage.endpoint' and 'lake.catalog.url' must be set when 'lake.storage.backend' is swift/,
    );
  });

  it('refuses a schedule that is not five cron fields, naming it', () => {
    expect(() => parseSchedule('daily', 'lake.batch.schedule')).toThrow(
      "'lake.batch.schedule' must be five cron fields such as '30 0 * * *', got 'daily'",
    );
    expect(() => parseSchedule('*/15 1-3 * * 1,3', 'x')).not.toThrow();
  });
});
