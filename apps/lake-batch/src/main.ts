import { parseArgs } from 'node:util';
import { BatchConfigError, batchConfig } from './config.ts';
import { type BatchReport, runDuckDBBatch } from './duckdb-job.ts';
import { lookbackPeriod, PeriodError, parsePeriod } from './period.ts';
import { runSparkBatch, runSparkMaintenance, SparkJobError } from './spark-job.ts';

const USAGE = `usage:
  lake-batch run [--engine duckdb|spark] [--from YYYY-MM-DD [--to YYYY-MM-DD]]
      recomputes the period (default: the lake.batch.lookbackDays days before today, UTC; --to is exclusive and
      defaults to the day after --from) and replaces it in sensor_minute, sensor_hour, sensor_day and
      window_reconciliation; exits 1 when a window of the period does not reconcile
  lake-batch maintain
      compacts, expires snapshots and removes orphan files of every lake table (Spark)`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { engine: { type: 'string', default: 'duckdb' }, from: { type: 'string' }, to: { type: 'string' } },
  });
  const [command] = positionals;
  const config = batchConfig();
  if (command === 'maintain') {
    process.stdout.write(await runSparkMaintenance(config));
    return 0;
  }
  if (command !== 'run') {
    console.error(USAGE);
    return 2;
  }
  if (values.to !== undefined && values.from === undefined) throw new PeriodError("'--to' needs '--from'");
  const period =
    values.from === undefined ? lookbackPeriod(new Date(), config.lookbackDays) : parsePeriod(values.from, values.to);
  if (values.engine === 'spark') {
    console.log(JSON.stringify(await runSparkBatch(config, period)));
    return 0;
  }
  if (values.engine !== 'duckdb') throw new BatchConfigError(`'--engine' must be duckdb or spark, got '${values.engine}'`);
  const report: BatchReport = await runDuckDBBatch(config, period);
  console.log(JSON.stringify({ engine: report.engine, period: report.period, problems: report.problems }));
  if (report.problems === 0) return 0;
  for (const row of report.sample) console.error(`window reconciliation: ${JSON.stringify(row)}`);
  console.error(`${report.problems} windows of ${report.period} do not agree with the events`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    const known = e instanceof BatchConfigError || e instanceof PeriodError || e instanceof SparkJobError;
    console.error(known ? (e as Error).message : e);
    process.exit(known ? 2 : 1);
  },
);
