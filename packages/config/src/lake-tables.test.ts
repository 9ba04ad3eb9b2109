import { describe, expect, it } from 'vitest';
import { duckdbCreateTable, eventsTable, positionsTable, windowsTable } from './lake-tables.ts';

describe('lake tables', () => {
  it('number their fields 1..n once, and partition by columns they have', () => {
    for (const table of [eventsTable, windowsTable, positionsTable]) {
      expect(table.columns.map((c) => c.id)).toEqual(table.columns.map((_, i) => i + 1));
      expect(new Set(table.columns.map((c) => c.name)).size).toBe(table.columns.length);
      for (const p of table.partitionBy) expect(table.columns.map((c) => c.name)).toContain(p.column);
    }
  });

  it('give DuckDB a CREATE TABLE with Iceberg hidden partitioning by sensor and day', () => {
    expect(duckdbCreateTable('lake.stratus.events', eventsTable)).toBe(
      'CREATE TABLE IF NOT EXISTS lake.stratus.events ("id" BIGINT NOT NULL, "sensor" VARCHAR NOT NULL, ' +
        '"value" DOUBLE NOT NULL, "ts" TIMESTAMPTZ NOT NULL, "kafka_partition" INTEGER NOT NULL, ' +
        '"kafka_offset" BIGINT NOT NULL, "kafka_timestamp" TIMESTAMPTZ NOT NULL, "ingested_at" TIMESTAMPTZ NOT NULL) ' +
        'PARTITIONED BY ("sensor", day("ts"))',
    );
    expect(duckdbCreateTable('t', positionsTable)).not.toContain('PARTITIONED');
  });
});
