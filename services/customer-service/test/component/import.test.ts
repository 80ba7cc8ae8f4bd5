import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CustomerImportRequested,
  type CustomerImportRequestedV2,
  type CustomerImportRow,
} from '@crp/contracts/events/customer-import-requested';
import { deterministicEventId, newEvent } from '@crp/contracts/new-event';
import { waitFor } from '@crp/testing/wait';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { testLogger } from '@crp/testing/silent-logger';
import { embeddedEnv } from '@crp/testing/service-env';
import { createCustomerService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import type { CustomerServiceHandle } from '../support/scenarios';
import { importScenarios } from '../support/import-scenarios';

describe('customer-service customer CSV import (SPEC §4) on SQLite and the in-process bus', () => {
  let bus: InProcessBus;
  let svc: CustomerServiceHandle;

  beforeEach(async () => {
    bus = new InProcessBus();
    svc = await createCustomerService(loadConfig(embeddedEnv()), { bus, logger: testLogger() });
    await svc.start();
  });
  afterEach(async () => {
    await svc.stop();
    await bus.close();
  });

  importScenarios(() => ({
    svc,
    bus,
    publishOrder: (event) =>
      bus.publish([{ topic: 'OrderImported', key: event.accountId, value: JSON.stringify(event) }]),
    deadLetters: async () => [],
  }));
});

describe('customer-service customer CSV import: a dry run goes on after a restart (ADR 0024)', () => {
  it('the would-be state of the chunks answered before the restart is seen by the chunks after it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cus-dry-'));
    const bus = new InProcessBus();
    const env = embeddedEnv({ DATABASE_URL: `sqlite:${join(dir, 'customers.sqlite')}` });
    const answers: Array<{ lineNumber: number; outcome: string; customerId: string | null }> = [];
    await bus.ensureTopics(['CustomerImportRowResult']);
    await bus.subscribe({
      groupId: 'restart-test-reader',
      topics: ['CustomerImportRowResult'],
      fromBeginning: true,
      eachBatch: async (messages, ctl) => {
        for (const m of messages) {
          const e = m.value ? JSON.parse(m.value.toString()) : null;
          if (e?.eventVersion === 2) answers.push(...e.payload.rows);
          ctl.ack(m);
        }
      },
    });
    const chunk = (n: number, rows: CustomerImportRow[], final: boolean) =>
      newEvent(
        CustomerImportRequested,
        {
          accountId: 'restart',
          correlationId: 'job-imp_restart',
          eventId: deterministicEventId('CustomerImportRequested', 'imp_restart', n),
        },
        { jobId: 'imp_restart', chunk: n, dryRun: true, final, fields: ['firstName', 'email'], rows },
      );
    const send = (e: CustomerImportRequestedV2) =>
      bus.publish([{ topic: 'CustomerImportRequested', key: e.accountId, value: JSON.stringify(e) }]);
    const row = (lineNumber: number, firstName: string): CustomerImportRow => ({
      lineNumber,
      customerId: null,
      username: null,
      values: { firstName, email: 'una@example.com' },
    });
    try {
      const first = await createCustomerService(loadConfig(env), { bus, logger: testLogger() });
      await first.start();
      await send(chunk(1, [row(2, 'Una')], false));
      await waitFor(() => answers.length >= 1 || undefined, { what: 'the first chunk answered' });
      await first.stop();

      const second = await createCustomerService(loadConfig(env), { bus, logger: testLogger() });
      await second.start();
      try {
        await send(chunk(2, [row(3, 'Una'), row(4, 'Úna')], true));
        await waitFor(() => answers.length >= 3 || undefined, { what: 'the second chunk answered' });
      } finally {
        await second.stop();
      }
      expect(answers.map((a) => [a.lineNumber, a.outcome])).toEqual([
        [2, 'created'],
        [3, 'unchanged'],
        [4, 'updated'],
      ]);
      expect(new Set(answers.map((a) => a.customerId)).size).toBe(1);
    } finally {
      await bus.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
