import { describe, expect, it } from 'vitest';
import { Batch, BatchError } from './batch.ts';
import { parseEventRow } from './rows.ts';

const source = (offset: number) => ({ partition: 0, offset: BigInt(offset), timestamp: 1_000 });
const event = (id: number) => Buffer.from(JSON.stringify({ id, sensor: 'A', value: 1.5, ts: 5 }));

describe('Batch', () => {
  it('covers the offsets from the lake position to the last message read, rejected ones included', () => {
    const batch = new Batch();
    batch.consume('events', 0, 10n, 10n, 0);
    expect(batch.addEvent(parseEventRow(event(1), source(10)))).toBeUndefined();
    batch.consume('events', 0, 12n, 10n, 0);
    expect(batch.addEvent(parseEventRow(Buffer.from('{'), source(12)))).toBe('invalid-json');
    batch.consume('results', 2, 7n, 3n, 0);
    expect(batch.positions()).toEqual([
      { topic: 'events', partition: 0, start: 10n, next: 13n },
      { topic: 'results', partition: 2, start: 3n, next: 8n },
    ]);
    expect(batch.events).toHaveLength(1);
    expect(batch.messages).toBe(3);
  });

  it('passes the offsets a read_committed consumer never sees, without counting messages', () => {
    const batch = new Batch();
    batch.pass('results', 0, 4n, 4n, 0);
    expect(batch.empty).toBe(true);
    batch.consume('results', 0, 4n, 4n, 0);
    batch.pass('results', 0, 6n, 4n, 0);
    batch.pass('results', 0, 5n, 4n, 0);
    batch.pass('results', 1, 3n, 1n, 0);
    expect(batch.positions()).toEqual([
      { topic: 'results', partition: 0, start: 4n, next: 6n },
      { topic: 'results', partition: 1, start: 1n, next: 3n },
    ]);
    expect(batch.messages).toBe(1);
  });

  it('refuses an offset it has already covered', () => {
    const batch = new Batch();
    batch.consume('events', 0, 5n, 5n, 0);
    expect(() => batch.consume('events', 0, 5n, 5n, 0)).toThrow(BatchError);
    expect(() => new Batch().consume('events', 0, 4n, 5n, 0)).toThrow(/below the batch's next offset 5/);
  });

  it('is due by size or when its oldest message has waited the interval', () => {
    const batch = new Batch();
    expect(batch.due(0, 1, 1)).toBe(false);
    expect(batch.dueIn(0, 100)).toBeUndefined();
    batch.consume('events', 0, 0n, 0n, 1_000);
    batch.consume('events', 0, 1n, 0n, 1_050);
    expect(batch.due(1_099, 3, 100)).toBe(false);
    expect(batch.dueIn(1_050, 100)).toBe(50);
    expect(batch.due(1_100, 3, 100)).toBe(true);
    expect(batch.due(1_001, 2, 100)).toBe(true);
  });
});
