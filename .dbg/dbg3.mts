import { StreamFixture, dataset, eventMessages, produce, sleep } from '/work/wt/stream/test/stream/harness.ts';
const fx = new StreamFixture(process.env.KAFKA_BROKERS!, 1);
await fx.createTopics();
const events = dataset(11, 6_000, ['A', 'B', 'C', 'D', 'E', 'F']);
const first = fx.startProcessor('first');
const second = fx.startProcessor('second');
await produce(fx.kafka, fx.topics.events, eventMessages(events), { chunk: 200, pauseMs: 100, between: async (sent) => {
  if (sent === 4_000) { await first.started; console.log('first exit', await first.terminate()); }
}});
for (let i = 0; i < 20 && (await fx.lag()) > 0; i++) await sleep(1000);
console.log('lag', await fx.lag());
if (await fx.lag() > 0) console.log(fx.logs(80));
await second.terminate();
process.exit(0);
