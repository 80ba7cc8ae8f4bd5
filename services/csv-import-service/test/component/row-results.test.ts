import {
  CustomerImportRowResultLegacyV1,
  type CustomerImportRowResultV1,
} from '@crp/contracts/events/customer-import-row-result';
import { CustomerImportRowResult } from '@crp/contracts/events/customer-import-row-result';
import { newEvent } from '@crp/contracts/new-event';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { InboxEntity } from '@crp/messaging/tables';
import { waitFor } from '@crp/testing/wait';
import { createCsvImportService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import { ImportJobEntity, ImportRowReportEntity } from '../../src/infra/db/entities';
import { insertJob } from '../support/fixtures';
import { embeddedEnv } from '@crp/testing/service-env';

type Payload = CustomerImportRowResultV1['payload'];

function rowResult(accountId: string, payload: Payload): CustomerImportRowResultV1 {
  return newEvent(
    CustomerImportRowResultLegacyV1,
    { accountId, correlationId: `job-${payload.jobId}` },
    payload,
  );
}

describe('CustomerImportRowResult v1 consumer, still counted (R4.4)', () => {
  let handle: Awaited<ReturnType<typeof createCsvImportService>>;
  let bus: InProcessBus;

  const publish = (...events: CustomerImportRowResultV1[]) =>
    bus.publish(
      events.map((event) => ({
        topic: 'CustomerImportRowResult',
        key: event.payload.jobId,
        value: JSON.stringify(event),
      })),
    );
  const job = (id: string) => handle.db.dataSource.getRepository(ImportJobEntity).findOneByOrFail({ id });
  const reports = (jobId: string) =>
    handle.db.dataSource
      .getRepository(ImportRowReportEntity)
      .find({ where: { jobId }, order: { lineNumber: 'ASC' } });
  /** The consumer marks every event it handled, effect or not, in the inbox. */
  const handled = (...events: CustomerImportRowResultV1[]) =>
    waitFor(
      async () =>
        (await handle.db.dataSource
          .getRepository(InboxEntity)
          .countBy(events.map((e) => ({ eventId: e.eventId })))) === events.length,
      { what: `${events.length} event(s) handled` },
    );

  beforeAll(async () => {
    bus = new InProcessBus();
    handle = await createCsvImportService(loadConfig(embeddedEnv()), { bus });
    await handle.start();
  });
  afterAll(async () => {
    await handle?.stop();
    await bus?.close();
  });

  it('counts each outcome and keeps a report per line', async () => {
    const j = await insertJob(handle.db, 'acme');
    const rejection =
      'customer cus_c belongs to a connected store; only manual-store customers can be imported';
    const events = [
      rowResult('acme', {
        jobId: j.id,
        lineNumber: 2,
        outcome: 'created',
        customerId: 'cus_a',
        reason: null,
      }),
      rowResult('acme', {
        jobId: j.id,
        lineNumber: 3,
        outcome: 'updated',
        customerId: 'cus_b',
        reason: null,
      }),
      rowResult('acme', {
        jobId: j.id,
        lineNumber: 4,
        outcome: 'rejected',
        customerId: 'cus_c',
        reason: rejection,
      }),
    ];
    await publish(...events);
    await handled(...events);

    const after = await job(j.id);
    expect(after).toMatchObject({
      processedRows: 3,
      created: 1,
      updated: 1,
      unchanged: 0,
      rejected: 1,
      // Three rows, three answers: the job is complete.
      status: 'completed',
    });
    expect(after.updatedAt.getTime()).toBeGreaterThan(j.updatedAt.getTime());
    expect(await reports(j.id)).toEqual([
      {
        jobId: j.id,
        lineNumber: 2,
        accountId: 'acme',
        outcome: 'created',
        reason: null,
        customerId: 'cus_a',
        orderId: null,
        cells: null,
        changes: null,
        warnings: null,
      },
      {
        jobId: j.id,
        lineNumber: 3,
        accountId: 'acme',
        outcome: 'updated',
        reason: null,
        customerId: 'cus_b',
        orderId: null,
        cells: null,
        changes: null,
        warnings: null,
      },
      {
        jobId: j.id,
        lineNumber: 4,
        accountId: 'acme',
        outcome: 'rejected',
        reason: rejection,
        customerId: 'cus_c',
        orderId: null,
        cells: null,
        changes: null,
        warnings: null,
      },
    ]);
  });

  it('counts the same event delivered twice once', async () => {
    const j = await insertJob(handle.db, 'acme');
    const event = rowResult('acme', {
      jobId: j.id,
      lineNumber: 2,
      outcome: 'unchanged',
      customerId: 'cus_a',
      reason: null,
    });
    // Same key, so the same partition: once `after` is handled, both copies before it were too.
    const after = rowResult('acme', {
      jobId: j.id,
      lineNumber: 3,
      outcome: 'created',
      customerId: 'cus_b',
      reason: null,
    });
    await publish(event);
    await publish(event);
    await publish(after);
    await handled(event, after);

    // The inbox skips the copy; were it to run, the per-line report would still keep the count right.
    expect(await job(j.id)).toMatchObject({ processedRows: 2, unchanged: 1, created: 1 });
    expect(await reports(j.id)).toHaveLength(2);
  });

  it('moves a line from its old outcome to the new one when that line is reported again', async () => {
    const j = await insertJob(handle.db, 'acme');
    const first = rowResult('acme', {
      jobId: j.id,
      lineNumber: 2,
      outcome: 'rejected',
      customerId: null,
      reason: 'no email',
    });
    const second = rowResult('acme', {
      jobId: j.id,
      lineNumber: 2,
      outcome: 'created',
      customerId: 'cus_x',
      reason: null,
    });
    await publish(first, second);
    await handled(first, second);

    expect(await job(j.id)).toMatchObject({ processedRows: 1, created: 1, rejected: 0 });
    expect(await reports(j.id)).toEqual([
      {
        jobId: j.id,
        lineNumber: 2,
        accountId: 'acme',
        outcome: 'created',
        reason: null,
        customerId: 'cus_x',
        orderId: null,
        cells: null,
        changes: null,
        warnings: null,
      },
    ]);
  });

  it('leaves a job alone when the result comes from another account, and skips unknown jobs', async () => {
    const j = await insertJob(handle.db, 'acme');
    const foreign = rowResult('globex', {
      jobId: j.id,
      lineNumber: 2,
      outcome: 'created',
      customerId: 'cus_a',
      reason: null,
    });
    const unknown = rowResult('acme', {
      jobId: 'imp_nope',
      lineNumber: 2,
      outcome: 'created',
      customerId: null,
      reason: null,
    });
    await publish(foreign, unknown);
    await handled(foreign, unknown);

    expect(await job(j.id)).toMatchObject({ processedRows: 0, created: 0, updatedAt: j.updatedAt });
    expect(await reports(j.id)).toEqual([]);
    expect(await reports('imp_nope')).toEqual([]);
    // Ignored, not failed: nothing went to the dead-letter topic.
    expect(bus.messagesOn('CustomerImportRowResult.DLT')).toEqual([]);
  });

  it('ignores a customer row result for an order import job', async () => {
    const j = await insertJob(handle.db, 'acme', { kind: 'orders' });
    const event = rowResult('acme', {
      jobId: j.id,
      lineNumber: 2,
      outcome: 'created',
      customerId: 'cus_a',
      reason: null,
    });
    await publish(event);
    await handled(event);
    expect(await job(j.id)).toMatchObject({ processedRows: 0, created: 0 });
  });

  it('v2: an answer part counts once, even when it comes again under another eventId', async () => {
    const j = await insertJob(handle.db, 'acme', { totalRows: 3 });
    const answer = (part: number, parts: number, lines: number[]) =>
      newEvent(
        CustomerImportRowResult,
        { accountId: 'acme', correlationId: 'c' },
        {
          jobId: j.id,
          chunk: 1,
          part,
          parts,
          dryRun: false,
          rows: lines.map((lineNumber) => ({
            lineNumber,
            outcome: 'created' as const,
            customerId: `cus_${lineNumber}`,
            reason: null,
            changes: null,
          })),
        },
      );
    const first = answer(1, 2, [2, 3]);
    const again = answer(1, 2, [2, 3]);
    const second = answer(2, 2, [4]);
    const events = [first, again, second];
    await bus.publish(
      events.map((e) => ({ topic: 'CustomerImportRowResult', key: j.id, value: JSON.stringify(e) })),
    );
    await handled(...(events as unknown as CustomerImportRowResultV1[]));
    expect(await job(j.id)).toMatchObject({
      processedRows: 3,
      answeredRows: 3,
      created: 3,
      status: 'completed',
    });
    // A real run keeps reports of rejected rows only.
    expect(await reports(j.id)).toEqual([]);
  });
});
