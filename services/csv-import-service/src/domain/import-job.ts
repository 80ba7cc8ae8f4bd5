/** What an import job can hold and how far it got (R4.4). Pure: no I/O. */

export const IMPORT_KINDS = ['customers', 'orders'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/**
 * queued (uploaded, waiting for a worker) → running → completed | failed | cancelled. A job
 * interrupted by a crash stays `running` and is taken over when its worker's lease runs out.
 */
export const IMPORT_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];
export const isFinished = (s: ImportStatus) => s === 'completed' || s === 'failed' || s === 'cancelled';

export const ROW_OUTCOMES = ['created', 'updated', 'unchanged', 'rejected'] as const;
export type RowOutcome = (typeof ROW_OUTCOMES)[number];

export type CounterDelta = Record<RowOutcome, number> & { processedRows: number };

/**
 * How one row result moves the job's counters (R4.4). A line reported again (customer-service
 * re-ran it, say) moves from its old outcome to the new one rather than counting twice, so the
 * counts always agree with the row reports and never exceed the rows. (v1 answers, one per row.)
 */
export function counterDelta(previous: RowOutcome | null, next: RowOutcome): CounterDelta {
  const delta: CounterDelta = { created: 0, updated: 0, unchanged: 0, rejected: 0, processedRows: 0 };
  if (previous === null) delta.processedRows = 1;
  else delta[previous] -= 1;
  delta[next] += 1;
  return delta;
}

/** The counts of a batch of answers (v2: one answer per row, never repeated). */
export function tally(outcomes: Iterable<RowOutcome>): CounterDelta {
  const delta: CounterDelta = { created: 0, updated: 0, unchanged: 0, rejected: 0, processedRows: 0 };
  for (const o of outcomes) {
    delta[o] += 1;
    delta.processedRows += 1;
  }
  return delta;
}

export interface ProgressInput {
  status: ImportStatus;
  fileSize: number;
  bytesRead: number;
  rowsRead: number;
  processedRows: number;
  totalRows: number | null;
  /** When the current run of the job began, and how many rows were processed then. */
  runStartedAt: Date | null;
  processedAtRunStart: number;
  finishedAt: Date | null;
  now: Date;
}

export interface Progress {
  rows: number;
  bytes: number;
  totalBytes: number;
  /** Known once the whole file is read; estimated from the bytes read so far before that. */
  estimatedTotalRows: number | null;
  totalRowsExact: boolean;
  percent: number;
  rowsPerSecond: number | null;
  etaSeconds: number | null;
}

/**
 * Progress as the job view shows it: rows processed (answered or rejected at the door), bytes
 * read, the total (exact once the file is read, else rows read scaled by the bytes left), the rate
 * of the current run and the time left at that rate.
 */
export function progressOf(p: ProgressInput): Progress {
  const exact = p.totalRows !== null;
  let estimate: number | null = p.totalRows;
  if (!exact && p.bytesRead > 0 && p.rowsRead > 0) {
    estimate = Math.max(p.rowsRead, Math.round((p.rowsRead * p.fileSize) / p.bytesRead));
  }
  const end = p.finishedAt ?? p.now;
  const seconds = p.runStartedAt ? (end.getTime() - p.runStartedAt.getTime()) / 1000 : 0;
  const done = p.processedRows - p.processedAtRunStart;
  const rate = seconds > 0.5 && done > 0 ? done / seconds : null;
  const left = estimate !== null ? Math.max(0, estimate - p.processedRows) : null;
  const finished = isFinished(p.status);
  return {
    rows: p.processedRows,
    bytes: p.bytesRead,
    totalBytes: p.fileSize,
    estimatedTotalRows: estimate,
    totalRowsExact: exact,
    percent:
      finished && p.status === 'completed'
        ? 100
        : estimate
          ? Math.min(99.9, Math.floor((1000 * p.processedRows) / estimate) / 10)
          : 0,
    rowsPerSecond: rate !== null ? Math.round(rate) : null,
    etaSeconds: finished ? 0 : rate && left !== null ? Math.ceil(left / rate) : null,
  };
}
