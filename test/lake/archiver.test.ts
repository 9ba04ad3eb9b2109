import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Message } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProcessorProcess } from '../stream/harness.ts';
import { dataset, eventMessages, produce, sleep } from '../stream/harness.ts';
import { type ArchiverHandle, LakeFixture, type LakeRig, lakeRig, metric, waitFor } from './harness.ts';
import { duplicateSources, eventRows, expectedEventRows, expectedWindowRows, windowRows } from './oracle.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('archiver into the Iceberg lake', () => {
  let rigs: LakeRig;
  const running: ProcessorProcess[] = [];
  const track = <T extends ProcessorProcess | ArchiverHandle>(p: T): T => {
    running.push('process' in p ? p.process : p);
    return p;
  };

  beforeAll(async () => {
    rigs = await lakeRig();
  });

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') {
      for (const p of running) process.stderr.write(`--- ${p.name} (last output)\n${p.log.slice(-6_000)}\n`);
    }
    await Promise.all(running.filter((p) => p.running).map((p) => p.crash()));
    running.length = 0;
  });

  afterAll(async () => {
    await Promise.all(running.filter((p) => p.running).map((p) => p.crash()));
  });

  /** Reads both tables with PyIceberg and checks them against the oracle of the valid events. */
  async function expectExactlyOnce(fx: LakeFixture, events: ReturnType<typeof dataset>) {
    const tables = await fx.readTables('events', 'windows');
    const lakeEvents = tables.events;
    const lakeWindows = tables.windows;
    if (!lakeEvents || !lakeWindows) throw new Error('PyIceberg did not return both tables');
    expect(duplicateSources(lakeEvents)).toEqual([]);
    expect(duplicateSources(lakeWindows)).toEqual([]);
    expect(eventRows(lakeEvents)).toEqual(expectedEventRows(events));
    expect(windowRows(lakeWindows)).toEqual(expectedWindowRows(events, 20));
    return tables;
  }

  it('holds every event and every window once, as PyIceberg reads them, and keeps bad data out without stopping', async () => {
    const fx = new LakeFixture(rigs);
    await fx.stream.createTopics();
    track(fx.stream.startProcessor('processor'));
    const archiver = track(await fx.startArchiver('archiver'));
    const events = dataset(21, 4_000);
    const bad: Message[] = [
      { key: 'A', value: '{"id": 1, "sensor": "A", "value": 1' },
      { key: 'B', value: JSON.stringify({ id: 2, sensor: 'B', ts: 1 }) },
      { key: 'C', value: JSON.stringify({ id: 3, sensor: 'C', value: 'high', ts: 1 }) },
    ];
    const messages = eventMessages(events);
    messages.splice(1_000, 0, bad[0] as Message);
    messages.splice(2_000, 0, bad[1] as Message);
    messages.splice(3_000, 0, bad[2] as Message);
    await produce(fx.stream.kafka, fx.stream.topics.events, messages, { chunk: 250, pauseMs: 50 });
    await produce(fx.stream.kafka, fx.stream.topics.results, [
      { key: 'A', value: 'not json at all' },
      { key: 'B', value: JSON.stringify({ sensor: 'B', average: 50, count: 20, window: 1 }) },
    ]);
    await fx.waitProcessed(120_000);
    await fx.waitArchived(120_000);

    const tables = await expectExactlyOnce(fx, events);
    expect(tables.events?.format_version).toBe(2);
    expect(tables.events?.partition).toEqual([
      { source: 'sensor', transform: 'identity' },
      { source: 'ts', transform: 'day' },
    ]);
    expect(tables.windows?.partition).toEqual([
      { source: 'sensor', transform: 'identity' },
      { source: 'to_ts', transform: 'day' },
    ]);
    expect(await metric(archiver.metricsPort, 'archiver_rejected_total', { topic: fx.stream.topics.events })).toBe(3);
    expect(await metric(archiver.metricsPort, 'archiver_rejected_total', { topic: fx.stream.topics.results })).toBe(2);
    expect(await metric(archiver.metricsPort, 'archiver_rows_total', { table: 'events' })).toBe(events.length);
    expect((await fetch(`http://127.0.0.1:${archiver.metricsPort}/healthz`)).status).toBe(200);
    expect(await archiver.process.terminate()).toBe(0);
  }, 300_000);

  it('stays exactly once through kill -9 of the archiver three times mid-stream, even when Kafka forgets its offsets', async () => {
    const fx = new LakeFixture(rigs);
    await fx.stream.createTopics();
    track(fx.stream.startProcessor('processor'));
    const env = { FLUSH_ROWS: '600', FLUSH_INTERVAL_MS: '400' };
    let archiver = track(await fx.startArchiver('crashy-0', env));
    const events = dataset(22, 6_000);
    let crashes = 0;
    await produce(fx.stream.kafka, fx.stream.topics.events, eventMessages(events), {
      chunk: 200,
      pauseMs: 150,
      between: async (sent) => {
        if (sent % 1_600 === 0 && crashes < 3) {
          // Only once this archiver has committed: a kill before that would test nothing.
          const committed = async () => (await metric(archiver.metricsPort, 'archiver_commits_total', { outcome: 'ok' })) >= 1;
          expect(await waitFor(committed, 60_000)).toBe(true);
          await sleep(170 * crashes);
          await archiver.process.crash();
          crashes += 1;
          if (crashes === 2) await fx.forgetKafkaOffsets();
          archiver = track(await fx.startArchiver(`crashy-${crashes}`, env));
        }
      },
    });
    expect(crashes).toBe(3);
    await fx.waitProcessed(120_000);
    await fx.waitArchived(180_000);
    await expectExactlyOnce(fx, events);
    const positions = (await fx.readTables('archiver_positions')).archiver_positions?.rows ?? [];
    expect(new Set(positions.map((p) => p.writer)).size).toBe(4);
    expect(await archiver.process.terminate()).toBe(0);
  }, 400_000);

  it('refuses the commit of a zombie archiver that another one has replaced, and duplicates nothing', async () => {
    const fx = new LakeFixture(rigs);
    await fx.stream.createTopics();
    track(fx.stream.startProcessor('processor'));
    const events = dataset(23, 3_000);
    const messages = eventMessages(events);
    const zombie = track(await fx.startArchiver('zombie', { FLUSH_INTERVAL_MS: '10000', FLUSH_ROWS: '1000000' }));
    await produce(fx.stream.kafka, fx.stream.topics.events, messages.slice(0, 1_000));
    const deadline = Date.now() + 60_000;
    while ((await metric(zombie.metricsPort, 'archiver_batch_messages').catch(() => 0)) < 1_000 && Date.now() < deadline) {
      await sleep(100);
    }
    const readAt = Date.now();
    expect(await metric(zombie.metricsPort, 'archiver_commits_total', { outcome: 'ok' })).toBe(0);
    // Frozen with a batch it has read but not committed; its session expires and the group moves on without it.
    zombie.process.child.kill('SIGSTOP');
    const successor = track(await fx.startArchiver('successor'));
    await produce(fx.stream.kafka, fx.stream.topics.events, messages.slice(1_000));
    await fx.waitProcessed(120_000);
    await fx.waitArchived(120_000);
    // Thawed once its batch is overdue, it flushes the stale batch at once: the lake refuses it, since the successor holds a newer epoch.
    await sleep(Math.max(0, readAt + 10_500 - Date.now()));
    zombie.process.child.kill('SIGCONT');
    const thawed = Date.now() + 30_000;
    while (!/commit refused|FencedError/.test(zombie.process.log) && Date.now() < thawed) await sleep(250);
    await sleep(2_000);
    await expectExactlyOnce(fx, events);
    expect(zombie.process.log).toMatch(/commit refused|FencedError/);
    expect(successor.process.running).toBe(true);
    expect(await successor.process.terminate()).toBe(0);
  }, 300_000);

  it('takes a new column without a rewrite: old files stay, old rows read it as null, the archiver writes on', async () => {
    const fx = new LakeFixture(rigs);
    await fx.stream.createTopics();
    track(fx.stream.startProcessor('processor'));
    track(await fx.startArchiver('archiver'));
    const events = dataset(24, 2_000);
    const messages = eventMessages(events);
    await produce(fx.stream.kafka, fx.stream.topics.events, messages.slice(0, 1_000));
    await fx.waitProcessed(120_000);
    await fx.waitArchived(120_000);
    const before = (await fx.readTables('events')).events;
    await fx.sql(`ALTER TABLE lake."${fx.namespace}".events ADD COLUMN unit VARCHAR`);
    await produce(fx.stream.kafka, fx.stream.topics.events, messages.slice(1_000));
    await fx.waitProcessed(120_000);
    await fx.waitArchived(120_000);
    const tables = await expectExactlyOnce(fx, events);
    const after = tables.events;
    expect(after?.schema.at(-1)).toEqual({ id: 9, name: 'unit', type: 'string', required: false });
    expect(new Set(after?.rows.map((r) => r.unit))).toEqual(new Set([null]));
    expect(after?.files).toEqual(expect.arrayContaining(before?.files ?? ['none']));
    expect((after?.files.length ?? 0) > (before?.files.length ?? 0)).toBe(true);
  }, 300_000);

  it('says it is unhealthy while the lake refuses commits, then exits non-zero (crash-only)', async () => {
    const state = mkdtempSync(join(tmpdir(), 'stratus-lake-down-'));
    const seaweedfs = (verb: string) =>
      execFileSync('bash', ['scripts/rig/seaweedfs.sh', verb], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, STRATUS_RIG_STATE: state },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
    try {
      const lake = Object.fromEntries(
        seaweedfs('start')
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      const fx = new LakeFixture({ ...rigs, lake });
      await fx.stream.createTopics();
      const archiver = track(await fx.startArchiver('archiver', { COMMIT_RETRY_MS: '8000', FLUSH_INTERVAL_MS: '300' }));
      await produce(fx.stream.kafka, fx.stream.topics.events, eventMessages(dataset(25, 100)));
      await fx.waitArchived(120_000);
      const health = async () => (await fetch(`http://127.0.0.1:${archiver.metricsPort}/healthz`)).status;
      expect(await health()).toBe(200);
      seaweedfs('stop');
      await produce(fx.stream.kafka, fx.stream.topics.events, eventMessages(dataset(25, 100, ['A', 'B', 'C'], 101)));
      expect(await waitFor(async () => (await health()) === 503, 60_000)).toBe(true);
      expect(await archiver.process.exited).toBe(1);
      expect(archiver.process.log).toMatch(/archiver giving up/);
    } finally {
      seaweedfs('stop');
      rmSync(state, { recursive: true, force: true });
    }
  }, 300_000);
});
