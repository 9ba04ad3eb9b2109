import { describe, expect, it } from 'vitest';
import { processorConfig } from '../../apps/processor/src/config.ts';
import { producerConfig } from '../../apps/producer/src/config.ts';

describe('the stream workers read one environment', () => {
  it('reads brokers and sensors the same way for the producer and the processor', () => {
    const env = { KAFKA_BROKERS: 'a:9092, b:9092', SENSORS: 'x,y.z' };
    expect(producerConfig(env).brokers).toEqual(['a:9092', 'b:9092']);
    expect(processorConfig(env).brokers).toEqual(['a:9092', 'b:9092']);
    expect(producerConfig(env).sensors).toEqual(['x', 'y.z']);
    expect(processorConfig(env).sensors).toEqual(['x', 'y.z']);
    for (const bad of [{ KAFKA_BROKERS: 'nohostport' }, { SENSORS: 'a,b c' }, { SENSORS: 'a,a' }, { METRICS_PORT: '70000' }]) {
      const messages = [producerConfig, processorConfig].map((f) => {
        try {
          f(bad);
          return 'accepted';
        } catch (err) {
          return (err as Error).message;
        }
      });
      expect(messages[0], JSON.stringify(bad)).not.toBe('accepted');
      expect(messages[0]).toBe(messages[1]);
    }
  });

  it('has one policy switch for a position below the log start', () => {
    expect(processorConfig({}).belowLogStart).toBe('fail');
    expect(processorConfig({ BELOW_LOG_START: 'log-start' }).belowLogStart).toBe('log-start');
    expect(() => processorConfig({ BELOW_LOG_START: 'latest' })).toThrow("'BELOW_LOG_START' must be one of fail, log-start");
  });
});
