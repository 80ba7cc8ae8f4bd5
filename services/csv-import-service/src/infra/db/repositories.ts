import { Brackets, type EntityManager, type QueryDeepPartialEntity } from 'typeorm';
import { BatchTable, inList } from '@crp/platform/sql';
import { cellsToKeep, reasonToKeep } from '../../domain/row-cells';
import type { CounterDelta } from '../../domain/import-job';
import {
  ImportAnswerEntity,
  ImportChunkEntity,
  ImportJobEntity,
  ImportRowReportEntity,
  type ImportAnswerRow,
  type ImportChunkRow,
  type ImportJobRow,
  type ImportRowReportRow,
} from './entities';

// Every function takes the account id or a job id the caller already scoped to its account: no
// query in this service reads across accounts.

const reportTable = new BatchTable<ImportRowReportRow>(ImportRowReportEntity);
const chunkTable = new BatchTable<ImportChunkRow>(ImportChunkEntity);
const answerTable = new BatchTable<ImportAnswerRow>(ImportAnswerEntity);

export function listJobs(tx: EntityManager, accountId: string, limit: number): Promise<ImportJobRow[]> {
  return tx.getRepository(ImportJobEntity).find({
    where: { accountId },
    order: { createdAt: 'DESC', id: 'DESC' },
    take: limit,
  });
}

export function findJob(tx: EntityManager, accountId: string, id: string): Promise<ImportJobRow | null> {
  return tx.getRepository(ImportJobEntity).findOne({ where: { accountId, id } });
}

/** Jobs by id, for a batch of answers: one query. */
export async function findJobsById(tx: EntityManager, ids: string[]): Promise<Map<string, ImportJobRow>> {
  if (ids.length === 0) return new Map();
  const rows = await tx
    .getRepository(ImportJobEntity)
    .createQueryBuilder('j')
    .where('j.id IN (:...ids)', { ids })
    .getMany();
  return new Map(rows.map((r) => [r.id, r]));
}

export async function insertJob(tx: EntityManager, row: ImportJobRow): Promise<void> {
  await tx.getRepository(ImportJobEntity).insert(row);
}

/** The job ids a worker may take: queued, or running with a lapsed lease (its worker died). */
export async function runnableJobIds(tx: EntityManager, now: Date, limit: number): Promise<string[]> {
  const rows = await tx
    .getRepository(ImportJobEntity)
    .createQueryBuilder('j')
    .select(['j.id'])
    .where('j.status IN (:...statuses)', { statuses: ['queued', 'running'] })
    .andWhere('j.read_done = :no', { no: false })
    .andWhere(new Brackets((w) => w.where('j.lease_until IS NULL').orWhere('j.lease_until < :now', { now })))
    .orderBy('j.created_at', 'ASC')
    .limit(limit)
    .getMany();
  return rows.map((r) => r.id);
}

/**
 * Takes a job for one worker until `until`, if nobody else holds it: a conditional update, so two
 * workers racing for one job cannot both win. Starts a new run (for the rate) and counts attempts.
 */
export async function claimJob(
  tx: EntityManager,
  id: string,
  owner: string,
  now: Date,
  until: Date,
): Promise<boolean> {
  const res = await tx
    .createQueryBuilder()
    .update(ImportJobEntity)
    .set({
      status: 'running',
      leaseOwner: owner,
      leaseUntil: until,
      attempts: () => 'attempts + 1',
      startedAt: () => `COALESCE(started_at, :now)`,
      runStartedAt: now,
      processedAtRunStart: () => 'processed_rows',
      updatedAt: now,
    })
    .where('id = :id', { id, now })
    .andWhere('status IN (:...statuses)', { statuses: ['queued', 'running'] })
    .andWhere('read_done = :no', { no: false })
    .andWhere(new Brackets((w) => w.where('lease_until IS NULL').orWhere('lease_until < :now', { now })))
    .execute();
  return (res.affected ?? 0) === 1;
}

/** Extends a held lease; false when the job was cancelled or another worker took it. */
export async function renewLease(
  tx: EntityManager,
  id: string,
  owner: string,
  until: Date,
): Promise<boolean> {
  const res = await tx
    .createQueryBuilder()
    .update(ImportJobEntity)
    .set({ leaseUntil: until })
    .where({ id, leaseOwner: owner, status: 'running' })
    .execute();
  return (res.affected ?? 0) === 1;
}

export async function releaseLease(tx: EntityManager, id: string, owner: string): Promise<void> {
  await tx
    .createQueryBuilder()
    .update(ImportJobEntity)
    .set({ leaseOwner: null, leaseUntil: null })
    .where({ id, leaseOwner: owner })
    .execute();
}

export interface CheckpointMove {
  jobId: string;
  owner: string;
  /** The job's `next_chunk` as the worker knows it: it must still be it. */
  chunk: number;
  /** Whether this commit publishes chunk `chunk` (else it only moves past rows rejected at the door). */
  publish: boolean;
  bytesRead: number;
  nextLine: number;
  /** Totals after this chunk (only the worker holding the lease writes them). */
  rowsRead: number;
  blankRows: number;
  sentRows: number;
  /** Rows rejected at the door in this chunk: processed and rejected at once (added, as answers add too). */
  rejectedHere: number;
  readDone: boolean;
  leaseUntil: Date;
  now: Date;
}

/**
 * Moves a job's checkpoint past one chunk, in the transaction that publishes it. Conditional on
 * the worker still holding the job, the job still running and the chunk number: false (and the
 * caller rolls back) when any of that changed, so a chunk is committed once or not at all. The
 * worker's totals are written as values (MySQL evaluates SET left to right, so one column's
 * new value must never be read by another's expression); counters answers also move are added.
 */
export async function moveCheckpoint(tx: EntityManager, m: CheckpointMove): Promise<boolean> {
  const set: QueryDeepPartialEntity<ImportJobRow> = {
    bytesRead: m.bytesRead,
    nextLine: m.nextLine,
    nextChunk: m.publish ? m.chunk + 1 : m.chunk,
    rowsRead: m.rowsRead,
    blankRows: m.blankRows,
    sentRows: m.sentRows,
    rejected: () => `rejected + ${int(m.rejectedHere)}`,
    processedRows: () => `processed_rows + ${int(m.rejectedHere)}`,
    leaseUntil: m.leaseUntil,
    updatedAt: m.now,
  };
  if (m.readDone) {
    set.readDone = true;
    set.totalRows = m.rowsRead;
  }
  const res = await tx
    .createQueryBuilder()
    .update(ImportJobEntity)
    .set(set)
    .where({ id: m.jobId, leaseOwner: m.owner, status: 'running', nextChunk: m.chunk })
    .execute();
  return (res.affected ?? 0) === 1;
}

/** n is an integer this service counted, never caller text: safe inside the expression. */
const int = (n: number) => String(Math.trunc(n));

/**
 * Adds answers to a job's counters in the UPDATE itself (`col = col + n`), so two consumers that
 * briefly overlap during a rebalance cannot lose each other's increments.
 */
export async function addToCounters(
  tx: EntityManager,
  accountId: string,
  jobId: string,
  delta: CounterDelta,
  now: Date,
  answeredRows = 0,
): Promise<void> {
  const set: QueryDeepPartialEntity<ImportJobRow> = { updatedAt: now };
  const columns = {
    created: 'created',
    updated: 'updated',
    unchanged: 'unchanged',
    rejected: 'rejected',
    processedRows: 'processed_rows',
  } as const;
  for (const [field, column] of Object.entries(columns) as Array<[keyof CounterDelta, string]>) {
    const n = delta[field];
    if (n !== 0) set[field] = () => `${column} ${n > 0 ? '+' : '-'} ${int(Math.abs(n))}`;
  }
  if (answeredRows) set.answeredRows = () => `answered_rows + ${int(answeredRows)}`;
  await tx.createQueryBuilder().update(ImportJobEntity).set(set).where({ id: jobId, accountId }).execute();
}

/** running → completed once the file is read and every row is answered or rejected (R4.4). */
export async function completeIfDone(tx: EntityManager, jobId: string, now: Date): Promise<boolean> {
  const res = await tx
    .createQueryBuilder()
    .update(ImportJobEntity)
    .set({ status: 'completed', finishedAt: now, updatedAt: now, leaseOwner: null, leaseUntil: null })
    .where({ id: jobId, status: 'running', readDone: true })
    .andWhere('processed_rows >= total_rows')
    .execute();
  return (res.affected ?? 0) === 1;
}

/** Ends a job that is not finished yet: failed (with why) or cancelled. False when it already ended. */
export async function endJob(
  tx: EntityManager,
  accountId: string,
  jobId: string,
  status: 'failed' | 'cancelled',
  now: Date,
  error: string | null = null,
): Promise<boolean> {
  const res = await tx
    .createQueryBuilder()
    .update(ImportJobEntity)
    .set({ status, error, finishedAt: now, updatedAt: now, leaseOwner: null, leaseUntil: null })
    .where({ id: jobId, accountId })
    .andWhere('status IN (:...statuses)', { statuses: ['queued', 'running'] })
    .execute();
  return (res.affected ?? 0) === 1;
}

export async function setJobFile(tx: EntityManager, jobId: string, filePath: string | null): Promise<void> {
  await tx.getRepository(ImportJobEntity).update({ id: jobId }, { filePath });
}

/** Finished jobs whose file is still on disk and older than `before` (for the purge). */
export function finishedWithFiles(tx: EntityManager, before: Date, limit: number): Promise<ImportJobRow[]> {
  return tx
    .getRepository(ImportJobEntity)
    .createQueryBuilder('j')
    .where('j.status IN (:...statuses)', { statuses: ['completed', 'failed', 'cancelled'] })
    .andWhere('j.file_path IS NOT NULL')
    .andWhere('j.finished_at < :before', { before })
    .limit(limit)
    .getMany();
}

export async function insertChunk(tx: EntityManager, row: ImportChunkRow): Promise<void> {
  await chunkTable.insert(tx, [row]);
}

export async function findChunks(
  tx: EntityManager,
  jobId: string,
  seqs: number[],
): Promise<Map<number, ImportChunkRow>> {
  if (seqs.length === 0) return new Map();
  const list = inList(seqs);
  const rows = await chunkTable.select(tx, `job_id = ? AND seq IN ${list.sql}`, [jobId, ...list.params]);
  return new Map(rows.map((r) => [r.seq, r]));
}

/** Which of these answer parts were already counted: one query for a batch. */
export async function countedParts(
  tx: EntityManager,
  keys: Array<{ jobId: string; chunk: number; part: number }>,
): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const where = keys.map(() => '(job_id = ? AND chunk = ? AND part = ?)').join(' OR ');
  const rows = await answerTable.select(
    tx,
    where,
    keys.flatMap((k) => [k.jobId, k.chunk, k.part]),
  );
  return new Set(rows.map((r) => partKey(r)));
}
export const partKey = (k: { jobId: string; chunk: number; part: number }) =>
  `${k.jobId}:${k.chunk}:${k.part}`;

export async function insertAnswers(tx: EntityManager, rows: ImportAnswerRow[]): Promise<void> {
  await answerTable.insert(tx, rows);
}

/** Row reports in multi-row statements; a line reported again replaces its report. */
/**
 * Writes row reports (a line reported again replaces its report). Every report's cells and reason
 * pass here on their way to their TEXT columns, from every path (rows rejected at the door, rows
 * the owning service rejected, unreadable lines): each is kept within its limit, a cut one marked
 * (cellsToKeep, reasonToKeep), so no report is a write that fails.
 */
export async function saveReports(tx: EntityManager, rows: ImportRowReportRow[]): Promise<void> {
  const kept = rows.map((r) => ({
    ...r,
    reason: reasonToKeep(r.reason),
    cells: r.cells && cellsToKeep(r.cells),
  }));
  await reportTable.insert(tx, kept, {
    onDuplicate: {
      conflictKeys: ['jobId', 'lineNumber'],
      update: ['outcome', 'reason', 'customerId', 'orderId', 'cells', 'changes', 'warnings'],
    },
  });
}

export function findRowReport(
  tx: EntityManager,
  accountId: string,
  jobId: string,
  lineNumber: number,
): Promise<ImportRowReportRow | null> {
  return tx.getRepository(ImportRowReportEntity).findOne({ where: { accountId, jobId, lineNumber } });
}

/**
 * The index a page of one outcome reads (migration 1796000000400), named on MySQL: the optimizer
 * picks it only as far as its statistics of a fresh job allow, and by the primary key a rare outcome
 * reads the rest of the job (1,000,000 rows, 381 ms a page); by this one a common outcome's page
 * costs about what it did (1,000 rows: 4.0 against 3.2 ms).
 */
export const REPORT_OUTCOME_INDEX = 'idx_reports_job_outcome_line';

/** One page of a job's row reports after `afterLine`, in line order; only `outcome` when given. */
export async function reportPage(
  tx: EntityManager,
  q: { accountId: string; jobId: string; afterLine: number; limit: number; outcome?: string },
): Promise<ImportRowReportRow[]> {
  const params: unknown[] = [q.accountId, q.jobId, q.afterLine];
  let where = 'account_id = ? AND job_id = ? AND line_number > ?';
  if (q.outcome) {
    where += ' AND outcome = ?';
    params.push(q.outcome);
  }
  return reportTable.select(
    tx,
    where,
    params,
    `ORDER BY line_number LIMIT ${Math.max(1, Math.trunc(q.limit))}`,
    { index: q.outcome ? REPORT_OUTCOME_INDEX : undefined },
  );
}
