import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SensorEvent } from '../../apps/producer/src/events.ts';
import { PROMETHEUS_NAME, PROMETHEUS_PORT } from '../../packages/k8s/src/prometheus.ts';
import { type OracleEvent, oracleAggregates, oracleWindows } from '../lake/batch-oracle.ts';
import type { TableRead } from '../lake/harness.ts';
import { byWindow, duplicateSources, eventRows, expectedEventRows, windowRow, windowRows } from '../lake/oracle.ts';
import type { ExpectedWindow } from '../stream/oracle.ts';
import { rig } from '../support/rig.ts';
import { type DeployedCluster, podsOf, sleep, waitForWorkloads } from './deploy.ts';
import { KafkaTools } from './kafka-tools.ts';
import type { PortForward } from './kubectl.ts';
import { isReady, type List, type Pod } from './objects.ts';
import { drained, scaleProducer } from './stream-suite.ts';

const READ_TABLES = fileURLToPath(new URL('../lake/read_tables.py', import.meta.url));
const ARCHIVER = 'archiver';
const GATEWAY = 'seaweedfs';
const FILER = 'seaweedfs-filer';
const SEAWEEDFS = ['seaweedfs-master', 'seaweedfs-volume', FILER, GATEWAY];
const DAY_MS = 86_400_000;

/** A message of `events` the archiver must keep: what the producer writes (the processor dead-letters the rest). */
function validEvent(value: string): SensorEvent | undefined {
  try {
    const e = JSON.parse(value) as Partial<SensorEvent>;
    const ok =
      Number.isSafeInteger(e.id) &&
      typeof e.sensor === 'string' &&
      typeof e.value === 'number' &&
      Number.isFinite(e.value) &&
      Number.isSafeInteger(e.ts);
    return ok ? (e as SensorEvent) : undefined;
  } catch {
    return undefined;
  }
}

const isoDay = (ms: number) => new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10);

async function readyPod(c: DeployedCluster, name: string): Promise<Pod & { status: { podIP: string } }> {
  const pod = (await podsOf(c.kubectl, c.config.lake.namespace, name)).find(isReady);
  if (!pod?.status.podIP) throw new Error(`no Ready ${name} pod with an IP in ${c.config.lake.namespace}`);
  return pod as Pod & { status: { podIP: string } };
}

/** A TCP connect from inside a pod's Node: `open`, or how it failed. */
const nodeConnect = (ip: string, port: number) =>
  `const s=require('net').connect(${port},'${ip}');s.setTimeout(5000);` +
  `s.on('connect',()=>{console.log('open');process.exit(0)});` +
  `s.on('timeout',()=>{console.log('timeout');process.exit(0)});` +
  `s.on('error',(e)=>{console.log(e.code);process.exit(0)})`;

/**
 * The data lake in the cluster: the archiver's Iceberg tables on the in-cluster SeaweedFS against what is in the Kafka
 * topics, read back through port-forwards with PyIceberg (the archiver writes with DuckDB); the DuckDB batch job run
 * on demand from its CronJob; the lake's NetworkPolicies; Prometheus scraping the archiver and SeaweedFS.
 */
export function lakeSuite(cluster: () => DeployedCluster): void {
  describe('the data lake', () => {
    let s3: PortForward | undefined;
    let catalog: PortForward | undefined;
    let lakeEnv: Record<string, string> = {};
    let events: SensorEvent[] = [];

    beforeAll(async () => {
      const c = cluster();
      const { lake } = c.config;
      await waitForWorkloads(c.kubectl, [lake.namespace], 300_000);
      const secret = await c.kubectl.json<{ data: Record<string, string> }>([
        '-n',
        lake.namespace,
        'get',
        'secret',
        lake.storage.secret,
      ]);
      const decoded = (k: string) => Buffer.from(secret.data[k] ?? '', 'base64').toString('utf8');
      s3 = await c.kubectl.portForward(lake.namespace, `svc/${lake.seaweedfs.service}`, lake.seaweedfs.s3Port);
      catalog = await c.kubectl.portForward(lake.namespace, `svc/${lake.seaweedfs.service}`, lake.seaweedfs.icebergPort);
      lakeEnv = {
        ICEBERG_CATALOG_URL: catalog.url,
        ICEBERG_WAREHOUSE: lake.catalog.warehouse,
        S3_ENDPOINT: s3.url,
        S3_REGION: lake.storage.region,
        AWS_ACCESS_KEY_ID: decoded('AWS_ACCESS_KEY_ID'),
        AWS_SECRET_ACCESS_KEY: decoded('AWS_SECRET_ACCESS_KEY'),
      };
    }, 600_000);
    afterAll(() => {
      s3?.close();
      catalog?.close();
    });

    /** The tables as PyIceberg reads them through the port-forwards. */
    let python: string | undefined;
    const readTables = async (...tables: string[]): Promise<Record<string, TableRead>> => {
      python ??= (await rig('pyiceberg')).PYICEBERG_PYTHON ?? '';
      const { stdout } = await promisify(execFile)(python, [READ_TABLES, cluster().config.lake.catalog.namespace, ...tables], {
        env: { ...process.env, ...lakeEnv },
        maxBuffer: 512 * 1024 * 1024,
        timeout: 300_000,
      });
      return JSON.parse(stdout) as Record<string, TableRead>;
    };

    it(
      'holds every valid event and every window of the Kafka topics exactly once, read back by PyIceberg from the in-cluster SeaweedFS',
      async () => {
        const c = cluster();
        const { stream, lake } = c.config;
        const kafka = new KafkaTools(c.kubectl, c.config);
        await scaleProducer(c, 1);
        await sleep(20_000);
        // Stopped until the batch check has compared its aggregates, so that both checks see the same events.
        await scaleProducer(c, 0);
        await drained(c, kafka, 300_000);

        const offsets = await kafka.offsets(stream.topics.events.name);
        const count = offsets.reduce((s, o) => s + o.end - o.start, 0);
        const messages = await kafka.readCommitted(stream.topics.events.name, { expected: count });
        events = messages.map(validEvent).filter((e): e is SensorEvent => e !== undefined);
        const windows = (await kafka.readCommitted(stream.topics.results.name, { quietMs: 30_000 }))
          .map((value) => windowRow(JSON.parse(value) as ExpectedWindow))
          .sort(byWindow);
        console.info(
          `Kafka: ${messages.length} messages in ${stream.topics.events.name} (${events.length} valid), ${windows.length} windows in ${stream.topics.results.name}`,
        );
        expect(events.length).toBeGreaterThan(100);
        expect(windows.length).toBeGreaterThan(10);

        // The archiver flushes every lake.archiver.flushIntervalMs; wait until both tables hold as many rows as Kafka.
        let tables: Record<string, TableRead> = {};
        const started = Date.now();
        await expect
          .poll(
            async () => {
              tables = await readTables(lake.tables.events, lake.tables.windows);
              return [tables[lake.tables.events]?.rows.length, tables[lake.tables.windows]?.rows.length];
            },
            { timeout: 300_000, interval: 10_000 },
          )
          .toEqual([events.length, windows.length]);
        console.info(`the lake held them ${((Date.now() - started) / 1000).toFixed(0)} s after the stream was drained`);
        await sleep(2 * lake.archiver.flushIntervalMs);
        tables = await readTables(lake.tables.events, lake.tables.windows);
        const eventTable = tables[lake.tables.events] as TableRead;
        const windowTable = tables[lake.tables.windows] as TableRead;
        expect(duplicateSources(eventTable)).toEqual([]);
        expect(duplicateSources(windowTable)).toEqual([]);
        expect(eventRows(eventTable)).toEqual(expectedEventRows(events));
        expect(windowRows(windowTable)).toEqual(windows);
        expect(eventTable.format_version).toBe(2);
      },
      25 * 60_000,
    );

    it(
      'runs the lake-batch DuckDB job on demand from its CronJob; it completes and its aggregates agree with the events and the windows',
      async () => {
        const c = cluster();
        const { lake, stream } = c.config;
        if (events.length === 0) throw new Error('the archiving check read no events (see its failure)');
        const ns = lake.namespace;
        const from = Math.min(...events.map((e) => e.ts));
        const to = Math.floor(Math.max(...events.map((e) => e.ts)) / DAY_MS) * DAY_MS + DAY_MS;
        const name = `lake-batch-suite-${Date.now().toString(36)}`;
        const job = JSON.parse(
          await c.kubectl.ok(['-n', ns, 'create', 'job', name, '--from=cronjob/lake-batch', '--dry-run=client', '-o', 'json']),
        ) as { spec: { backoffLimit?: number; template: { spec: { containers: { args?: string[] }[] } } } };
        const container = job.spec.template.spec.containers[0];
        if (!container) throw new Error('the lake-batch CronJob has no container');
        container.args = ['--from', isoDay(from), '--to', isoDay(to)];
        job.spec.backoffLimit = 0;
        await c.kubectl.ok(['-n', ns, 'create', '-f', '-'], { input: JSON.stringify(job) });
        const started = Date.now();
        const status = async () =>
          (await c.kubectl.json<{ status: { succeeded?: number; failed?: number } }>(['-n', ns, 'get', 'job', name])).status;
        await expect
          .poll(
            async () => {
              const { succeeded = 0, failed = 0 } = await status();
              return succeeded + failed;
            },
            { timeout: 900_000, interval: 5_000 },
          )
          .toBeGreaterThan(0);
        const logs = await c.kubectl.run(['-n', ns, 'logs', `job/${name}`, '--tail=40']);
        console.info(
          `lake-batch ${container.args.join(' ')}: ${((Date.now() - started) / 1000).toFixed(0)} s\n${logs.stdout}${logs.stderr}`,
        );
        expect((await status()).succeeded, logs.stdout + logs.stderr).toBe(1);
        expect(JSON.parse(logs.stdout.trim().split('\n').at(-1) ?? '{}')).toMatchObject({ engine: 'duckdb', problems: 0 });

        const { batch } = lake;
        const tables = await readTables(
          lake.tables.events,
          lake.tables.windows,
          batch.tables.minute,
          batch.tables.day,
          batch.tables.reconciliation,
        );
        const oracleEvents: OracleEvent[] = (tables[lake.tables.events] as TableRead).rows.map((r) => ({
          id: Number(r.id),
          sensor: String(r.sensor),
          value: Number(r.value),
          ts: Number(r.ts),
          partition: Number(r.kafka_partition),
          offset: Number(r.kafka_offset),
        }));
        expect(oracleEvents.length).toBe(events.length);
        const periodFrom = Math.floor(from / DAY_MS) * DAY_MS;
        for (const [grain, table] of [
          ['minute', batch.tables.minute],
          ['day', batch.tables.day],
        ] as const) {
          const actual = (tables[table] as TableRead).rows
            .map((r) => ({
              sensor: String(r.sensor),
              periodStart: Number(r.period_start),
              events: Number(r.events),
              min: Number(r.min_value),
              max: Number(r.max_value),
              mean: Number(r.mean_value),
              windows: Number(r.windows),
            }))
            .filter((r) => r.periodStart >= periodFrom && r.periodStart < to)
            .sort((a, b) => a.sensor.localeCompare(b.sensor) || a.periodStart - b.periodStart);
          const expected = oracleAggregates(oracleEvents, stream.windowSize, grain, periodFrom, to);
          expect(
            actual.map((a) => ({ ...a, mean: 0 })),
            table,
          ).toEqual(expected.map((e) => ({ ...e, mean: 0 })));
          for (const [i, a] of actual.entries()) {
            expect(Math.abs(a.mean - (expected[i]?.mean ?? Number.NaN)), `${table} mean ${i}`).toBeLessThan(1e-9);
          }
        }
        const reconciled = (tables[batch.tables.reconciliation] as TableRead).rows
          .filter((r) => Number(r.to_ts) >= periodFrom && Number(r.to_ts) < to)
          .map((r) => ({ sensor: String(r.sensor), window_seq: Number(r.window_seq), status: String(r.status) }))
          .sort(byWindow);
        const stored = oracleWindows(oracleEvents, stream.windowSize)
          .filter((w) => w.toTs >= periodFrom && w.toTs < to)
          .map((w) => ({ sensor: w.sensor, window_seq: w.seq, status: 'ok' }))
          .sort(byWindow);
        expect(reconciled).toEqual(stored);
        const inLake = (tables[lake.tables.windows] as TableRead).rows
          .filter((r) => Number(r.to_ts) >= periodFrom && Number(r.to_ts) < to)
          .map((r) => ({ sensor: String(r.sensor), window_seq: Number(r.window_seq), status: 'ok' }))
          .sort(byWindow);
        expect(reconciled).toEqual(inLake);
        await c.kubectl.run(['-n', ns, 'delete', 'job', name, '--wait=false']);
        await scaleProducer(c, 1);
      },
      25 * 60_000,
    );

    it('NetworkPolicies let the archiver reach the S3 gateway and a broker, and refuse it the filer and the todo backend the gateway', async () => {
      const c = cluster();
      const { lake, todo, stream } = c.config;
      const archiver = await readyPod(c, ARCHIVER);
      const from = async (namespace: string, pod: string, container: string, ip: string, port: number) => {
        const out = await c.kubectl.exec(namespace, pod, container, ['node', '-e', nodeConnect(ip, port)]);
        expect(out.code, out.stderr).toBe(0);
        return out.stdout.trim();
      };
      const gateway = await readyPod(c, GATEWAY);
      const filer = await readyPod(c, FILER);
      const broker = (await podsOf(c.kubectl, stream.namespace, stream.kafka.service)).find(isReady);
      if (!broker?.status.podIP) throw new Error('no Ready broker');
      const backend = (await podsOf(c.kubectl, todo.namespace, todo.backend.service)).find(isReady);
      if (!backend) throw new Error('no Ready backend');
      const fromArchiver = (ip: string, port: number) => from(lake.namespace, archiver.metadata.name, ARCHIVER, ip, port);
      expect(await fromArchiver(gateway.status.podIP, lake.seaweedfs.s3Port)).toBe('open');
      expect(await fromArchiver(gateway.status.podIP, lake.seaweedfs.icebergPort)).toBe('open');
      expect(await fromArchiver(broker.status.podIP, stream.kafka.port)).toBe('open');
      expect(await fromArchiver(filer.status.podIP, lake.seaweedfsCluster.filerPort)).not.toBe('open');
      expect(
        await from(todo.namespace, backend.metadata.name, todo.backend.service, gateway.status.podIP, lake.seaweedfs.s3Port),
      ).not.toBe('open');
    });

    it('has Prometheus scrape the archiver and every SeaweedFS component, with their series', async () => {
      const c = cluster();
      const { lake } = c.config;
      const prometheus = await c.kubectl.portForward(c.config.monitoring.namespace, `svc/${PROMETHEUS_NAME}`, PROMETHEUS_PORT);
      try {
        const get = async <T>(path: string): Promise<T> => {
          const res = await fetch(`${prometheus.url}${path}`);
          expect(res.status, path).toBe(200);
          return ((await res.json()) as { data: T }).data;
        };
        const pods = (await c.kubectl.json<List<Pod>>(['-n', lake.namespace, 'get', 'pods'])).items
          .filter(
            (p) =>
              p.status.phase === 'Running' &&
              [ARCHIVER, ...SEAWEEDFS].includes(p.metadata.labels?.['app.kubernetes.io/name'] ?? ''),
          )
          .map((p) => p.metadata.name)
          .sort();
        expect(pods.length).toBe(1 + SEAWEEDFS.length);
        await expect
          .poll(
            async () =>
              (
                await get<{ activeTargets: { labels: Record<string, string>; health: string }[] }>('/api/v1/targets?state=active')
              ).activeTargets
                .filter((t) => t.labels.namespace === lake.namespace)
                .map((t) => `${t.labels.pod} ${t.health}`)
                .sort(),
            { timeout: 180_000, interval: 5_000 },
          )
          .toEqual(pods.map((p) => `${p} up`));
        const query = async (promql: string) =>
          (
            await get<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
              `/api/v1/query?query=${encodeURIComponent(promql)}`,
            )
          ).result;
        const rows = await query(`sum(archiver_rows_total{namespace="${lake.namespace}"})`);
        expect(Number(rows[0]?.value[1] ?? 0)).toBeGreaterThan(0);
        const seaweed = await query(`count by (name) ({namespace="${lake.namespace}", __name__=~"SeaweedFS_.+"})`);
        expect(seaweed.map((r) => r.metric.name).sort()).toEqual([...SEAWEEDFS].sort());
      } finally {
        prometheus.close();
      }
    });
  });
}
