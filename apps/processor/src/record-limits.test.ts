import type { Message } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { BATCH_OVERHEAD, fitDeadLetter, recordBytes, splitRequests, type TopicLimits } from './record-limits.ts';

const limits = (bytes: number): TopicLimits => ({
  brokerMaxMessageBytes: bytes,
  topics: new Map([
    ['t', bytes],
    ['u', bytes],
  ]),
});
const msg = (partition: number, size: number, i = 0): Message => ({ partition, key: `k${i}`, value: Buffer.alloc(size, 1) });

describe('splitRequests', () => {
  it('keeps everything in one request when it fits', () => {
    const out = splitRequests(limits(10_000), [
      { topic: 't', messages: [msg(0, 100), msg(1, 100)] },
      { topic: 'u', messages: [msg(0, 10)] },
    ]);
    expect(out).toHaveLength(1);
    expect(out[0]?.map((t) => t.messages.length)).toEqual([2, 1]);
  });

  it('cuts each partition batch below the limit and keeps the order per partition', () => {
    const messages = Array.from({ length: 300 }, (_, i) => msg(i % 2, 90 + (i % 7), i));
    const requests = splitRequests(limits(2_000), [{ topic: 't', messages }]);
    expect(requests.length).toBeGreaterThan(10);
    for (const request of requests) {
      for (const { messages: ms } of request) {
        for (const p of [0, 1]) {
          const bytes = ms.filter((m) => m.partition === p).reduce((s, m) => s + recordBytes(m), 0);
          expect(bytes + BATCH_OVERHEAD).toBeLessThanOrEqual(2_000);
        }
      }
    }
    const flat = requests.flatMap((r) => r.flatMap((t) => t.messages));
    for (const p of [0, 1]) expect(flat.filter((m) => m.partition === p)).toEqual(messages.filter((m) => m.partition === p));
  });

  it('refuses a record above the limit and a message without partition', () => {
    expect(() => splitRequests(limits(1_000), [{ topic: 't', messages: [msg(0, 2_000)] }])).toThrow(/does not fit/);
    expect(() => splitRequests(limits(1_000), [{ topic: 't', messages: [{ value: 'x' }] }])).toThrow(/no partition/);
  });
});

describe('fitDeadLetter', () => {
  const dlq = { 'dlq.reason': 'invalid-json', 'dlq.offset': '7' };

  it('keeps a letter that fits as it is, with the dlq headers', () => {
    const m: Message = { key: 'A', value: 'xyz', headers: { marker: '1' } };
    expect(fitDeadLetter(m, dlq, 1_000)).toEqual({ key: 'A', value: 'xyz', headers: { marker: '1', ...dlq } });
  });

  it('truncates a letter that cannot fit and says how long the value was', () => {
    const m: Message = { key: Buffer.alloc(5_000, 2), value: Buffer.alloc(50_000, 3), headers: { big: Buffer.alloc(3_000) } };
    const fitted = fitDeadLetter(m, dlq, 10_000);
    expect(recordBytes(fitted)).toBeLessThanOrEqual(10_000);
    expect(fitted.headers).toEqual({ ...dlq, 'dlq.truncated': '50000' });
    expect((fitted.key as Buffer).length).toBe(1_024);
    expect((fitted.value as Buffer).length).toBeGreaterThan(8_000);
    expect(Buffer.compare(fitted.value as Buffer, Buffer.alloc((fitted.value as Buffer).length, 3))).toBe(0);
  });
});
