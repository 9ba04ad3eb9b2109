import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { isSensorName, murmur2, sensorPartition, sensorPartitioner } from './sensor.ts';

describe('sensor names', () => {
  it('is one rule: the config schema rejects exactly the names the workers reject', () => {
    for (const name of ['A', 'room-1.temp', 'x_y', 'a'.repeat(64), 'a'.repeat(65), '', 'a b', '@position', 'é']) {
      const schema = (() => {
        try {
          loadConfig({ env: {}, overrides: { stream: { producer: { sensors: [name] } } } });
          return true;
        } catch {
          return false;
        }
      })();
      expect(schema, name).toBe(isSensorName(name));
    }
  });
});

describe('sensorPartition', () => {
  const defaultPartitioner = Partitioners.DefaultPartitioner();
  const kafkajsDefault = (key: string, partitions: number) =>
    defaultPartitioner({
      topic: 't',
      partitionMetadata: Array.from({ length: partitions }, (_, i) => ({
        partitionId: i,
        partitionErrorCode: 0,
        leader: 0,
        replicas: [],
        isr: [],
      })),
      message: { key, value: null },
    });

  it('puts the default sensors A, B and C on three different partitions of 3 (kafkajs puts all on one)', () => {
    const sensors = loadConfig({ env: {} }).stream.producer.sensors;
    expect(new Set(sensors.map((s) => sensorPartition(s, sensors, 3))).size).toBe(3);
    expect(new Set(sensors.map((s) => kafkajsDefault(s, 3))).size).toBe(1);
  });

  it('balances any list to within one sensor per partition and keeps each sensor on one partition', () => {
    for (const n of [1, 2, 5, 12, 100]) {
      const sensors = Array.from({ length: n }, (_, i) => `s-${(i * 7919) % 1000}`);
      for (const partitions of [1, 3, 7]) {
        const load = new Array<number>(partitions).fill(0);
        for (const s of sensors) {
          const p = sensorPartition(s, sensors, partitions);
          load[p] = (load[p] ?? 0) + 1;
        }
        expect(Math.max(...load) - Math.min(...load)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('sends unlisted sensors where the Java and kafkajs default partitioners send their key', () => {
    for (const key of ['A', 'B', 'C', 'sensor-17', 'a'.repeat(64), 'xyz']) {
      expect(sensorPartition(key, [], 3)).toBe(kafkajsDefault(key, 3));
      expect(sensorPartition(key, [], 7)).toBe(kafkajsDefault(key, 7));
    }
    expect(murmur2(Buffer.from('21'))).toBe(-973932308 & 0x7fffffff);
  });

  it('works as a kafkajs partitioner', () => {
    const p = sensorPartitioner(['A', 'B', 'C'])();
    expect(['A', 'B', 'C'].map((key) => p({ partitionMetadata: [1, 2, 3], message: { key } }))).toEqual([0, 1, 2]);
    expect(p({ partitionMetadata: [1, 2, 3], message: { key: null } })).toBe(0);
    expect(p({ partitionMetadata: [1, 2, 3], message: { key: 'A', partition: 2 } })).toBe(2);
  });
});
