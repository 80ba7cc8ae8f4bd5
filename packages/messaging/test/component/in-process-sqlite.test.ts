import type { Database } from '@crp/platform/db';
import { InProcessBus } from '../../src/in-process-bus';
import type { IncomingMessage } from '../../src/bus';
import { waitFor } from '@crp/testing/wait';
import { openTestDb } from '../support/harness';
import { messagingScenarios } from '../support/scenarios';

describe('messaging on the in-process bus and embedded SQLite', () => {
  let bus: InProcessBus;
  let db: Database;
  let n = 0;

  beforeEach(async () => {
    bus = new InProcessBus();
    db = await openTestDb('sqlite::memory:');
  });
  afterEach(async () => {
    await bus.close();
    await db.close();
  });

  messagingScenarios(() => ({
    bus,
    db,
    group: (name) => `g_${name}_${++n}`,
    readAll: async (topic: string) =>
      bus.messagesOn(topic).map((m, i): IncomingMessage => ({
        topic,
        partition: 0,
        offset: String(i),
        key: m.key,
        value: Buffer.from(m.value),
        headers: m.headers,
        timestamp: '0',
      })),
  }));
});

describe('in-process bus semantics', () => {
  it('keeps one key in order and gives every group every message', async () => {
    const bus = new InProcessBus({ partitions: 4 });
    const got: Record<string, string[]> = { a: [], b: [] };
    for (const g of ['a', 'b']) {
      await bus.subscribe({
        groupId: g,
        topics: ['T'],
        eachBatch: async (msgs, ctl) => {
          for (const m of msgs) {
            got[g]!.push(`${m.key}:${m.value}`);
            ctl.ack(m);
          }
        },
      });
    }
    await bus.publish(
      Array.from({ length: 20 }, (_, i) => ({ topic: 'T', key: `k${i % 3}`, value: String(i) })),
    );
    // A loaded machine may take a while to deliver: wait for the messages, never a fixed time.
    await waitFor(() => (got.a!.length === 20 && got.b!.length === 20 ? true : undefined), {
      what: 'both groups got all 20',
    });
    for (const g of ['a', 'b']) {
      expect(got[g]).toHaveLength(20);
      const k1 = got[g]!.filter((s) => s.startsWith('k1:')).map((s) => Number(s.split(':')[1]));
      expect(k1).toEqual([...k1].sort((x, y) => x - y));
    }
    await bus.close();
  });

  it('redelivers what was not acknowledged when a batch handler throws (at-least-once)', async () => {
    const bus = new InProcessBus({ partitions: 1, retryDelayMs: 5 });
    const seen: string[] = [];
    let failed = false;
    await bus.subscribe({
      groupId: 'g',
      topics: ['T'],
      eachBatch: async (msgs, ctl) => {
        for (const m of msgs) {
          if (m.value!.toString() === '2' && !failed) {
            failed = true;
            throw new Error('boom');
          }
          seen.push(m.value!.toString());
          ctl.ack(m);
        }
      },
    });
    await bus.publish(['1', '2', '3'].map((v) => ({ topic: 'T', key: 'k', value: v })));
    await waitFor(() => (seen.length >= 3 ? true : undefined), { what: 'the redelivery' });
    expect(seen).toEqual(['1', '2', '3']);
    await bus.close();
  });

  it('a new group starts at the beginning unless told otherwise', async () => {
    const bus = new InProcessBus({ partitions: 1 });
    await bus.publish([{ topic: 'T', key: 'k', value: 'old' }]);
    const early: string[] = [];
    const late: string[] = [];
    await bus.subscribe({
      groupId: 'early',
      topics: ['T'],
      eachBatch: async (ms, c) => ms.forEach((m) => (early.push(m.value!.toString()), c.ack(m))),
    });
    await bus.subscribe({
      groupId: 'late',
      topics: ['T'],
      fromBeginning: false,
      eachBatch: async (ms, c) => ms.forEach((m) => (late.push(m.value!.toString()), c.ack(m))),
    });
    await bus.publish([{ topic: 'T', key: 'k', value: 'new' }]);
    await waitFor(() => (early.length >= 2 && late.length >= 1 ? true : undefined), { what: 'both groups' });
    expect(early).toEqual(['old', 'new']);
    expect(late).toEqual(['new']);
    await bus.close();
  });
});
