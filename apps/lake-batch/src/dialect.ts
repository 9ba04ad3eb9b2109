/** The few places where DuckDB's and Spark's SQL differ; everything else in the batch job is shared text. */
export interface Dialect {
  readonly name: 'duckdb' | 'spark';
  quote(identifier: string): string;
  /** Integer division of non-negative integers. */
  intDiv(dividend: string, divisor: string): string;
  /** A timestamp-with-time-zone literal of an instant. */
  timestamp(instant: Date): string;
  /** The column type of an output column. */
  type(type: OutputType): string;
  /** The partition transform that keeps one partition per day of a timestamp. */
  dayPartition(column: string): string;
}

export type OutputType = 'string' | 'long' | 'double' | 'decimal' | 'timestamptz';

const iso = (instant: Date) =>
  instant
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, '+00:00');

export const duckdb: Dialect = {
  name: 'duckdb',
  quote: (id) => `"${id.replaceAll('"', '""')}"`,
  intDiv: (a, b) => `(${a}) // (${b})`,
  timestamp: (instant) => `TIMESTAMPTZ '${iso(instant)}'`,
  type: (t) =>
    ({ string: 'VARCHAR', long: 'BIGINT', double: 'DOUBLE', decimal: 'DECIMAL(38, 6)', timestamptz: 'TIMESTAMPTZ' })[t],
  dayPartition: (column) => `day(${column})`,
};

export const spark: Dialect = {
  name: 'spark',
  quote: (id) => `\`${id.replaceAll('`', '``')}\``,
  intDiv: (a, b) => `(${a}) div (${b})`,
  timestamp: (instant) => `TIMESTAMP '${iso(instant)}'`,
  type: (t) => ({ string: 'STRING', long: 'BIGINT', double: 'DOUBLE', decimal: 'DECIMAL(38, 6)', timestamptz: 'TIMESTAMP' })[t],
  dayPartition: (column) => `days(${column})`,
};
