import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { duckdbCreateTable, eventsTable, type LakeTable, positionsTable, windowsTable } from '@stratus/config/lake-tables';
import type { PositionRange } from './batch.ts';
import type { LakeConnection } from './config.ts';
import type { EventRow, WindowRow } from './rows.ts';

/** The lake's position of one source partition and the writer epoch that owns it. */
export interface Position {
  readonly topic: string;
  readonly partition: number;
  readonly next: bigint;
  readonly epoch: bigint;
}

/** Another writer owns the partition now, or moved its position: this writer's commit was refused. */
export class FencedError extends Error {
  override readonly name = 'FencedError';
  readonly retriable = false;
}

/** The catalog refused the commit because a table changed under it (HTTP 409); re-reading and retrying may work. */
export class CommitConflictError extends Error {
  override readonly name = 'CommitConflictError';
  readonly retriable = true;
}

export interface LakeTables {
  readonly events: string;
  readonly windows: string;
  readonly positions: string;
}

const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;
const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;
const CATALOG = 'lake';
const columns = (table: LakeTable) => table.columns.map((c) => ident(c.name)).join(', ');

/** SQL that loads the extensions from the given directory and attaches the Iceberg REST catalog as `lake`. */
export function attachStatements(c: LakeConnection): string[] {
  const s3 = new URL(c.s3Endpoint);
  return [
    "SET TimeZone = 'UTC'",
    'LOAD httpfs',
    'LOAD iceberg',
    `CREATE OR REPLACE SECRET lake_s3 (TYPE S3, KEY_ID ${literal(c.accessKeyId)}, SECRET ${literal(c.secretAccessKey)}, ` +
      `REGION ${literal(c.s3Region)}, ENDPOINT ${literal(s3.host)}, URL_STYLE 'path', USE_SSL ${s3.protocol === 'https:'})`,
    `CREATE OR REPLACE SECRET lake_catalog (TYPE ICEBERG, CLIENT_ID ${literal(c.accessKeyId)}, ` +
      `CLIENT_SECRET ${literal(c.secretAccessKey)}, ENDPOINT ${literal(c.catalogUrl)})`,
    `ATTACH IF NOT EXISTS ${literal(c.warehouse)} AS ${CATALOG} (TYPE ICEBERG, SECRET lake_catalog, ENDPOINT ${literal(c.catalogUrl)})`,
  ];
}

/** Opens DuckDB with the lake's extensions (never downloaded at run time) and the catalog attached. */
export async function openLakeConnection(c: LakeConnection): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> {
  const instance = await DuckDBInstance.create(':memory:', {
    extension_directory: c.extensionDirectory,
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'true',
  });
  const connection = await instance.connect();
  for (const sql of attachStatements(c)) await connection.run(sql);
  return { instance, connection };
}

const STAGE_EVENTS = 'stage_events';
const STAGE_WINDOWS = 'stage_windows';

function isConflict(e: unknown): boolean {
  return /\b409\b|conflict|CommitFailed|requirement failed|has been modified|concurrent/i.test((e as Error).message ?? '');
}

/**
 * The archiver's side of the lake. Every commit is one Iceberg transaction over `events`, `windows` and the
 * positions table; it first re-reads the positions of the partitions it covers and refuses to go on unless they
 * still hold this writer's epoch and the offset its batch started from.
 */
export class Lake {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly db: DuckDBConnection,
    private readonly namespace: string,
    private readonly tables: LakeTables,
  ) {}

  static async open(connection: LakeConnection, tables: LakeTables): Promise<Lake> {
    const { instance, connection: db } = await openLakeConnection(connection);
    const lake = new Lake(instance, db, connection.namespace, tables);
    await lake.ensureTables();
    await db.run(
      `CREATE TABLE memory.main.${STAGE_EVENTS} (id BIGINT, sensor VARCHAR, value DOUBLE, ts_ms BIGINT, ` +
        'kafka_partition INTEGER, kafka_offset BIGINT, kafka_ts_ms BIGINT)',
    );
    await db.run(
      `CREATE TABLE memory.main.${STAGE_WINDOWS} (sensor VARCHAR, window_seq BIGINT, avg DOUBLE, count INTEGER, ` +
        'first_id BIGINT, last_id BIGINT, from_ts_ms BIGINT, to_ts_ms BIGINT, emitted_at_ms BIGINT, ' +
        'kafka_partition INTEGER, kafka_offset BIGINT, kafka_ts_ms BIGINT)',
    );
    return lake;
  }

  table(name: keyof LakeTables): string {
    return `${CATALOG}.${ident(this.namespace)}.${ident(this.tables[name])}`;
  }

  /** Creates the namespace and the tables when missing; another archiver creating them at the same time is fine. */
  private async ensureTables(): Promise<void> {
    const statements = [
      `CREATE SCHEMA IF NOT EXISTS ${CATALOG}.${ident(this.namespace)}`,
      duckdbCreateTable(this.table('events'), eventsTable),
      duckdbCreateTable(this.table('windows'), windowsTable),
      duckdbCreateTable(this.table('positions'), positionsTable),
    ];
    for (const sql of statements) {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.db.run(sql);
          break;
        } catch (e) {
          if (attempt >= 5 || !/already exists|conflict|409/i.test((e as Error).message)) throw e;
        }
      }
    }
  }

  /** The latest position of each given partition, if the lake has one. */
  async positions(keys: readonly { topic: string; partition: number }[]): Promise<Map<string, Position>> {
    const out = new Map<string, Position>();
    if (keys.length === 0) return out;
    const wanted = keys.map((k) => `(${literal(k.topic)}, ${k.partition})`).join(', ');
    const reader = await this.db.runAndReadAll(
      `SELECT topic, kafka_partition, max(next_offset) AS next, max(epoch) AS epoch FROM ${this.table('positions')} ` +
        `WHERE (topic, kafka_partition) IN (${wanted}) GROUP BY ALL`,
    );
    for (const row of reader.getRowObjectsJS()) {
      const p: Position = {
        topic: row.topic as string,
        partition: row.kafka_partition as number,
        next: row.next as bigint,
        epoch: row.epoch as bigint,
      };
      out.set(positionKey(p.topic, p.partition), p);
    }
    return out;
  }

  /**
   * Takes the given partitions for `writer`: a new epoch one above the lake's, at the lake's offset (or `fallback`,
   * the topic's earliest offset, when the lake has none). From then on, commits of older epochs are refused.
   */
  async claim(
    keys: readonly { topic: string; partition: number; fallback: bigint }[],
    writer: string,
    now: number,
  ): Promise<Map<string, Position>> {
    return this.transaction(async () => {
      const current = await this.positions(keys);
      const claimed = new Map<string, Position>();
      for (const k of keys) {
        const p = current.get(positionKey(k.topic, k.partition));
        claimed.set(positionKey(k.topic, k.partition), {
          topic: k.topic,
          partition: k.partition,
          next: p?.next ?? k.fallback,
          epoch: (p?.epoch ?? 0n) + 1n,
        });
      }
      await this.insertPositions([...claimed.values()], writer, now);
      return claimed;
    });
  }

  /** Commits the batch's rows and its new positions in one transaction, if the lake still holds `epochs`. */
  async commit(
    batch: { events: readonly EventRow[]; windows: readonly WindowRow[]; positions: readonly PositionRange[] },
    epochs: ReadonlyMap<string, bigint>,
    writer: string,
    now: number,
  ): Promise<void> {
    await this.stage(batch.events, batch.windows);
    await this.transaction(async () => {
      const current = await this.positions(batch.positions);
      for (const range of batch.positions) {
        const k = positionKey(range.topic, range.partition);
        const lake = current.get(k);
        const epoch = epochs.get(k);
        if (lake === undefined || epoch === undefined || lake.epoch !== epoch || lake.next !== range.start) {
          throw new FencedError(
            `${range.topic}/${range.partition}: the lake has epoch ${lake?.epoch ?? 'none'} at offset ${lake?.next ?? 'none'}, ` +
              `this writer holds epoch ${epoch ?? 'none'} and starts at ${range.start}`,
          );
        }
      }
      // Columns by name: a column added to a table later (schema evolution) stays null in these rows.
      const at = `epoch_ms(${now})::TIMESTAMPTZ`;
      if (batch.events.length > 0) {
        await this.db.run(
          `INSERT INTO ${this.table('events')} (${columns(eventsTable)}) SELECT id, sensor, value, ` +
            `epoch_ms(ts_ms)::TIMESTAMPTZ, kafka_partition, kafka_offset, epoch_ms(kafka_ts_ms)::TIMESTAMPTZ, ${at} ` +
            `FROM memory.main.${STAGE_EVENTS}`,
        );
      }
      if (batch.windows.length > 0) {
        await this.db.run(
          `INSERT INTO ${this.table('windows')} (${columns(windowsTable)}) SELECT sensor, window_seq, avg, count, ` +
            'first_id, last_id, epoch_ms(from_ts_ms)::TIMESTAMPTZ, epoch_ms(to_ts_ms)::TIMESTAMPTZ, ' +
            `epoch_ms(emitted_at_ms)::TIMESTAMPTZ, kafka_partition, kafka_offset, epoch_ms(kafka_ts_ms)::TIMESTAMPTZ, ${at} ` +
            `FROM memory.main.${STAGE_WINDOWS}`,
        );
      }
      await this.insertPositions(
        batch.positions.map((r) => ({
          topic: r.topic,
          partition: r.partition,
          next: r.next,
          epoch: epochs.get(positionKey(r.topic, r.partition)) as bigint,
        })),
        writer,
        now,
      );
    });
  }

  close(): void {
    this.db.closeSync();
    this.instance.closeSync();
  }

  private async stage(events: readonly EventRow[], windows: readonly WindowRow[]): Promise<void> {
    await this.db.run(`DELETE FROM memory.main.${STAGE_EVENTS}`);
    await this.db.run(`DELETE FROM memory.main.${STAGE_WINDOWS}`);
    const ea = await this.db.createAppender(STAGE_EVENTS, 'main', 'memory');
    for (const e of events) {
      ea.appendBigInt(BigInt(e.id));
      ea.appendVarchar(e.sensor);
      ea.appendDouble(e.value);
      ea.appendBigInt(BigInt(e.ts));
      ea.appendInteger(e.partition);
      ea.appendBigInt(e.offset);
      ea.appendBigInt(BigInt(e.timestamp));
      ea.endRow();
    }
    ea.closeSync();
    const wa = await this.db.createAppender(STAGE_WINDOWS, 'main', 'memory');
    for (const w of windows) {
      wa.appendVarchar(w.sensor);
      wa.appendBigInt(BigInt(w.windowSeq));
      wa.appendDouble(w.avg);
      wa.appendInteger(w.count);
      wa.appendBigInt(BigInt(w.firstId));
      wa.appendBigInt(BigInt(w.lastId));
      wa.appendBigInt(BigInt(w.fromTs));
      wa.appendBigInt(BigInt(w.toTs));
      wa.appendBigInt(BigInt(w.emittedAt));
      wa.appendInteger(w.partition);
      wa.appendBigInt(w.offset);
      wa.appendBigInt(BigInt(w.timestamp));
      wa.endRow();
    }
    wa.closeSync();
  }

  private async insertPositions(positions: readonly Position[], writer: string, now: number): Promise<void> {
    if (positions.length === 0) return;
    const values = positions
      .map(
        (p) => `(${literal(p.topic)}, ${p.partition}, ${p.next}, ${p.epoch}, ${literal(writer)}, epoch_ms(${now})::TIMESTAMPTZ)`,
      )
      .join(', ');
    await this.db.run(`INSERT INTO ${this.table('positions')} (${columns(positionsTable)}) VALUES ${values}`);
  }

  private async transaction<T>(body: () => Promise<T>): Promise<T> {
    await this.db.run('BEGIN TRANSACTION');
    let result: T;
    try {
      result = await body();
    } catch (e) {
      await this.db.run('ROLLBACK').catch(() => undefined);
      throw e;
    }
    try {
      await this.db.run('COMMIT');
    } catch (e) {
      await this.db.run('ROLLBACK').catch(() => undefined);
      if (isConflict(e)) throw new CommitConflictError(`the catalog refused the commit: ${(e as Error).message}`);
      throw e;
    }
    return result;
  }
}

export const positionKey = (topic: string, partition: number) => `${topic}/${partition}`;
