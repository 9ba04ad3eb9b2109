/**
 * The lake's Iceberg (format v2) tables: their columns with stable field ids and their partition specs. The archiver
 * creates them from here and the batch job reads them by these names. Evolution is by adding an optional column at
 * the end with a new field id (`ALTER TABLE ... ADD COLUMN`): Iceberg tracks columns by id, so old data files stay
 * as they are and read the new column as null.
 */

/** Iceberg primitive types the lake uses (timestamptz is microseconds, UTC). */
export type IcebergType = 'int' | 'long' | 'double' | 'string' | 'timestamptz';

export interface LakeColumn {
  /** Iceberg field id; never reused, never changed. */
  readonly id: number;
  readonly name: string;
  readonly type: IcebergType;
  readonly required: boolean;
  readonly doc: string;
}

/** An Iceberg partition field: the identity of a column or the day of a timestamp. */
export interface LakePartitionField {
  readonly column: string;
  readonly transform: 'identity' | 'day';
}

export interface LakeTable {
  readonly columns: readonly LakeColumn[];
  readonly partitionBy: readonly LakePartitionField[];
}

const kafkaColumns = (first: number, what: string): LakeColumn[] => [
  { id: first, name: 'kafka_partition', type: 'int', required: true, doc: `partition of ${what}` },
  { id: first + 1, name: 'kafka_offset', type: 'long', required: true, doc: `offset of ${what}` },
  { id: first + 2, name: 'kafka_timestamp', type: 'timestamptz', required: true, doc: `timestamp of ${what}` },
  { id: first + 3, name: 'ingested_at', type: 'timestamptz', required: true, doc: 'when the archiver committed the row' },
];

/** Every valid sensor event of the `events` topic, once. */
export const eventsTable: LakeTable = {
  columns: [
    { id: 1, name: 'id', type: 'long', required: true, doc: "the producer's event id" },
    { id: 2, name: 'sensor', type: 'string', required: true, doc: 'sensor name' },
    { id: 3, name: 'value', type: 'double', required: true, doc: 'the reading' },
    { id: 4, name: 'ts', type: 'timestamptz', required: true, doc: 'event time' },
    ...kafkaColumns(5, 'the events message'),
  ],
  partitionBy: [
    { column: 'sensor', transform: 'identity' },
    { column: 'ts', transform: 'day' },
  ],
};

/** Every full window the processor published to `results`, once. */
export const windowsTable: LakeTable = {
  columns: [
    { id: 1, name: 'sensor', type: 'string', required: true, doc: 'sensor name' },
    { id: 2, name: 'window_seq', type: 'long', required: true, doc: "the sensor's window number, from 1" },
    { id: 3, name: 'avg', type: 'double', required: true, doc: 'mean of the window, 2 decimals, ties to even' },
    { id: 4, name: 'count', type: 'int', required: true, doc: 'events in the window' },
    { id: 5, name: 'first_id', type: 'long', required: true, doc: 'id of its first event' },
    { id: 6, name: 'last_id', type: 'long', required: true, doc: 'id of its last event' },
    { id: 7, name: 'from_ts', type: 'timestamptz', required: true, doc: 'earliest event time in the window' },
    { id: 8, name: 'to_ts', type: 'timestamptz', required: true, doc: 'latest event time: the event time of the window' },
    { id: 9, name: 'emitted_at', type: 'timestamptz', required: true, doc: 'when the processor closed the window' },
    ...kafkaColumns(10, 'the results message'),
  ],
  partitionBy: [
    { column: 'sensor', transform: 'identity' },
    { column: 'to_ts', transform: 'day' },
  ],
};

/**
 * The archiver's position per source partition, appended in the same commit as the rows it covers: the row with the
 * highest `next_offset` of a (topic, partition) says where its next batch starts, and `epoch` who may write it.
 */
export const positionsTable: LakeTable = {
  columns: [
    { id: 1, name: 'topic', type: 'string', required: true, doc: 'source topic' },
    { id: 2, name: 'kafka_partition', type: 'int', required: true, doc: 'source partition' },
    { id: 3, name: 'next_offset', type: 'long', required: true, doc: 'first offset not yet in the lake' },
    { id: 4, name: 'epoch', type: 'long', required: true, doc: 'writer epoch that owns the partition' },
    { id: 5, name: 'writer', type: 'string', required: true, doc: 'the archiver instance' },
    { id: 6, name: 'committed_at', type: 'timestamptz', required: true, doc: 'when the position was committed' },
  ],
  partitionBy: [],
};

const DUCKDB_TYPES: Record<IcebergType, string> = {
  int: 'INTEGER',
  long: 'BIGINT',
  double: 'DOUBLE',
  string: 'VARCHAR',
  timestamptz: 'TIMESTAMPTZ',
};

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** `CREATE TABLE IF NOT EXISTS` for DuckDB's iceberg extension, with its partition spec. */
export function duckdbCreateTable(qualifiedName: string, table: LakeTable): string {
  const columns = table.columns.map((c) => `${quote(c.name)} ${DUCKDB_TYPES[c.type]}${c.required ? ' NOT NULL' : ''}`);
  const partition = table.partitionBy.map((p) => (p.transform === 'day' ? `day(${quote(p.column)})` : quote(p.column)));
  const partitioned = partition.length > 0 ? ` PARTITIONED BY (${partition.join(', ')})` : '';
  return `CREATE TABLE IF NOT EXISTS ${qualifiedName} (${columns.join(', ')})${partitioned}`;
}
