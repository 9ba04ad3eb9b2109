import type { Message } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../apps/producer/src/events.ts';
import { dataset, eventMessages, kafkaSuite, produce } from './harness.ts';
import { expectedWindows } from './oracle.ts';

/** Malformed payloads of every kind the processor must dead-letter, with the reason it must give. */
function malformed(random: () => number, n: number): { bytes: Buffer | null; reason: string }[] {
  const garbage = () => Buffer.from(Array.from({ length: 1 + Math.floor(random() * 40) }, () => Math.floor(random() * 256)));
  const makers: (() => { bytes: Buffer | null; reason: string })[] = [
    () => ({ bytes: Buffer.from(`{"id": ${n}, "sensor": "A", "value": 1`), reason: 'invalid-json' }),
    () => ({ bytes: Buffer.concat([Buffer.from('\u0000{'), garbage()]), reason: 'invalid-json' }),
    () => ({ bytes: null, reason: 'invalid-json' }),
    () => ({ bytes: Buffer.from('[1,2,3]'), reason: 'not-an-object' }),
    () => ({ bytes: Buffer.from('"just a string"'), reason: 'not-an-object' }),
    () => ({ bytes: Buffer.from(JSON.stringify({ id: n, sensor: 'A', ts: 1 })), reason: 'missing-field' }),
    () => ({ bytes: Buffer.from(JSON.stringify({ id: n, value: 3, ts: 1 })), reason: 'missing-field' }),
    () => ({ bytes: Buffer.from(JSON.stringify({ id: n, sensor: 'B', value: '12.5', ts: 1 })), reason: 'non-numeric-value' }),
    () => ({ bytes: Buffer.from(JSON.stringify({ id: n, sensor: 'B', value: true, ts: 1 })), reason: 'non-numeric-value' }),
    () => ({ bytes: Buffer.from(`{"id":${n},"sensor":"C","value":1e999,"ts":1}`), reason: 'non-finite-value' }),
    () => ({ bytes: Buffer.from(`{"id":${n},"sensor":"C","value":-1e400,"ts":1}`), reason: 'non-finite-value' }),
    () => ({ bytes: Buffer.from(JSON.stringify({ id: -n, sensor: 'A', value: 1, ts: 1 })), reason: 'invalid-field' }),
    () => ({ bytes: Buffer.from(JSON.stringify({ id: n, sensor: 'A b', value: 1, ts: 1 })), reason: 'invalid-field' }),
  ];
  const make = makers[Math.floor(random() * makers.length)] as () => { bytes: Buffer | null; reason: string };
  return [make()];
}

describe('processor under malformed input', () => {
  const suite = kafkaSuite('single');

  it('dead-letters each of 1,200 malformed payloads with its reason and bytes, stays up and keeps valid windows exact', async () => {
    const fx = await suite.fixture(1);
    const random = mulberry32(99);
    const events = dataset(5, 3_000);
    const valid = eventMessages(events);
    const bad: { bytes: Buffer | null; reason: string; marker: string }[] = [];
    const mixed: Message[] = [];
    let v = 0;
    while (v < valid.length || bad.length < 1_200) {
      if (bad.length < 1_200 && (v >= valid.length || random() < 0.3)) {
        const [m] = malformed(random, bad.length + 1);
        if (!m) continue;
        const marker = `bad-${bad.length}`;
        bad.push({ ...m, marker });
        mixed.push({ key: ['A', 'B', 'C'][bad.length % 3] as string, value: m.bytes, headers: { marker } });
      } else {
        mixed.push(valid[v++] as Message);
      }
    }
    const p = fx.startProcessor('fuzzed');
    await produce(fx.kafka, fx.topics.events, mixed, { chunk: 300, pauseMs: 50 });
    await fx.waitForLag0(60_000);
    expect(p.running).toBe(true);
    expect(await fx.results()).toEqual(expectedWindows(events, 20));

    const letters = await fx.readAll(fx.topics.deadLetter);
    expect(letters).toHaveLength(bad.length);
    const byMarker = new Map(letters.map((m) => [String(m.headers?.marker), m]));
    for (const b of bad) {
      const letter = byMarker.get(b.marker);
      expect(letter, b.marker).toBeDefined();
      expect(String(letter?.headers?.['dlq.reason']), b.marker).toBe(b.reason);
      expect(letter?.value === null ? null : Buffer.from(letter?.value ?? '')).toEqual(b.bytes);
    }
    expect(await p.terminate()).toBe(0);
  });
});
