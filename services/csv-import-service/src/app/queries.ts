import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { csvSafe } from '@crp/platform/csv-cells';
import type { Database } from '@crp/platform/db';
import { conflict, notFound } from '@crp/platform/errors';
import type { ImportJobRow, ImportRowReportRow } from '../infra/db/entities';
import { findJob, listJobs, reportPage } from '../infra/db/repositories';
import { jobView } from './job-view';

/** The caller's import jobs, newest first. */
export async function listImports(db: Database, accountId: string, limit: number) {
  const rows = await db.transaction((tx) => listJobs(tx, accountId, limit));
  return { jobs: rows.map((j) => jobView(j)) };
}

/** One job of the caller's account; another account's id is simply not found (404). */
export async function loadJob(db: Database, accountId: string, jobId: string): Promise<ImportJobRow> {
  const job = await db.transaction((tx) => findJob(tx, accountId, jobId));
  if (!job) throw notFound(`Import job ${jobId}`);
  return job;
}

export async function getImport(db: Database, accountId: string, jobId: string) {
  return jobView(await loadJob(db, accountId, jobId));
}

const PAGE = 1000;

/** CSV out: UTF-8 with a BOM, CRLF, and no cell a spreadsheet would run as a formula (csvSafe). */
const csvOut = () =>
  stringify({
    bom: true,
    record_delimiter: 'windows',
    cast: { string: (v) => csvSafe(v) },
  });

/** Every report of a job in line order, page by page: memory stays one page whatever the count. */
async function* reports(
  db: Database,
  job: ImportJobRow,
  outcome?: string,
): AsyncGenerator<ImportRowReportRow> {
  let after = 0;
  for (;;) {
    const page = await db.transaction((tx) =>
      reportPage(tx, { accountId: job.accountId, jobId: job.id, afterLine: after, limit: PAGE, outcome }),
    );
    yield* page;
    if (page.length < PAGE) return;
    after = page[page.length - 1]!.lineNumber;
  }
}

/**
 * The error report (R4.4): every rejected row with its line number, the reason and its cells as
 * they were in the file, under the file's own header — so the file can be fixed and uploaded
 * again (the `line` and `reason` columns are ignored on the way back in). Streamed.
 */
export async function errorsCsv(db: Database, accountId: string, jobId: string) {
  const job = await loadJob(db, accountId, jobId);
  async function* records() {
    yield ['line', 'reason', ...job.header];
    for await (const r of reports(db, job, 'rejected'))
      yield [String(r.lineNumber), r.reason ?? '', ...(r.cells ?? [])];
  }
  return {
    fileName: `${job.id}-errors.csv`,
    stream: Readable.from(records()).pipe(csvOut()),
  };
}

function requireDryRun(job: ImportJobRow) {
  if (!job.dryRun) {
    throw conflict(
      `Import job ${job.id} is not a dry run: its rejected rows are in ${`/v1/imports/${job.id}/errors.csv`}`,
    );
  }
}

const rowView = (r: ImportRowReportRow) => ({
  lineNumber: r.lineNumber,
  outcome: r.outcome,
  customerId: r.customerId,
  reason: r.reason,
  changes: r.changes ?? [],
  clears: (r.changes ?? []).filter((c) => c.clearedByBlank).map((c) => c.field),
  warnings: r.warnings ?? [],
  ...(r.cells ? { cells: r.cells } : {}),
});

/**
 * A dry run's preview (R4.3): per row the would-be outcome, each value that would change and each
 * field a blank cell would clear, in line order, a page at a time (cursor: the last line seen).
 */
export async function previewPage(
  db: Database,
  accountId: string,
  jobId: string,
  q: { cursor?: number; limit: number; outcome?: string },
) {
  const job = await loadJob(db, accountId, jobId);
  requireDryRun(job);
  const rows = await db.transaction((tx) =>
    reportPage(tx, { accountId, jobId, afterLine: q.cursor ?? 0, limit: q.limit, outcome: q.outcome }),
  );
  const view = jobView(job);
  return {
    jobId: job.id,
    status: job.status,
    complete: job.status === 'completed',
    counts: view.counts,
    warnings: view.warnings,
    rows: rows.map(rowView),
    nextCursor: rows.length === q.limit ? rows[rows.length - 1]!.lineNumber : null,
  };
}

/** The preview as CSV: one line per change (or one per row without changes), streamed. */
export async function previewCsv(db: Database, accountId: string, jobId: string) {
  const job = await loadJob(db, accountId, jobId);
  requireDryRun(job);
  const value = (v: unknown) =>
    v === null || v === undefined ? '' : Array.isArray(v) ? v.join(', ') : String(v);
  async function* records() {
    yield [
      'line',
      'outcome',
      'customerId',
      'field',
      'before',
      'after',
      'clearedByBlank',
      'reason',
      'warnings',
    ];
    for await (const r of reports(db, job)) {
      const common = [String(r.lineNumber), r.outcome, r.customerId ?? ''];
      const tail = [r.reason ?? '', (r.warnings ?? []).join('; ')];
      if (!r.changes?.length) yield [...common, '', '', '', '', ...tail];
      else
        for (const c of r.changes) {
          yield [...common, c.field, value(c.before), value(c.after), c.clearedByBlank ? 'yes' : '', ...tail];
        }
    }
  }
  return {
    fileName: `${job.id}-preview.csv`,
    stream: Readable.from(records()).pipe(csvOut()),
  };
}
