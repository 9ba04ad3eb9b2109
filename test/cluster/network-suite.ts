import { describe, expect, it } from 'vitest';
import { type DeployedCluster, podsOf } from './deploy.ts';
import { isReady, type Pod } from './objects.ts';

/** A TCP connect from inside a pod: `open`, or how it failed (`timeout`, `ECONNREFUSED`, ...). */
type Outcome = string;

const nodeConnect = (ip: string, port: number) =>
  `const s=require('net').connect(${port},'${ip}');s.setTimeout(5000);` +
  `s.on('connect',()=>{console.log('open');process.exit(0)});` +
  `s.on('timeout',()=>{console.log('timeout');process.exit(0)});` +
  `s.on('error',(e)=>{console.log(e.code);process.exit(0)})`;

const bashConnect = (ip: string, port: number) =>
  `if timeout 5 bash -c 'exec 3<>/dev/tcp/${ip}/${port}' 2>/dev/null; then echo open; else echo "closed $?"; fi`;

async function readyPod(cluster: DeployedCluster, namespace: string, name: string): Promise<Pod & { status: { podIP: string } }> {
  const pod = (await podsOf(cluster.kubectl, namespace, name)).find(isReady);
  if (!pod?.status.podIP) throw new Error(`no Ready ${name} pod with an IP in ${namespace}`);
  return pod as Pod & { status: { podIP: string } };
}

export function networkSuite(cluster: () => DeployedCluster): void {
  describe('NetworkPolicies', () => {
    const fromBackend = async (ip: string, port: number): Promise<Outcome> => {
      const c = cluster();
      const backend = await readyPod(c, c.config.todo.namespace, c.config.todo.backend.service);
      const out = await c.kubectl.exec(c.config.todo.namespace, backend.metadata.name, c.config.todo.backend.service, [
        'node',
        '-e',
        nodeConnect(ip, port),
      ]);
      expect(out.code, out.stderr).toBe(0);
      return out.stdout.trim();
    };
    const fromKafka = async (pod: string, ip: string, port: number): Promise<Outcome> => {
      const c = cluster();
      const out = await c.kubectl.exec(c.config.stream.namespace, pod, 'kafka', ['bash', '-c', bashConnect(ip, port)]);
      expect(out.code, out.stderr).toBe(0);
      return out.stdout.trim();
    };

    it('let the backend reach the database, and the brokers each other', async () => {
      const c = cluster();
      const database = await readyPod(c, c.config.todo.namespace, c.config.todo.database.service);
      expect(await fromBackend(database.status.podIP, c.config.todo.database.port)).toBe('open');
      const [a, b] = (await podsOf(c.kubectl, c.config.stream.namespace, c.config.stream.kafka.service)).filter(isReady);
      if (!a || !b?.status.podIP) throw new Error('fewer than two Ready brokers');
      expect(await fromKafka(a.metadata.name, b.status.podIP, c.config.stream.kafka.port)).toBe('open');
    });

    it('refuse the Kafka namespace the todo database, and the backend the brokers', async () => {
      const c = cluster();
      const database = await readyPod(c, c.config.todo.namespace, c.config.todo.database.service);
      const broker = await readyPod(c, c.config.stream.namespace, c.config.stream.kafka.service);
      expect(await fromKafka(broker.metadata.name, database.status.podIP, c.config.todo.database.port)).not.toBe('open');
      expect(await fromBackend(broker.status.podIP, c.config.stream.kafka.port)).not.toBe('open');
    });
  });
}
