/** What an import job can hold and how far it got (R4.4). Pure: no I/O. */

export const IMPORT_KINDS = ['customers', 'orders'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export const IMPORT_STATUSES = ['pending', 'running', 'completed', 'failed'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

export const ROW_OUTCOMES = ['created', 'updated', 'unchanged', 'rejected'] as const;
export type RowOutcome = (typeof ROW_OUTCOMES)[number];

export type CounterDelta = Record<RowOutcome, number> & { processedRows: number };

/**
 * How one row result moves the job's counters (R4.4). A line reported again (customer-service
 * re-ran it, say) moves from its old outcome to the new one rather than counting twice, so the
 * counts always agree with the row reports and never exceed the rows.
 */
export function counterDelta(previous: RowOutcome | null, next: RowOutcome): CounterDelta {
  const delta: CounterDelta = { created: 0, updated: 0, unchanged: 0, rejected: 0, processedRows: 0 };
  if (previous === null) delta.processedRows = 1;
  else delta[previous] -= 1;
  delta[next] += 1;
  return delta;
}
