import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { batchPlan } from './batch-plan.ts';
import type { BatchConfig } from './config.ts';
import { spark } from './dialect.ts';
import { formatPeriod, type Period } from './period.ts';
import { confArgs, sparkLakeConf, sparkLocalConf } from './spark-conf.ts';

/** The PySpark scripts, shipped as files next to the app (and in the lake-spark image). */
export const SPARK_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'spark');

export class SparkJobError extends Error {
  override readonly name = 'SparkJobError';
  readonly retriable = false;
}

const day = (d: Date) => d.toISOString().slice(0, 10);

/** spark-submit of one of the PySpark scripts against the lake, with the credentials in the environment only. */
export async function sparkSubmit(config: BatchConfig, script: string, args: readonly string[]): Promise<string> {
  const s = config.spark;
  const local = s.master.startsWith('local');
  const conf = [
    ...sparkLakeConf({ catalog: config.names.catalog, ...config.lake }),
    ...(local ? sparkLocalConf() : []),
    ['spark.pyspark.python', s.python],
    ['spark.pyspark.driver.python', s.python],
  ] as [string, string][];
  const argv = [
    '--master',
    s.master,
    '--driver-memory',
    s.driverMemory,
    ...(s.jars ? ['--jars', s.jars] : []),
    ...confArgs(conf),
    join(SPARK_DIR, script),
    ...args,
  ];
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: config.lake.accessKeyId,
    AWS_SECRET_ACCESS_KEY: config.lake.secretAccessKey,
    AWS_REGION: config.lake.region,
    PYSPARK_PYTHON: s.python,
    SPARK_LOCAL_IP: local ? '127.0.0.1' : (process.env.SPARK_LOCAL_IP ?? ''),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(s.submit, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    child.on('error', (e) => reject(new SparkJobError(`cannot run '${s.submit}': ${e.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else {
        const kept = `${stdout}\n${stderr}`
          .split('\n')
          .filter((l) => l.trim() !== '' && !/^\s+at |^\d\d\/\d\d\/\d\d \S+ (INFO|WARN) /.test(l));
        reject(new SparkJobError(`${script} exited with ${code}:\n${kept.slice(0, 40).join('\n')}`));
      }
    });
  });
}

/** The batch job on Spark: the same plan in Spark's dialect, each output table replaced for the period in one commit. */
export async function runSparkBatch(config: BatchConfig, period: Period): Promise<{ engine: 'spark'; period: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'lake-batch-'));
  try {
    const planFile = join(dir, 'plan.json');
    writeFileSync(planFile, JSON.stringify(batchPlan(spark, config.names, config.windowSize)));
    await sparkSubmit(config, 'batch_job.py', ['--plan', planFile, '--from', day(period.from), '--to', day(period.to)]);
    return { engine: 'spark', period: formatPeriod(period) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Compaction, snapshot expiry and orphan-file removal of every lake table, on Spark. */
export async function runSparkMaintenance(config: BatchConfig): Promise<string> {
  return sparkSubmit(config, 'maintenance.py', config.maintenanceArgs);
}
