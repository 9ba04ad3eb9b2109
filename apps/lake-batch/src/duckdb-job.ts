import { batchPlan, bindPeriod } from './batch-plan.ts';
import type { BatchConfig } from './config.ts';
import { duckdb } from './dialect.ts';
import { DuckDBLake } from './duckdb-lake.ts';
import { formatPeriod, type Period } from './period.ts';

/** What a run did; `problems` counts the windows of the period that do not reconcile. */
export interface BatchReport {
  readonly engine: 'duckdb' | 'spark';
  readonly period: string;
  readonly problems: number;
  readonly sample: readonly Record<string, unknown>[];
}

/**
 * The batch job on DuckDB: every output table's rows of the period are deleted and recomputed in one transaction
 * over all four tables, so a reader sees the old period or the new one, and a re-run replaces it.
 */
export async function runDuckDBBatch(config: BatchConfig, period: Period): Promise<BatchReport> {
  const plan = batchPlan(duckdb, config.names, config.windowSize);
  const bind = (sql: string) => bindPeriod(duckdb, sql, period);
  const lake = await DuckDBLake.open({
    lake: config.lake,
    catalog: config.names.catalog,
    extensionDirectory: config.duckdbExtensionDirectory,
  });
  try {
    for (const output of plan.outputs) await lake.run(output.create);
    for (const view of plan.views) await lake.run(`CREATE TEMP TABLE ${view.name} AS ${bind(view.select)}`);
    await lake.run('BEGIN TRANSACTION');
    try {
      for (const output of plan.outputs) {
        await lake.run(`DELETE FROM ${output.table} WHERE ${bind(output.where)}`);
        await lake.run(`INSERT INTO ${output.table} ${bind(output.select)}`);
      }
      await lake.run('COMMIT');
    } catch (e) {
      await lake.run('ROLLBACK').catch(() => undefined);
      throw e;
    }
    const [count] = await lake.rows(bind(plan.problems));
    const problems = Number(count?.problems ?? 0);
    const sample = problems > 0 ? await lake.rows(bind(plan.problemSample)) : [];
    return { engine: 'duckdb', period: formatPeriod(period), problems, sample };
  } finally {
    lake.close();
  }
}
