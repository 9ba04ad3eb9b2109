import { describe, expect, it } from 'vitest';
import { type ExpectedWindow, expectedWindows, type OracleEvent, sortWindows } from '../stream/oracle.ts';
import { type DeployedCluster, podsOf, sleep, waitForWorkloads } from './deploy.ts';
import { KafkaTools } from './kafka-tools.ts';
import { isReady, type Pod } from './objects.ts';

const PRODUCER = 'producer';
const PROCESSOR = 'processor';

/** The producer Deployment scaled, and waited for: at 0 its pod has flushed and exited, at 1 it is Ready. */
export async function scaleProducer(c: DeployedCluster, replicas: 0 | 1): Promise<void> {
  const ns = c.config.stream.namespace;
  await c.kubectl.ok(['-n', ns, 'scale', `deployment/${PRODUCER}`, `--replicas=${replicas}`]);
  if (replicas === 1) {
    await waitForWorkloads(c.kubectl, [ns], 300_000);
    return;
  }
  await expect.poll(async () => (await podsOf(c.kubectl, ns, PRODUCER)).length, { timeout: 120_000, interval: 1_000 }).toBe(0);
}

/** Polls the processor group's lag on `events` until it is 0. */
export async function drained(c: DeployedCluster, kafka: KafkaTools, timeoutMs: number): Promise<void> {
  const { stream } = c.config;
  await expect
    .poll(() => kafka.lag(stream.consumerGroup, stream.topics.events.name).catch((e: Error) => e.message), {
      timeout: timeoutMs,
      interval: 3_000,
    })
    .toBe(0);
}

/** Every event in `events` and every committed window in `results`, and what the oracle says the windows must be. */
async function compareWithOracle(c: DeployedCluster, kafka: KafkaTools) {
  const { stream } = c.config;
  const offsets = await kafka.offsets(stream.topics.events.name);
  const count = offsets.reduce((s, o) => s + o.end - o.start, 0);
  const events = (await kafka.readCommitted(stream.topics.events.name, { expected: count })).map(
    (v) => JSON.parse(v) as OracleEvent,
  );
  const expected = expectedWindows(events, stream.windowSize);
  const read = async (quietMs: number) =>
    sortWindows(
      (await kafka.readCommitted(stream.topics.results.name, { quietMs })).map((v) => {
        const { emittedAt: _emittedAt, ...window } = JSON.parse(v) as ExpectedWindow & { emittedAt: number };
        return window;
      }),
    );
  // A console consumer stops after quietMs without a record; on a loaded node the first fetch can take that long.
  let results = await read(20_000);
  if (results.length < expected.length) results = await read(90_000);
  return { events, results, expected };
}

/** The difference of two window lists by key, for a readable failure. */
function difference(results: readonly ExpectedWindow[], expected: readonly ExpectedWindow[]) {
  const key = (w: ExpectedWindow) => `${w.sensor}#${w.window}`;
  const want = new Map(expected.map((w) => [key(w), JSON.stringify(w)]));
  const seen = new Map<string, number>();
  for (const w of results) seen.set(key(w), (seen.get(key(w)) ?? 0) + 1);
  return {
    missing: [...want.keys()].filter((k) => !seen.has(k)).slice(0, 20),
    twice: [...seen]
      .filter(([, n]) => n > 1)
      .map(([k]) => k)
      .slice(0, 20),
    unexpected: results
      .filter((w) => want.get(key(w)) !== JSON.stringify(w))
      .map(key)
      .slice(0, 20),
  };
}

/**
 * A `max.message.bytes` that refuses a window's record batch (over 200 bytes) but takes a transaction marker (a
 * 78-byte control batch). A limit below the marker would wedge Kafka itself: its transaction coordinator treats a
 * refused marker as fatal and leaves the transaction in PrepareAbort until the coordinator moves, so the partition's
 * last stable offset stops and no new producer of that transactional id can start (seen with a limit of 1).
 */
const REFUSES_WINDOWS = 128;

const restarts = (pods: readonly Pod[]) =>
  new Map(pods.map((p) => [p.metadata.name, p.status.containerStatuses?.reduce((s, c) => s + c.restartCount, 0) ?? 0]));

export function streamSuite(cluster: () => DeployedCluster): void {
  describe('the stream pipeline', () => {
    it(
      'writes to results exactly the oracle windows of what the producer pod sent, while a processor pod and a broker pod are deleted',
      async () => {
        const c = cluster();
        const { stream } = c.config;
        const ns = stream.namespace;
        const kafka = new KafkaTools(c.kubectl, c.config);
        await scaleProducer(c, 1);

        const resultsEnd = async () => (await kafka.offsets(stream.topics.results.name)).reduce((s, o) => s + o.end, 0);
        const startResults = await resultsEnd();
        await expect.poll(resultsEnd, { timeout: 180_000, interval: 5_000 }).toBeGreaterThan(startResults);

        const processor = (await podsOf(c.kubectl, ns, PROCESSOR)).find(isReady);
        if (!processor) throw new Error('no Ready processor pod');
        console.info(`deleting processor pod ${processor.metadata.name}`);
        await c.kubectl.ok(['-n', ns, 'delete', 'pod', processor.metadata.name, '--grace-period=1', '--wait=false']);
        await sleep(10_000);
        const broker = `${stream.kafka.service}-${stream.kafka.brokers - 1}`;
        console.info(`deleting broker pod ${broker}`);
        await c.kubectl.ok(['-n', ns, 'delete', 'pod', broker, '--wait=false']);
        await sleep(15_000);
        await waitForWorkloads(c.kubectl, [ns], 600_000);
        await sleep(15_000);

        await scaleProducer(c, 0);
        await drained(c, kafka, 300_000);
        const { events, results, expected } = await compareWithOracle(c, kafka);
        console.info(
          `${events.length} events in ${stream.topics.events.name}, ${results.length} windows in ${stream.topics.results.name}`,
        );
        expect(difference(results, expected)).toEqual({ missing: [], twice: [], unexpected: [] });
        expect(results).toEqual(expected);
        expect(expected.length).toBeGreaterThan(10);
        await scaleProducer(c, 1);
      },
      25 * 60_000,
    );

    it(
      'has Kubernetes restart a processor whose consumer died for good (results refuse every batch), and stays exactly once',
      async () => {
        const c = cluster();
        const { stream } = c.config;
        const ns = stream.namespace;
        const kafka = new KafkaTools(c.kubectl, c.config);
        await scaleProducer(c, 1);
        await waitForWorkloads(c.kubectl, [ns], 300_000);
        const before = restarts(await podsOf(c.kubectl, ns, PROCESSOR));
        const total = (m: Map<string, number>) => [...m.values()].reduce((s, n) => s + n, 0);

        // Every transaction that carries a window now fails with MESSAGE_TOO_LARGE, which kafkajs does not retry.
        await kafka.topicConfig(stream.topics.results.name, 'max.message.bytes', String(REFUSES_WINDOWS));
        try {
          await expect
            .poll(
              async () => {
                const now = restarts(await podsOf(c.kubectl, ns, PROCESSOR));
                return [...now].filter(([name, n]) => before.has(name) && n > (before.get(name) ?? 0)).length;
              },
              { timeout: 300_000, interval: 5_000 },
            )
            .toBeGreaterThan(0);
        } finally {
          await kafka.topicConfig(stream.topics.results.name, 'max.message.bytes', undefined);
        }
        const pods = await podsOf(c.kubectl, ns, PROCESSOR);
        for (const pod of pods) {
          const status = pod.status.containerStatuses?.[0];
          const last = status?.lastState?.terminated;
          if (last)
            console.info(`${pod.metadata.name}: restarted ${status?.restartCount}, last exit ${last.exitCode} (${last.reason})`);
        }
        expect(total(restarts(pods))).toBeGreaterThan(total(before));

        await waitForWorkloads(c.kubectl, [ns], 600_000);
        await scaleProducer(c, 0);
        await drained(c, kafka, 300_000);
        const { results, expected } = await compareWithOracle(c, kafka);
        expect(difference(results, expected)).toEqual({ missing: [], twice: [], unexpected: [] });
        await scaleProducer(c, 1);
      },
      25 * 60_000,
    );
  });
}
