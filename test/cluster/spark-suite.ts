import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { type DeployedCluster, sleep } from './deploy.ts';
import type { List, Pod } from './objects.ts';

/** The Spark CronJob of the lake chart (the batch job's Spark engine is the same submission with other arguments). */
const CRONJOB = 'lake-maintenance';

interface JobManifest {
  metadata: { name: string };
  spec: {
    backoffLimit?: number;
    template: { spec: { containers: { name: string; command?: string[]; args?: string[] }[] } };
  };
}

/** The CronJob from the manifests the suite synthesized, applied unless the cluster has it already. */
async function ensureCronJob(c: DeployedCluster, namespace: string): Promise<void> {
  if ((await c.kubectl.run(['-n', namespace, 'get', 'cronjob', CRONJOB])).code === 0) return;
  for (const file of readdirSync(c.dir).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(join(c.dir, file), 'utf8'))) {
      const o = doc.toJS() as { kind?: string; metadata?: { name?: string } } | null;
      if (o?.kind === 'CronJob' && o.metadata?.name === CRONJOB) {
        await c.kubectl.ok(['apply', '-f', '-'], { input: JSON.stringify(o) });
        return;
      }
    }
  }
  throw new Error(`no CronJob ${CRONJOB} in ${c.dir}`);
}

/** The executor pods' labels, as the chart gives them to Spark (`spark.kubernetes.executor.label.*`). */
async function executorLabels(c: DeployedCluster, namespace: string): Promise<string> {
  const conf = await c.kubectl.json<{ data: Record<string, string> }>([
    '-n',
    namespace,
    'get',
    'configmap',
    `${c.config.lake.spark.serviceAccount}-conf`,
  ]);
  const labels = (conf.data['spark.properties'] ?? '')
    .split('\n')
    .map((line) => /^spark\.kubernetes\.executor\.label\.([^=]+)=(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]}=${m[2]}`);
  if (labels.length === 0) throw new Error('the Spark ConfigMap names no executor labels');
  return labels.join(',');
}

interface SparkRun {
  readonly succeeded: boolean;
  /** The driver's whole log. */
  readonly logs: string;
  readonly seconds: number;
  /** Every executor pod seen while the job ran: its uid, and whether it got to Running. */
  readonly executors: ReadonlyMap<string, { readonly uid?: number; readonly running: boolean }>;
  /** Executor pods still there a minute after the job ended. */
  readonly leftover: readonly string[];
}

/**
 * Runs the CronJob once, as `kubectl create job --from=cronjob/...` does, with `change` applied to its container
 * (nothing for the job as scheduled), and watches its executor pods until it ends.
 */
async function runOnce(
  c: DeployedCluster,
  suffix: string,
  change: (container: JobManifest['spec']['template']['spec']['containers'][number]) => void,
): Promise<SparkRun> {
  const ns = c.config.lake.namespace;
  await ensureCronJob(c, ns);
  const selector = await executorLabels(c, ns);
  const name = `${CRONJOB}-${suffix}-${Date.now().toString(36)}`;
  const job = JSON.parse(
    await c.kubectl.ok(['-n', ns, 'create', 'job', name, `--from=cronjob/${CRONJOB}`, '--dry-run=client', '-o', 'json']),
  ) as JobManifest;
  const container = job.spec.template.spec.containers[0];
  if (!container) throw new Error(`the ${CRONJOB} CronJob has no container`);
  change(container);
  job.spec.backoffLimit = 0;
  await c.kubectl.ok(['-n', ns, 'create', '-f', '-'], { input: JSON.stringify(job) });
  const started = Date.now();
  const executors = new Map<string, { uid?: number; running: boolean }>();
  let status: { succeeded?: number; failed?: number } = {};
  while (!status.succeeded && !status.failed) {
    if (Date.now() - started > 20 * 60_000) throw new Error(`the Job ${name} did not end within 20 min`);
    const pods = await c.kubectl.json<List<Pod>>(['-n', ns, 'get', 'pods', '-l', selector]);
    for (const pod of pods.items) {
      const seen = executors.get(pod.metadata.name);
      executors.set(pod.metadata.name, {
        uid: pod.spec.securityContext?.runAsUser,
        running: seen?.running === true || pod.status.phase === 'Running',
      });
    }
    status = (await c.kubectl.json<{ status: typeof status }>(['-n', ns, 'get', 'job', name])).status;
    await sleep(2_000);
  }
  const seconds = (Date.now() - started) / 1000;
  // The whole log: a driver logs a line a second while it waits on its executors, which buries a tail's report lines.
  const out = await c.kubectl.run(['-n', ns, 'logs', `job/${name}`], { timeoutMs: 300_000 });
  let leftover: string[] = [];
  for (let i = 0; i < 30; i++) {
    leftover = (await c.kubectl.json<List<Pod>>(['-n', ns, 'get', 'pods', '-l', selector])).items.map((p) => p.metadata.name);
    if (leftover.length === 0) break;
    await sleep(2_000);
  }
  return { succeeded: status.succeeded === 1, logs: out.stdout + out.stderr, seconds, executors, leftover };
}

/** The last 200 lines of a log, for messages. */
const lastLines = (logs: string) => logs.split('\n').slice(-200).join('\n');

function expectExecutors(c: DeployedCluster, run: SparkRun): void {
  expect(run.executors.size, lastLines(run.logs)).toBeGreaterThanOrEqual(c.config.lake.spark.executors);
  for (const [pod, e] of run.executors) {
    expect(e.uid, pod).toBe(c.config.images.uids.spark);
    expect(e.running, `${pod} never ran`).toBe(true);
  }
  expect(run.leftover, 'executor pods outlive their driver').toEqual([]);
}

/**
 * Spark on Kubernetes as the lake chart submits it: a CronJob's pod is the driver (spark-submit in client mode with
 * the chart's spark.properties), which creates its executor pods from the chart's template through the API server
 * with its ServiceAccount; they run the lake-spark image's `executor` entrypoint and connect back to the driver
 * through the lake's NetworkPolicies. Needs the lake namespace applied; the maintenance run needs the lake's
 * SeaweedFS and catalog (lakeSuite's checks before it put rows into the tables).
 */
export function sparkSuite(cluster: () => DeployedCluster): void {
  describe('Spark on Kubernetes (lake-spark)', () => {
    it(
      "runs a job submitted as the chart's CronJob does, with executor pods as the chart's uid that go when it ends",
      async () => {
        const c = cluster();
        const job = [
          'from pyspark.sql import SparkSession',
          "spark = SparkSession.builder.appName('spark-suite').getOrCreate()",
          'sc = spark.sparkContext',
          'total = sc.parallelize(range(1, 100001), 4).map(lambda x: x * 2).sum()',
          "hosts = sc.parallelize(range(4), 4).map(lambda _: __import__('socket').gethostname()).distinct().count()",
          "print(f'spark-suite total={total} executor-hosts={hosts}', flush=True)",
        ].join('\n');
        const run = await runOnce(c, 'probe', (container) => {
          const submit = container.command ?? [];
          container.command = [
            '/bin/bash',
            '-c',
            `printf '%s\\n' "$SPARK_SUITE_JOB" >/tmp/spark-suite.py && exec ${submit.slice(0, 2).join(' ')} /tmp/spark-suite.py`,
          ];
          container.args = [];
          (container as { env?: { name: string; value?: string }[] }).env = [
            ...((container as { env?: { name: string; value?: string }[] }).env ?? []),
            { name: 'SPARK_SUITE_JOB', value: job },
          ];
        });
        console.info(`Spark probe job: ${run.seconds.toFixed(0)} s, executors ${[...run.executors.keys()].join(', ')}`);
        expect(run.succeeded, lastLines(run.logs)).toBe(true);
        expect(run.logs).toContain(`spark-suite total=${100000 * 100001} executor-hosts=`);
        const hosts = Number(/executor-hosts=(\d+)/.exec(run.logs)?.[1]);
        expect(hosts).toBeGreaterThanOrEqual(1);
        expect(hosts).toBeLessThanOrEqual(c.config.lake.spark.executors);
        expectExecutors(c, run);
      },
      25 * 60_000,
    );

    it(
      'runs the lake-maintenance CronJob on demand: every table it names is maintained or said to be missing',
      async () => {
        const c = cluster();
        const run = await runOnce(c, 'suite', () => {});
        const report = run.logs.split('\n').filter((l) => l.startsWith('{"table"'));
        console.info(`lake-maintenance on demand: ${run.seconds.toFixed(0)} s\n${report.join('\n')}`);
        expect(run.succeeded, lastLines(run.logs)).toBe(true);
        const lines = report.map((l) => JSON.parse(l) as { table: string; skipped?: string; rewrittenDataFiles?: number });
        const { tables } = c.config.lake;
        for (const table of [tables.events, tables.windows, tables.positions]) {
          const line = lines.find((l) => l.table === table);
          expect(line, `${table} in ${lastLines(run.logs)}`).toBeDefined();
          expect(line?.skipped, `${table} exists once the archiver has committed`).toBeUndefined();
          expect(line?.rewrittenDataFiles).toBeGreaterThanOrEqual(0);
        }
        expectExecutors(c, run);
      },
      25 * 60_000,
    );
  });
}
