import type { Dialect, OutputType } from './dialect.ts';
import type { Period } from './period.ts';

/** Where the job reads and writes: the catalog alias, the Iceberg namespace and the table names. */
export interface LakeNames {
  readonly catalog: string;
  readonly namespace: string;
  readonly events: string;
  readonly windows: string;
  readonly minute: string;
  readonly hour: string;
  readonly day: string;
  readonly reconciliation: string;
}

interface OutputColumn {
  readonly name: string;
  readonly type: OutputType;
}

/** One table the job replaces for the period: everything matching `where` goes, the rows of `select` come in. */
export interface BatchOutput {
  readonly table: string;
  readonly create: string;
  readonly select: string;
  readonly where: string;
}

/** A query the outputs share, computed once per run (DuckDB: a temporary table; Spark: a cached view). */
export interface BatchView {
  readonly name: string;
  readonly select: string;
}

export interface BatchPlan {
  readonly views: readonly BatchView[];
  readonly outputs: readonly BatchOutput[];
  /** Counts the reconciliation rows of the period whose status is not `ok` (column `problems`). */
  readonly problems: string;
  /** Lists up to 20 of them, for the error message. */
  readonly problemSample: string;
}

/** The period placeholders of a plan, replaced by each engine's timestamp literals when it runs. */
export const FROM = '{{from}}';
export const TO = '{{to}}';

export const GRAINS = ['minute', 'hour', 'day'] as const;
export type Grain = (typeof GRAINS)[number];

const periodColumns: readonly OutputColumn[] = [
  { name: 'sensor', type: 'string' },
  { name: 'period_start', type: 'timestamptz' },
  { name: 'events', type: 'long' },
  { name: 'min_value', type: 'double' },
  { name: 'max_value', type: 'double' },
  { name: 'sum_value', type: 'decimal' },
  { name: 'mean_value', type: 'double' },
  { name: 'windows', type: 'long' },
  { name: 'mean_window_avg', type: 'double' },
  { name: 'computed_at', type: 'timestamptz' },
];

const reconciliationColumns: readonly OutputColumn[] = [
  { name: 'sensor', type: 'string' },
  { name: 'window_seq', type: 'long' },
  { name: 'to_ts', type: 'timestamptz' },
  { name: 'status', type: 'string' },
  { name: 'stored_avg', type: 'double' },
  { name: 'recomputed_avg', type: 'double' },
  { name: 'stored_count', type: 'long' },
  { name: 'recomputed_count', type: 'long' },
  { name: 'stored_first_id', type: 'long' },
  { name: 'recomputed_first_id', type: 'long' },
  { name: 'stored_last_id', type: 'long' },
  { name: 'recomputed_last_id', type: 'long' },
  { name: 'computed_at', type: 'timestamptz' },
];

/** Values are summed exactly as integers of millionths; the mean is one double division of exact integers. */
const MICROS = 1_000_000;

export function qualified(d: Dialect, names: LakeNames, table: string): string {
  return [names.catalog, names.namespace, table].map((p) => d.quote(p)).join('.');
}

function createTable(d: Dialect, name: string, columns: readonly OutputColumn[], partitionColumn: string): string {
  const cols = columns.map((c) => `${d.quote(c.name)} ${d.type(c.type)}`).join(', ');
  const using = d.name === 'spark' ? ' USING iceberg' : '';
  return `CREATE TABLE IF NOT EXISTS ${name} (${cols})${using} PARTITIONED BY (${d.dayPartition(d.quote(partitionColumn))})`;
}

const inPeriod = (column: string) => `${column} >= ${FROM} AND ${column} < ${TO}`;

/**
 * The 20-event (`windowSize`) windows recomputed from `events`: each sensor's events in Kafka order, numbered from 1,
 * cut into runs of `windowSize`; only full windows count. The average is rounded to cents with ties to even in exact
 * integer arithmetic, as the processor does.
 */
function recomputedWindows(d: Dialect, names: LakeNames, windowSize: number): string {
  const q = d.quote;
  const events = qualified(d, names, names.events);
  const divisor = windowSize * (MICROS / 100);
  const n = 'abs(micros)';
  const quotient = d.intDiv(n, String(divisor));
  const rest = `(${n} - ${quotient} * ${divisor})`;
  const cents =
    `(CASE WHEN micros < 0 THEN -1 ELSE 1 END) * (${quotient} + ` +
    `CASE WHEN 2 * ${rest} > ${divisor} OR (2 * ${rest} = ${divisor} AND (${quotient}) % 2 = 1) THEN 1 ELSE 0 END)`;
  return [
    'WITH numbered AS (',
    `  SELECT sensor, id, ts, CAST(round(${q('value')} * ${MICROS}) AS BIGINT) AS micros,`,
    '    row_number() OVER (PARTITION BY sensor ORDER BY kafka_partition, kafka_offset) AS seq',
    `  FROM ${events}`,
    '), cut AS (',
    `  SELECT sensor, ${d.intDiv('seq - 1', String(windowSize))} + 1 AS window_seq, count(*) AS n, sum(micros) AS micros,`,
    '    min_by(id, seq) AS first_id, max_by(id, seq) AS last_id, min(ts) AS from_ts, max(ts) AS to_ts',
    '  FROM numbered',
    `  GROUP BY sensor, ${d.intDiv('seq - 1', String(windowSize))} + 1`,
    `  HAVING count(*) = ${windowSize}`,
    ')',
    `SELECT sensor, window_seq, n, first_id, last_id, from_ts, to_ts, ${cents} AS cents FROM cut`,
  ].join('\n');
}

function periodAggregates(d: Dialect, names: LakeNames, grain: Grain): string {
  const q = d.quote;
  const events = qualified(d, names, names.events);
  const bucket = (column: string) => `date_trunc('${grain}', ${column})`;
  return [
    'WITH agg AS (',
    `  SELECT sensor, ${bucket('ts')} AS period_start, count(*) AS events, min(${q('value')}) AS min_value,`,
    `    max(${q('value')}) AS max_value, sum(CAST(round(${q('value')} * ${MICROS}) AS BIGINT)) AS micros`,
    `  FROM ${events}`,
    `  WHERE ${inPeriod('ts')}`,
    `  GROUP BY sensor, ${bucket('ts')}`,
    '), win AS (',
    `  SELECT sensor, ${bucket('to_ts')} AS period_start, count(*) AS windows, sum(cents) AS cents`,
    '  FROM recomputed_windows',
    `  WHERE ${inPeriod('to_ts')}`,
    `  GROUP BY sensor, ${bucket('to_ts')}`,
    ')',
    'SELECT agg.sensor, agg.period_start, agg.events, agg.min_value, agg.max_value,',
    `  CAST(CAST(agg.micros AS DECIMAL(38, 0)) / ${MICROS} AS DECIMAL(38, 6)) AS sum_value,`,
    `  CAST(agg.micros AS DOUBLE) / (agg.events * ${MICROS}) AS mean_value,`,
    '  CAST(coalesce(win.windows, 0) AS BIGINT) AS windows,',
    '  CAST(win.cents AS DOUBLE) / (win.windows * 100) AS mean_window_avg,',
    '  current_timestamp AS computed_at',
    'FROM agg LEFT JOIN win ON agg.sensor = win.sensor AND agg.period_start = win.period_start',
  ].join('\n');
}

/**
 * Every window of the period, stored (`windows`) or recomputed (from `events`), matched by sensor and sequence:
 * `ok`, `mismatch` (average, size or first/last event differ), `duplicate` (stored more than once),
 * `missing` (the events make a full window that `windows` lacks) or `unexpected` (a stored window the events do not make).
 */
function reconciliation(d: Dialect, names: LakeNames): string {
  const q = d.quote;
  const windows = qualified(d, names, names.windows);
  const storedCents = `CAST(round(w.${q('avg')} * 100) AS BIGINT)`;
  return [
    'WITH stored AS (',
    `  SELECT sensor, window_seq, ${q('avg')}, ${q('count')}, first_id, last_id, to_ts,`,
    '    count(*) OVER (PARTITION BY sensor, window_seq) AS copies',
    `  FROM ${windows}`,
    ')',
    'SELECT coalesce(w.sensor, r.sensor) AS sensor, coalesce(w.window_seq, r.window_seq) AS window_seq,',
    '  coalesce(r.to_ts, w.to_ts) AS to_ts,',
    "  CASE WHEN w.sensor IS NULL THEN 'missing' WHEN r.sensor IS NULL THEN 'unexpected'",
    "    WHEN w.copies > 1 THEN 'duplicate'",
    `    WHEN ${storedCents} <> r.cents OR w.${q('count')} <> r.n OR w.first_id <> r.first_id OR w.last_id <> r.last_id`,
    "    THEN 'mismatch' ELSE 'ok' END AS status,",
    `  w.${q('avg')} AS stored_avg, CAST(r.cents AS DOUBLE) / 100 AS recomputed_avg,`,
    `  CAST(w.${q('count')} AS BIGINT) AS stored_count, r.n AS recomputed_count,`,
    '  w.first_id AS stored_first_id, r.first_id AS recomputed_first_id,',
    '  w.last_id AS stored_last_id, r.last_id AS recomputed_last_id,',
    '  current_timestamp AS computed_at',
    'FROM stored w FULL OUTER JOIN recomputed_windows r ON w.sensor = r.sensor AND w.window_seq = r.window_seq',
    `WHERE (${inPeriod('r.to_ts')}) OR (${inPeriod('w.to_ts')})`,
  ].join('\n');
}

/** The whole job for one dialect, with the period left as {@link FROM} and {@link TO}. */
export function batchPlan(d: Dialect, names: LakeNames, windowSize: number): BatchPlan {
  if (!Number.isInteger(windowSize) || windowSize < 1) {
    throw new RangeError(`'windowSize' must be an integer of at least 1, got ${windowSize}`);
  }
  const tableOf: Record<Grain, string> = { minute: names.minute, hour: names.hour, day: names.day };
  const outputs: BatchOutput[] = GRAINS.map((grain) => {
    const table = qualified(d, names, tableOf[grain]);
    return {
      table,
      create: createTable(d, table, periodColumns, 'period_start'),
      select: periodAggregates(d, names, grain),
      where: inPeriod('period_start'),
    };
  });
  const recon = qualified(d, names, names.reconciliation);
  outputs.push({
    table: recon,
    create: createTable(d, recon, reconciliationColumns, 'to_ts'),
    select: reconciliation(d, names),
    where: inPeriod('to_ts'),
  });
  const notOk = `FROM ${recon} WHERE ${inPeriod('to_ts')} AND status <> 'ok'`;
  return {
    views: [{ name: 'recomputed_windows', select: recomputedWindows(d, names, windowSize) }],
    outputs,
    problems: `SELECT count(*) AS problems ${notOk}`,
    problemSample: `SELECT sensor, window_seq, status, stored_avg, recomputed_avg ${notOk} ORDER BY sensor, window_seq LIMIT 20`,
  };
}

/** The plan with the period filled in by the dialect's timestamp literals. */
export function bindPeriod(d: Dialect, sql: string, period: Period): string {
  return sql.replaceAll(FROM, d.timestamp(period.from)).replaceAll(TO, d.timestamp(period.to));
}
