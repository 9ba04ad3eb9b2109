import type { StratusConfig } from '@stratus/config';
import { podsOf } from './deploy.ts';
import type { Kubectl } from './kubectl.ts';
import { isReady } from './objects.ts';

export class KafkaToolsError extends Error {
  override readonly name = 'KafkaToolsError';
}

/** One row of the KRaft quorum's replication status. */
export interface QuorumVoter {
  readonly nodeId: number;
  readonly lag: number;
  readonly status: string;
}

/**
 * Kafka's own command-line tools, run with `kubectl exec` in a Ready broker pod of the apache/kafka image: nothing
 * outside the cluster needs a route to the brokers, whose advertised addresses are cluster DNS names.
 */
export class KafkaTools {
  private readonly namespace: string;
  private readonly service: string;
  private readonly bootstrap: string;

  constructor(
    private readonly kubectl: Kubectl,
    config: StratusConfig,
  ) {
    this.namespace = config.stream.namespace;
    this.service = config.stream.kafka.service;
    this.bootstrap = `localhost:${config.stream.kafka.port}`;
  }

  /** A Ready broker pod, other than `avoid` when there is a choice. */
  async broker(avoid?: string): Promise<string> {
    const ready = (await podsOf(this.kubectl, this.namespace, this.service)).filter(isReady).map((p) => p.metadata.name);
    const pick = ready.find((name) => name !== avoid) ?? ready[0];
    if (!pick) throw new KafkaToolsError(`no Ready ${this.service} pod in ${this.namespace}`);
    return pick;
  }

  /** Runs `/opt/kafka/bin/<tool> --bootstrap-server localhost:PORT ARGS` with a small heap beside the broker's. */
  async tool(tool: string, args: readonly string[], options: { broker?: string; timeoutMs?: number } = {}) {
    const pod = options.broker ?? (await this.broker());
    const argv = [
      'env',
      'KAFKA_HEAP_OPTS=-Xmx192m',
      'KAFKA_JMX_OPTS=',
      `/opt/kafka/bin/${tool}`,
      '--bootstrap-server',
      this.bootstrap,
    ];
    return this.kubectl.exec(this.namespace, pod, 'kafka', [...argv, ...args], options.timeoutMs ?? 180_000);
  }

  private async ok(tool: string, args: readonly string[], broker?: string): Promise<string> {
    const result = await this.tool(tool, args, { broker });
    if (result.code !== 0) throw new KafkaToolsError(`${tool} ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    return result.stdout;
  }

  /** The first and next offsets of each partition of a topic. */
  async offsets(topic: string): Promise<{ partition: number; start: number; end: number }[]> {
    const read = async (time: string) => {
      const out = await this.ok('kafka-get-offsets.sh', ['--topic', topic, '--time', time]);
      return new Map(
        out
          .trim()
          .split('\n')
          .map((line) => line.split(':'))
          .filter((f) => f.length === 3 && f[0] === topic)
          .map((f) => [Number(f[1]), Number(f[2])] as const),
      );
    };
    const [start, end] = await Promise.all([read('-2'), read('-1')]);
    return [...end.entries()]
      .sort(([a], [b]) => a - b)
      .map(([partition, e]) => ({ partition, start: start.get(partition) ?? 0, end: e }));
  }

  /**
   * Every committed record value of a topic, read with `read_committed` by a fresh console consumer: until
   * `expected` records when that is known, else until the topic stays quiet for `quietMs`.
   */
  async readCommitted(topic: string, options: { expected?: number; quietMs?: number } = {}): Promise<string[]> {
    const args = ['--topic', topic, '--from-beginning', '--isolation-level', 'read_committed'];
    if (options.expected !== undefined) args.push('--max-messages', String(options.expected), '--timeout-ms', '60000');
    else args.push('--timeout-ms', String(options.quietMs ?? 15_000));
    if (options.expected === 0) return [];
    const result = await this.tool('kafka-console-consumer.sh', args, { timeoutMs: 300_000 });
    const total = /Processed a total of (\d+) messages/.exec(result.stderr)?.[1];
    const values = result.stdout.split('\n').filter((line) => line !== '');
    if (total === undefined || Number(total) !== values.length) {
      throw new KafkaToolsError(`kafka-console-consumer.sh on ${topic} exited ${result.code}: ${result.stderr.slice(-2_000)}`);
    }
    if (options.expected !== undefined && values.length !== options.expected) {
      throw new KafkaToolsError(`read ${values.length} records of ${topic}, expected ${options.expected}`);
    }
    return values;
  }

  /** Records of `topic` not yet committed by `group`; a partition the group never committed counts whole. */
  async lag(group: string, topic: string): Promise<number> {
    const result = await this.tool('kafka-consumer-groups.sh', ['--describe', '--group', group]);
    if (result.code !== 0)
      throw new KafkaToolsError(`kafka-consumer-groups.sh --describe exited ${result.code}: ${result.stderr}`);
    const lines = result.stdout.split('\n').map((l) => l.trim().split(/\s+/));
    const header = lines.find((f) => f.includes('LAG') && f.includes('TOPIC'));
    if (!header) throw new KafkaToolsError(`no consumer group table for ${group}: ${result.stdout}${result.stderr}`);
    const [topicAt, currentAt, endAt] = ['TOPIC', 'CURRENT-OFFSET', 'LOG-END-OFFSET'].map((h) => header.indexOf(h)) as [
      number,
      number,
      number,
    ];
    const rows = lines.filter((f) => f[topicAt] === topic && f !== header);
    if (rows.length === 0) throw new KafkaToolsError(`group ${group} has no offsets for ${topic}: ${result.stdout}`);
    return rows.reduce((sum, f) => {
      const end = Number(f[endAt]);
      const current = f[currentAt] === '-' ? 0 : Number(f[currentAt]);
      return sum + end - current;
    }, 0);
  }

  /** The KRaft quorum: its voters by id, the leader, and each voter's replication status. */
  async quorum(): Promise<{ leaderId: number; voters: number[]; replication: QuorumVoter[] }> {
    const status = await this.ok('kafka-metadata-quorum.sh', ['describe', '--status']);
    const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1]?.trim() ?? '';
    const votersText = field('CurrentVoters');
    const voters = (
      votersText.includes('"id"') ? [...votersText.matchAll(/"id":\s*(\d+)/g)].map((m) => m[1]) : (votersText.match(/\d+/g) ?? [])
    )
      .map(Number)
      .sort((a, b) => a - b);
    const replicationOut = await this.ok('kafka-metadata-quorum.sh', ['describe', '--replication']);
    const rows = replicationOut
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => /^\d+$/.test(f[0] ?? '') && /Leader|Follower|Observer/.test(f[f.length - 1] ?? ''));
    const header =
      replicationOut
        .split('\n')
        .find((l) => l.trim().startsWith('NodeId'))
        ?.trim()
        .split(/\s+/) ?? [];
    const lagAt = header.indexOf('Lag');
    return {
      leaderId: Number(field('LeaderId')),
      voters,
      replication: rows.map((f) => ({ nodeId: Number(f[0]), lag: Number(f[lagAt]), status: f[f.length - 1] ?? '' })),
    };
  }

  /** Sets (`value`) or removes (`undefined`) one dynamic config of a topic. */
  async topicConfig(topic: string, key: string, value: string | undefined): Promise<void> {
    const change = value === undefined ? ['--delete-config', key] : ['--add-config', `${key}=${value}`];
    await this.ok('kafka-configs.sh', ['--alter', '--entity-type', 'topics', '--entity-name', topic, ...change]);
  }
}
