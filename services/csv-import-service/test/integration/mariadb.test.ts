import request from 'supertest';
import { CustomerImportRowResult } from '@crp/contracts/events/customer-import-row-result';
import { newEvent } from '@crp/contracts/new-event';
import { KafkaBus } from '@crp/messaging/kafka-bus';
import { describeReal, freshMysqlDatabase, kafkaBrokers, uniqueName } from '@crp/testing/real-infra';
import { testLogger } from '@crp/testing/silent-logger';
import { waitFor } from '@crp/testing/wait';
import { createCsvImportService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import { ImportJobEntity, ImportRowReportEntity, type ImportRowReportRow } from '../../src/infra/db/entities';
import { reportPage, saveReports } from '../../src/infra/db/repositories';
import { analyzeReads } from '@crp/testing/mysql-reads';
import { insertJob } from '../support/fixtures';
import { realEnv } from '@crp/testing/service-env';

describeReal('csv-import-service on real MariaDB and Kafka', () => {
  let handle: Awaited<ReturnType<typeof createCsvImportService>>;
  let producer: KafkaBus;
  let drop: () => Promise<void>;
  const prefix = `${uniqueName('x')}.`;

  beforeAll(async () => {
    const fresh = await freshMysqlDatabase('csv_import');
    drop = fresh.drop;
    handle = await createCsvImportService(loadConfig(realEnv(fresh.url, prefix)));
    await handle.start();
    // Stands in for customer-service: a separate client publishing on the same prefixed topics.
    producer = new KafkaBus({
      brokers: kafkaBrokers(),
      clientId: 'csv-import-test',
      topicPrefix: prefix,
      logger: testLogger(),
    });
  });
  afterAll(async () => {
    await producer?.close();
    await handle?.stop();
    await drop?.();
  });

  it('migrations created its tables, and it is ready', async () => {
    const runner = handle.db.dataSource.createQueryRunner();
    try {
      for (const table of ['import_jobs', 'import_row_reports', 'outbox_events', 'inbox_messages']) {
        expect(await runner.hasTable(table)).toBe(true);
      }
    } finally {
      await runner.release();
    }
    const ready = await request(handle.app).get('/readyz').expect(200);
    expect(ready.body.checks).toMatchObject({ database: 'ok', bus: 'ok' });
  });

  it('counts a CustomerImportRowResult that arrives through Kafka', async () => {
    const j = await insertJob(handle.db, 'acme');
    const event = newEvent(
      CustomerImportRowResult,
      { accountId: 'acme', correlationId: `job-${j.id}` },
      {
        jobId: j.id,
        chunk: 1,
        part: 1,
        parts: 1,
        dryRun: false,
        rows: [
          {
            lineNumber: 2,
            outcome: 'rejected',
            customerId: 'cus_1',
            reason: 'belongs to a connected store',
            changes: null,
          },
        ],
      },
    );
    await producer.publish([{ topic: 'CustomerImportRowResult', key: j.id, value: JSON.stringify(event) }]);

    const jobs = handle.db.dataSource.getRepository(ImportJobEntity);
    const after = await waitFor(
      async () => {
        const row = await jobs.findOneByOrFail({ id: j.id });
        return row.processedRows === 1 && row;
      },
      { timeoutMs: 30000, what: 'the row result to be counted' },
    );
    expect(after).toMatchObject({ processedRows: 1, answeredRows: 1, rejected: 1, created: 0 });
    expect(
      await handle.db.dataSource
        .getRepository(ImportRowReportEntity)
        .findOneBy({ jobId: j.id, lineNumber: 2 }),
    ).toEqual({
      jobId: j.id,
      lineNumber: 2,
      accountId: 'acme',
      outcome: 'rejected',
      reason: 'belongs to a connected store',
      customerId: 'cus_1',
      orderId: null,
      cells: null,
      changes: null,
      warnings: null,
    });
  });

  // MariaDB only (SQLite has no ANALYZE of a statement's reads). By the primary key (job_id,
  // line_number) a page of a rare outcome read the rest of the job: the error report of a
  // 1,000,000-row job with 5 rejected rows read all 1,000,000 rows for its one page (381 ms).
  it('R4.4: a report page of one outcome reads only that outcome’s rows after its cursor, by idx_reports_job_outcome_line', async () => {
    const j = await insertJob(handle.db, 'acme');
    const rejected = new Set([17, 1200, 2999]);
    const rows: ImportRowReportRow[] = Array.from({ length: 3000 }, (_, i) => ({
      jobId: j.id,
      lineNumber: i + 2,
      accountId: 'acme',
      outcome: rejected.has(i + 2) ? 'rejected' : 'created',
      reason: rejected.has(i + 2) ? 'Email is not an address' : null,
      customerId: null,
      orderId: null,
      cells: ['ada@example.com'],
      changes: null,
      warnings: null,
    }));
    await handle.db.transaction((tx) => saveReports(tx, rows));
    const { lines, reads } = await handle.db.transaction(async (tx) => {
      const sent: Array<{ sql: string; params: unknown[] }> = [];
      const query = tx.query.bind(tx);
      const spy = jest.spyOn(tx, 'query').mockImplementation((sql, params) => {
        sent.push({ sql, params: (params as unknown[] | undefined) ?? [] });
        return query(sql, params);
      });
      const page = await reportPage(tx, {
        accountId: 'acme',
        jobId: j.id,
        afterLine: 17,
        limit: 1000,
        outcome: 'rejected',
      }).finally(() => spy.mockRestore());
      return {
        lines: page.map((r) => r.lineNumber),
        reads: await analyzeReads(tx, sent[0]!.sql, sent[0]!.params),
      };
    });
    expect(lines).toEqual([1200, 2999]);
    expect(reads).toEqual([
      expect.objectContaining({ table: 'import_row_reports', key: 'idx_reports_job_outcome_line', rows: 2 }),
    ]);
  });
});
