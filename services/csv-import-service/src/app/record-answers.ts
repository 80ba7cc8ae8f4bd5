import type { EntityManager } from 'typeorm';
import type {
  CustomerImportRowResultV1,
  CustomerImportRowResultV2,
} from '@crp/contracts/events/customer-import-row-result';
import type { OrderImportRowResultV1 } from '@crp/contracts/events/order-import-row-result';
import { afterCommit } from '@crp/platform/db';
import type { Logger } from '@crp/platform/logger';
import { counterDelta, tally, type ImportKind } from '../domain/import-job';
import type { ImportJobRow, ImportRowReportRow } from '../infra/db/entities';
import {
  addToCounters,
  completeIfDone,
  countedParts,
  findChunks,
  findJob,
  findJobsById,
  findRowReport,
  insertAnswers,
  partKey,
  saveReports,
} from '../infra/db/repositories';
import { cellsBetween } from '../infra/files/csv-reader';

export interface AnswerDeps {
  log: Logger;
  /** Told after commit which jobs got answers (a run waiting for room goes on). */
  onAnswered?: (jobId: string) => void;
}

type ChunkAnswer = CustomerImportRowResultV2 | OrderImportRowResultV1;
type AnswerRow = {
  lineNumber: number;
  outcome: ImportRowReportRow['outcome'];
  reason: string | null;
  customerId?: string | null;
  orderId?: string | null;
  changes?: ImportRowReportRow['changes'];
  warnings?: string[];
};

/**
 * Counts a batch of chunk answers (CustomerImportRowResult v2, OrderImportRowResult) on their jobs,
 * in the consumer's transaction (R4.4): one query for the jobs, one for the parts already
 * counted — an answer part counts once whatever its eventId — multi-row writes of the row
 * reports (rejected rows with their original cells, read back from the chunk's bytes in the file;
 * every row of a dry run, for the preview), one counter update per job, and the job completes when
 * its last row is answered.
 */
export async function recordChunkAnswers(
  kind: ImportKind,
  events: ChunkAnswer[],
  tx: EntityManager,
  deps: AnswerDeps,
): Promise<void> {
  const jobs = await findJobsById(tx, [...new Set(events.map((e) => e.payload.jobId))]);
  const mine = events.filter((e) => {
    const job = jobs.get(e.payload.jobId);
    if (job && job.accountId === e.accountId && job.kind === kind) return true;
    // Nothing to retry for: the job will not appear later, so dead-lettering would only add noise.
    deps.log.warn(
      { jobId: e.payload.jobId, chunk: e.payload.chunk, kind },
      'answer for an unknown import job ignored',
    );
    return false;
  });
  const counted = await countedParts(
    tx,
    mine.map((e) => e.payload),
  );
  const fresh: ChunkAnswer[] = [];
  for (const e of mine) {
    const key = partKey(e.payload);
    if (counted.has(key)) continue;
    counted.add(key);
    fresh.push(e);
  }
  const now = new Date();
  const byJob = new Map<string, ChunkAnswer[]>();
  for (const e of fresh) byJob.set(e.payload.jobId, [...(byJob.get(e.payload.jobId) ?? []), e]);
  for (const [jobId, answers] of byJob) {
    const job = jobs.get(jobId)!;
    const rows = answers.flatMap((a) => a.payload.rows as AnswerRow[]);
    const reports = await reportsFor(tx, job, answers);
    // The job row first: the worker's checkpoint transaction locks it first too, so the two never
    // wait on each other's report rows in opposite order (a deadlock on MySQL).
    await addToCounters(tx, job.accountId, jobId, tally(rows.map((r) => r.outcome)), now, rows.length);
    if (reports.length) await saveReports(tx, reports);
    await insertAnswers(
      tx,
      answers.map((a) => ({
        jobId,
        chunk: a.payload.chunk,
        part: a.payload.part,
        rows: a.payload.rows.length,
        receivedAt: now,
      })),
    );
    await completeIfDone(tx, jobId, now);
    afterCommit(tx, () => deps.onAnswered?.(jobId));
  }
}

async function reportsFor(
  tx: EntityManager,
  job: ImportJobRow,
  answers: ChunkAnswer[],
): Promise<ImportRowReportRow[]> {
  const keep = (r: AnswerRow) => job.dryRun || r.outcome === 'rejected';
  const withCells = answers.filter((a) =>
    (a.payload.rows as AnswerRow[]).some((r) => r.outcome === 'rejected'),
  );
  const cells = new Map<number, string[]>();
  if (withCells.length && job.filePath) {
    const chunks = await findChunks(tx, job.id, [...new Set(withCells.map((a) => a.payload.chunk))]);
    for (const c of chunks.values()) {
      try {
        const found = await cellsBetween(
          {
            path: job.filePath,
            offset: c.byteStart,
            line: c.firstLine,
            delimiter: job.delimiter,
            encoding: job.encoding,
          },
          c.byteEnd,
        );
        for (const [line, row] of found) cells.set(line, row);
      } catch {
        // The file is gone: the report keeps the line and the reason without the cells.
      }
    }
  }
  return answers.flatMap((a) =>
    (a.payload.rows as AnswerRow[]).filter(keep).map((r) => ({
      jobId: job.id,
      lineNumber: r.lineNumber,
      accountId: job.accountId,
      outcome: r.outcome,
      reason: r.reason,
      customerId: r.customerId ?? null,
      orderId: r.orderId ?? null,
      cells: r.outcome === 'rejected' ? (cells.get(r.lineNumber) ?? null) : null,
      changes: r.changes ?? null,
      warnings: r.warnings?.length ? r.warnings : null,
    })),
  );
}

/**
 * A v1 answer (one row; no producer sends them since v2, ADR 0012): a line reported again moves
 * from its old outcome to the new one, so the counts always equal the row reports.
 */
export async function recordRowResultV1(
  event: CustomerImportRowResultV1,
  tx: EntityManager,
  log: Logger,
): Promise<void> {
  const { jobId, lineNumber, outcome, reason, customerId } = event.payload;
  const job = await findJob(tx, event.accountId, jobId);
  if (!job || job.kind !== 'customers') {
    log.warn({ jobId, lineNumber }, 'row result for an unknown customer import job ignored');
    return;
  }
  const previous = await findRowReport(tx, event.accountId, jobId, lineNumber);
  await saveReports(tx, [
    {
      jobId,
      lineNumber,
      accountId: event.accountId,
      outcome,
      reason,
      customerId,
      orderId: null,
      cells: null,
      changes: null,
      warnings: null,
    },
  ]);
  const now = new Date();
  await addToCounters(tx, event.accountId, jobId, counterDelta(previous?.outcome ?? null, outcome), now);
  await completeIfDone(tx, jobId, now);
}
