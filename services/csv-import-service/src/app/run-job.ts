import type { CustomerImportRow } from '@crp/contracts/events/customer-import-requested';
import type { Outbox } from '@crp/messaging/outbox';
import type { Database } from '@crp/platform/db';
import type { Logger } from '@crp/platform/logger';
import { toCustomerRow, type RowVerdict, type SourceRow } from '../domain/customer-row';
import { toOrderRow, type OrderRow } from '../domain/order-row';
import type { ImportJobRow, ImportRowReportRow } from '../infra/db/entities';
import { completeIfDone, insertChunk, moveCheckpoint, saveReports } from '../infra/db/repositories';
import { readCsv } from '../infra/files/csv-reader';
import { chunkEvent } from './chunk-events';

export interface RunSettings {
  chunkRows: number;
  maxRowsInFlight: number;
  leaseMs: number;
}

/** What a run needs besides the job: the worker's identity and a way to learn of answers. */
export interface RunContext {
  db: Database;
  outbox: Outbox;
  log: Logger;
  owner: string;
  settings: RunSettings;
  /** True once the worker is asked to stop (shutdown) or lost the job (cancelled, lease taken). */
  stopped: () => boolean;
  /** Resolves when rows in flight drop below `limit` (answers arrived), or the run must stop. */
  waitForRoom: (jobId: string, sent: number, limit: number) => Promise<void>;
}

/** An event carries at most about this much JSON; a chunk closes early when its rows get there. */
const CHUNK_BYTES = 384 * 1024;
/** Reports of rows rejected at the door held before a commit, when nothing else closes the chunk. */
const MAX_REPORTS_PER_COMMIT = 2000;

export class JobLost extends Error {}

interface Pending {
  rows: Array<CustomerImportRow | OrderRow>;
  reports: ImportRowReportRow[];
  blank: number;
  read: number;
  bytes: number;
  firstLine: number | null;
  lastLine: number;
  startOffset: number;
  endOffset: number;
  nextLine: number;
}

/**
 * Reads a job's file from its checkpoint and publishes its rows in chunks (ADR 0012). Each chunk
 * commits in one transaction: the chunk's event in the outbox, the rows rejected at the door (R4.4,
 * R4.5: wrong column count, bad email, unreadable phone …), and the checkpoint moved past it (file
 * offset, line, chunk number). A crash at any point therefore resumes at the last committed chunk
 * with nothing lost and nothing sent twice. Rows in flight (sent, not yet answered) are capped, so
 * the outbox, the topic and memory stay small whatever the file's size.
 */
export async function runJob(job: ImportJobRow, ctx: RunContext): Promise<'read' | 'stopped'> {
  if (!job.filePath) throw new Error('the uploaded file is no longer kept');
  let chunk = job.nextChunk;
  let sent = job.sentRows;
  let rowsRead = job.rowsRead;
  let blankRows = job.blankRows;
  const fresh = (offset: number, line: number): Pending => ({
    rows: [],
    reports: [],
    blank: 0,
    read: 0,
    bytes: 0,
    firstLine: null,
    lastLine: line,
    startOffset: offset,
    endOffset: offset,
    nextLine: line,
  });
  let pending = fresh(job.bytesRead, job.nextLine);
  const headerLength = job.header.length;
  const fieldCount = job.mapping.columns.reduce((n, c) => n + c.fields.length, 0);

  const commit = async (final: boolean) => {
    const p = pending;
    const publish = p.rows.length > 0 || final;
    if (p.rows.length > 0) {
      await ctx.waitForRoom(job.id, sent, ctx.settings.maxRowsInFlight - p.rows.length);
      if (ctx.stopped()) throw new JobLost('stopped');
    }
    const now = new Date();
    // A deadlock or lock wait with an answer's transaction rolls this one back: it runs again.
    await ctx.db.transaction(
      async (tx) => {
        const moved = await moveCheckpoint(tx, {
          jobId: job.id,
          owner: ctx.owner,
          chunk,
          publish,
          bytesRead: p.endOffset,
          nextLine: p.nextLine,
          rowsRead: rowsRead + p.read,
          blankRows: blankRows + p.blank,
          sentRows: sent + p.rows.length,
          rejectedHere: p.reports.length,
          readDone: final,
          leaseUntil: new Date(now.getTime() + ctx.settings.leaseMs),
          now,
        });
        if (!moved) throw new JobLost('the job was cancelled or taken over');
        if (p.reports.length) await saveReports(tx, p.reports);
        if (publish) {
          if (p.rows.length) {
            await insertChunk(tx, {
              jobId: job.id,
              seq: chunk,
              firstLine: p.firstLine ?? p.nextLine,
              lastLine: p.lastLine,
              byteStart: p.startOffset,
              byteEnd: p.endOffset,
              rows: p.rows.length,
            });
          }
          await ctx.outbox.add(tx, chunkEvent(job, chunk, final, p.rows as CustomerImportRow[] | OrderRow[]));
        }
        if (final) await completeIfDone(tx, job.id, now);
      },
      { retryOnLockConflict: 5 },
    );
    if (publish) chunk += 1;
    sent += p.rows.length;
    rowsRead += p.read;
    blankRows += p.blank;
    pending = fresh(p.endOffset, p.nextLine);
  };

  const verdictOf = (source: SourceRow): RowVerdict<CustomerImportRow | OrderRow> =>
    job.kind === 'customers'
      ? toCustomerRow(source, job.mapping, headerLength)
      : toOrderRow(source, job.mapping, headerLength, job.dateOrder);

  try {
    for await (const item of readCsv({
      path: job.filePath,
      offset: job.bytesRead,
      line: job.nextLine,
      delimiter: job.delimiter,
      encoding: job.encoding,
    })) {
      const p = pending;
      p.firstLine ??= item.lineNumber;
      p.lastLine = item.lineNumber;
      const rowBytes = item.endOffset - p.endOffset;
      p.endOffset = item.endOffset;
      p.nextLine = item.nextLine;
      const reject = (reason: string, cells: string[]) => {
        p.read += 1;
        p.reports.push({
          jobId: job.id,
          lineNumber: item.lineNumber,
          accountId: job.accountId,
          outcome: 'rejected',
          reason,
          customerId: null,
          orderId: null,
          cells,
          changes: null,
          warnings: null,
        });
      };
      if (item.kind === 'unreadable') reject(item.reason, [item.text]);
      else {
        const verdict = verdictOf({ lineNumber: item.lineNumber, cells: item.cells });
        if (verdict.ok === 'blank') p.blank += 1;
        else if (verdict.ok === false) reject(verdict.reason, item.cells);
        else {
          p.read += 1;
          p.rows.push(verdict.row);
          p.bytes += rowBytes + 24 * fieldCount;
        }
      }
      if (
        p.rows.length >= ctx.settings.chunkRows ||
        p.bytes >= CHUNK_BYTES ||
        p.reports.length >= MAX_REPORTS_PER_COMMIT
      ) {
        await commit(false);
      }
      if (ctx.stopped()) return 'stopped';
    }
    await commit(true);
    return 'read';
  } catch (err) {
    if (err instanceof JobLost) return 'stopped';
    throw err;
  }
}
