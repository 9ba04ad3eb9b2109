import { StreamFixture, dataset, eventMessages, produce, sleep } from '/work/wt/stream/test/stream/harness.ts';
const fx = new StreamFixture(process.env.KAFKA_BROKERS!, 1);
await fx.createTopics();
const events = dataset(11, 6_000, ['A', 'B', 'C', 'D', 'E', 'F']);
const first = fx.startProcessor('first');
let second: any;
await produce(fx.kafka, fx.topics.events, eventMessages(events), { chunk: 200, pauseMs: 100, between: async (sent) => {
  if (sent === 2_000) second = fx.startProcessor('second');
  if (sent === 4_000) { await first.started; console.log('first exit', await first.terminate()); }
}});
await sleep(20000);
console.log('lag', await fx.lag());
console.log('FIRST', first.log.split('\n').map(l=>l.slice(0,500)).filter(l => !l.includes('partitioner')).join('\n'));
console.log('SECOND', second.log.split('\n').map((l: string)=>l.slice(0,500)).filter((l: string) => !l.includes('partitioner')).join('\n'));
await second.terminate();
process.exit(0);
