import { testLogger } from '@crp/testing/silent-logger';
import { EventConsumer, isBrokerHiccup } from '../../src/consumer';
import { InProcessBus } from '../../src/in-process-bus';
import { customerEvent, openTestDb } from '../support/harness';

// A broker that drops connections while it starts (kafkajs: "Closed connection") once made
// customer-service exit at start in the broker-kill fault test. The consumer's start now retries
// such errors with backoff until `startRetryMs`; any other error still fails the start at once.
describe('consumer start while the broker is not ready', () => {
  const kafkaError = (name: string, message: string, retriable = true) =>
    Object.assign(new Error(message), { name, retriable });

  async function setup(failures: Error[], startRetryMs?: number) {
    const db = await openTestDb('sqlite::memory:');
    const bus = new InProcessBus();
    const ensure = bus.ensureTopics.bind(bus);
    let calls = 0;
    bus.ensureTopics = async (topics) => {
      calls++;
      const failure = failures.shift();
      if (failure) throw failure;
      return ensure(topics);
    };
    const seen: string[] = [];
    const consumer = new EventConsumer({
      groupId: 'start-retry',
      bus,
      db,
      logger: testLogger(),
      handlers: { CustomerUpserted: async (e) => void seen.push(e.eventId) },
      startRetryMs,
    });
    return { db, bus, consumer, seen, calls: () => calls };
  }

  it('retries a dropped or refused connection and then consumes', async () => {
    const { db, bus, consumer, seen, calls } = await setup([
      kafkaError('KafkaJSConnectionClosedError', 'Closed connection'),
      kafkaError('KafkaJSConnectionError', 'connect ECONNREFUSED 127.0.0.1:9092'),
    ]);
    try {
      await consumer.start();
      expect(calls()).toBe(3);
      expect(consumer.state).toBe('running');
      const e = customerEvent('cus_start');
      await bus.publish([{ topic: 'CustomerUpserted', key: 'cus_start', value: JSON.stringify(e) }]);
      for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(seen).toEqual([e.eventId]);
    } finally {
      await consumer.stop();
      await bus.close();
      await db.close();
    }
  });

  it('fails at once on an error a retry cannot help, and after startRetryMs on one that keeps coming', async () => {
    const ours = await setup([new TypeError('not a broker problem')]);
    await expect(ours.consumer.start()).rejects.toThrow('not a broker problem');
    expect(ours.calls()).toBe(1);
    expect(ours.consumer.state).toBe('stopped');
    await ours.bus.close();
    await ours.db.close();

    const closed = () => kafkaError('KafkaJSConnectionClosedError', 'Closed connection');
    const away = await setup([closed(), closed(), closed(), closed(), closed()], 1000);
    await expect(away.consumer.start()).rejects.toThrow('Closed connection');
    // 250 + 500 ms of backoff fit in a second; the third wait (1 s) would not.
    expect(away.calls()).toBe(3);
    expect(away.consumer.state).toBe('stopped');
    await away.bus.close();
    await away.db.close();
  });

  it('tells broker hiccups from other errors', () => {
    expect(isBrokerHiccup(kafkaError('KafkaJSConnectionClosedError', 'Closed connection'))).toBe(true);
    expect(isBrokerHiccup(kafkaError('KafkaJSNumberOfRetriesExceeded', 'retries', false))).toBe(true);
    expect(isBrokerHiccup(kafkaError('KafkaJSRequestTimeoutError', 'Request timed out'))).toBe(true);
    expect(isBrokerHiccup(kafkaError('KafkaJSNonRetriableError', 'SASL', false))).toBe(false);
    expect(isBrokerHiccup(kafkaError('KafkaJSProtocolError', 'not authorized', false))).toBe(false);
    expect(isBrokerHiccup(new Error('Closed connection'))).toBe(false);
    expect(isBrokerHiccup(null)).toBe(false);
  });
});
