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
import { finishedWithFiles, reportPage, runnableJobIds, saveReports } from '../../src/infra/db/repositories';
import { analyzeReads, statementsOf } from '@crp/testing/mysql-reads';
import { insertJob } from '../support/fixtures';
import { realEnv, TEST_SECRET } from '@crp/testing/service-env';
import { signDevToken } from '@crp/platform/auth';
import { parse } from 'csv-parse/sync';
import { CSV_IMPORT_LIMITS, TEXT_LIMITS } from '@crp/contracts/limits';
import {
  CUSTOMER_IMPORT_FIELD_SPECS,
  MAX_TAGS,
  type FieldChange,
} from '@crp/contracts/customer-import-fields';

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

  // The runner's poll (every CSV_IMPORT_POLL_MS) and its file purge (every minute) read import_jobs,
  // where ended jobs are kept for good. Without idx_import_jobs_runnable / _file_finished (migration
  // 1796000000500) both read every job: 200,000 completed jobs made each poll read 200,005 rows.
  // The jobs here are dated in 2099 and asked about as of 2100, so the service's own runner (which
  // asks as of now) neither takes nor purges them.
  it('the runner’s poll and file purge read the runnable jobs and the jobs with files, not every ended job', async () => {
    const tag = uniqueName('poll');
    const ended = 3000;
    await handle.db.dataSource.query(
      `INSERT INTO import_jobs (id, account_id, kind, status, file_name, created_by, created_at, updated_at,
         finished_at, header, mapping, warnings, read_done, file_path)
       SELECT CONCAT(?, '_done_', seq), 'acme', 'customers', 'completed', 'c.csv', 'u',
         TIMESTAMPADD(SECOND, seq, '2099-01-01'), '2099-01-01', TIMESTAMPADD(SECOND, seq, '2099-01-01'),
         '[]', '{}', '[]', 1, NULL
       FROM seq_1_to_${ended}`,
      [tag],
    );
    const runnable: string[] = [];
    const withFiles: string[] = [];
    for (let i = 1; i <= 5; i++) {
      const j = await insertJob(handle.db, 'acme', {
        id: `${tag}_run_${i}`,
        status: i % 2 ? 'queued' : 'running',
        readDone: false,
        leaseUntil: i % 2 ? null : new Date('2099-06-01T00:00:00Z'),
        filePath: `/imports/${tag}_run_${i}.csv`,
        createdAt: new Date(Date.parse('2099-03-01T00:00:00Z') + i * 1000),
      });
      runnable.push(j.id);
    }
    // Ended with the file still on disk: one past the retention, one inside it.
    for (const [n, finished] of [
      [1, '2099-02-01T00:00:00Z'],
      [2, '2100-06-01T00:00:00Z'],
    ] as const) {
      const j = await insertJob(handle.db, 'acme', {
        id: `${tag}_file_${n}`,
        status: 'completed',
        filePath: `/imports/${tag}_file_${n}.csv`,
        finishedAt: new Date(finished),
      });
      withFiles.push(j.id);
    }
    await handle.db.dataSource.query('ANALYZE TABLE import_jobs');

    const asOf = new Date('2100-01-01T00:00:00Z');
    const { ids, purge, pollReads, purgeReads } = await handle.db.transaction(async (tx) => {
      let ids: string[] = [];
      let purge: Awaited<ReturnType<typeof finishedWithFiles>> = [];
      const sent = await statementsOf(tx, async () => {
        ids = await runnableJobIds(tx, asOf, 10);
        purge = await finishedWithFiles(tx, asOf, 100);
      });
      return {
        ids,
        purge: purge.map((j) => j.id).filter((id) => id.startsWith(tag)),
        pollReads: await analyzeReads(tx, sent[0]!.sql, sent[0]!.params),
        purgeReads: await analyzeReads(tx, sent[1]!.sql, sent[1]!.params),
      };
    });
    expect(ids).toEqual(runnable);
    expect(purge).toEqual([withFiles[0]]);
    // Each read touches about the rows it is about (other tests' few jobs aside), not the 3,000 ended.
    expect(pollReads).toEqual([
      expect.objectContaining({ table: 'j', key: 'idx_import_jobs_runnable', rows: expect.any(Number) }),
    ]);
    expect(pollReads[0]!.rows).toBeLessThan(50);
    expect(purgeReads).toEqual([
      expect.objectContaining({ table: 'j', key: 'idx_import_jobs_file_finished', rows: expect.any(Number) }),
    ]);
    expect(purgeReads[0]!.rows).toBeLessThan(50);
  });
  it('a header line that would not fit the job’s TEXT columns is a 422 HEADER_TOO_LARGE, not a failed insert (500); a wide one that fits is stored', async () => {
    const account = uniqueName('wide');
    const token = await signDevToken(TEST_SECRET, { accountId: account, sub: `user@${account}` });
    const upload = (columns: number, nameLength: number) => {
      const extra = Array.from({ length: columns }, (_, i) => `X${i}`.padEnd(nameLength, 'x'));
      return request(handle.app)
        .post('/v1/imports')
        .set('Authorization', `Bearer ${token}`)
        .field('kind', 'customers')
        .field('dryRun', 'true')
        .attach(
          'file',
          Buffer.from(`Email,${extra.join(',')}\nwide@example.com${','.repeat(columns)}\n`),
          'w.csv',
        );
    };
    const over = await upload(400, 200);
    expect([over.status, over.body.error?.code]).toEqual([422, 'HEADER_TOO_LARGE']);
    const ok = await upload(100, 100);
    expect(ok.status).toBe(202);
    const stored = await handle.db.dataSource
      .getRepository(ImportJobEntity)
      .findOneByOrFail({ id: ok.body.jobId });
    expect(stored.header).toHaveLength(101);
    expect(stored.mapping.ignored).toHaveLength(100);
  });

  // import_row_reports.cells and .reason are TEXT (65,535 bytes on MariaDB). A rejected row whose
  // cells did not fit made the chunk's commit fail ("Data too long for column 'cells'"): the job
  // was retried until it failed, and a long unmapped cell passed the door and would have made the
  // answer's transaction fail (dead letter) when the owning service rejected the row.
  it('a row longer than CSV_IMPORT_LIMITS.rowBytes is a row-level reason and its cells are kept cut with a marker; the job completes', async () => {
    const account = uniqueName('long');
    const token = await signDevToken(TEST_SECRET, { accountId: account, sub: `user@${account}` });
    const notes = 'n'.repeat(70_000);
    const extra = 'é'.repeat(40_000);
    const birthday = 'x'.repeat(50_000);
    const file = [
      'Email,Notes,Birthday,Extra',
      `long-notes@example.com,${notes},,`,
      `long-extra@example.com,,,${extra}`,
      `bad-date@example.com,,${birthday},`,
    ].join('\n');
    const res = await request(handle.app)
      .post('/v1/imports')
      .set('Authorization', `Bearer ${token}`)
      .field('kind', 'customers')
      .attach('file', Buffer.from(file), 'long.csv')
      .expect(202);
    const jobs = handle.db.dataSource.getRepository(ImportJobEntity);
    const job = await waitFor(
      async () => {
        const row = await jobs.findOneByOrFail({ id: res.body.jobId });
        return ['completed', 'failed'].includes(row.status) && row;
      },
      { timeoutMs: 30000, what: 'the job to end' },
    );
    expect([job.status, job.error, job.rejected, job.processedRows]).toEqual(['completed', null, 3, 3]);

    const stored = await handle.db.dataSource.query(
      `SELECT line_number, LENGTH(cells) AS bytes, LENGTH(reason) AS reasonBytes
         FROM import_row_reports WHERE job_id = ? ORDER BY line_number`,
      [job.id],
    );
    for (const r of stored) {
      expect(Number(r.bytes)).toBeLessThanOrEqual(CSV_IMPORT_LIMITS.rowBytes);
      expect(Number(r.reasonBytes)).toBeLessThanOrEqual(TEXT_LIMITS.reason * 4);
    }

    const csv = await request(handle.app)
      .get(`/v1/imports/${job.id}/errors.csv`)
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    const [header, ...rows] = parse(csv.text, { bom: true }) as string[][];
    expect(header).toEqual(['line', 'reason', 'Email', 'Notes', 'Birthday', 'Extra']);
    expect(rows.map((r) => r.length)).toEqual([6, 6, 6]);
    const [longNotes, longExtra, badDate] = rows as [string[], string[], string[]];
    // The long rows: the reason names the limit; the long cell is cut with a visible marker, the
    // others are kept as they were.
    expect(longNotes[0]).toBe('2');
    expect(longNotes[1]).toContain(`longer than ${CSV_IMPORT_LIMITS.rowBytes} bytes`);
    expect(longNotes[2]).toBe('long-notes@example.com');
    expect(longNotes[3]).toMatch(/^n+… \[\d+ more characters not kept\]$/);
    expect(longNotes[3]!.length).toBeLessThan(notes.length);
    expect(longExtra[1]).toContain(`longer than ${CSV_IMPORT_LIMITS.rowBytes} bytes`);
    expect(longExtra[2]).toBe('long-extra@example.com');
    expect(longExtra[5]).toMatch(/^é+… \[\d+ more characters not kept\]$/);
    // A row that fits is kept whole; its reason (which quotes the cell) is cut to TEXT_LIMITS.reason.
    expect(badDate[4] === birthday).toBe(true);
    expect(badDate[1]!.length).toBeLessThanOrEqual(TEXT_LIMITS.reason);
    expect(badDate[1]).toMatch(/^Birthday \(birthDate\) "x+…$/);
  });

  it('row reports whose cells would not fit the TEXT column are stored cut, not a failed write', async () => {
    const j = await insertJob(handle.db, 'acme');
    const cells = ['ada@example.com', '"'.repeat(40_000), 'x'.repeat(70_000)];
    await handle.db.transaction((tx) =>
      saveReports(tx, [
        {
          jobId: j.id,
          lineNumber: 2,
          accountId: 'acme',
          outcome: 'rejected',
          reason: 'r'.repeat(70_000),
          customerId: null,
          orderId: null,
          cells,
          changes: null,
          warnings: null,
        },
      ]),
    );
    const [kept] = await reportPage(handle.db.dataSource.manager, {
      accountId: 'acme',
      jobId: j.id,
      afterLine: 0,
      limit: 10,
    });
    expect(kept!.cells).toHaveLength(3);
    expect(kept!.cells![0]).toBe('ada@example.com');
    expect(kept!.cells![2]).toMatch(/… \[\d+ more characters not kept\]$/);
    expect(Buffer.byteLength(JSON.stringify(kept!.cells))).toBeLessThanOrEqual(CSV_IMPORT_LIMITS.rowBytes);
    expect(kept!.reason!.length).toBeLessThanOrEqual(TEXT_LIMITS.reason);
  });

  // A dry run keeps every row's changes (each field's value before and after) as JSON. The values
  // are bounded by the customer fields' limits, but a row that changes every field to a value at its
  // limit in a script of three UTF-8 bytes a character took about 90,000 bytes: more than TEXT
  // holds, so customer-service's answer could not be recorded (its transaction failed, retried, then
  // dead-lettered: the dry run never completed). `changes` and `warnings` are MEDIUMTEXT.
  it('a dry-run report whose changes take every customer field to its limit is stored whole', async () => {
    const j = await insertJob(handle.db, 'acme', { dryRun: true });
    const fill = (ch: string, n: number) => ch.repeat(n);
    const changes: FieldChange[] = Object.entries(CUSTOMER_IMPORT_FIELD_SPECS).map(([field, spec]) => {
      const value = (ch: string) =>
        spec.kind === 'tags'
          ? Array.from(
              { length: MAX_TAGS },
              (_, i) => fill(ch, spec.maxLength - 3) + String(i).padStart(3, '0'),
            )
          : spec.kind === 'consent'
            ? 'subscribed'
            : spec.kind === 'date'
              ? '1987-04-02'
              : fill(ch, spec.maxLength);
      return { field, before: value('漢'), after: value('字'), clearedByBlank: false };
    });
    const warnings = Array.from({ length: 200 }, () => fill('警', TEXT_LIMITS.warning));
    expect(Buffer.byteLength(JSON.stringify(changes))).toBeGreaterThan(65_535);
    await handle.db.transaction((tx) =>
      saveReports(tx, [
        {
          jobId: j.id,
          lineNumber: 2,
          accountId: 'acme',
          outcome: 'updated',
          reason: null,
          customerId: 'cus_1',
          orderId: null,
          cells: null,
          changes,
          warnings,
        },
      ]),
    );
    const [kept] = await reportPage(handle.db.dataSource.manager, {
      accountId: 'acme',
      jobId: j.id,
      afterLine: 0,
      limit: 10,
    });
    expect(kept!.changes).toEqual(changes);
    expect(kept!.warnings).toEqual(warnings);
  });
});
