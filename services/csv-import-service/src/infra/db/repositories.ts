import type { EntityManager, QueryDeepPartialEntity } from 'typeorm';
import type { CounterDelta } from '../../domain/import-job';
import {
  ImportJobEntity,
  ImportRowReportEntity,
  type ImportJobRow,
  type ImportRowReportRow,
} from './entities';

// Every function takes the account id: no query in this service reads across accounts.

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

export function findRowReport(
  tx: EntityManager,
  accountId: string,
  jobId: string,
  lineNumber: number,
): Promise<ImportRowReportRow | null> {
  return tx.getRepository(ImportRowReportEntity).findOne({ where: { accountId, jobId, lineNumber } });
}

export async function saveRowReport(
  tx: EntityManager,
  row: ImportRowReportRow,
  exists: boolean,
): Promise<void> {
  const repo = tx.getRepository(ImportRowReportEntity);
  if (exists) {
    const { jobId, lineNumber, accountId, ...rest } = row;
    await repo.update({ jobId, lineNumber, accountId }, rest);
  } else {
    await repo.insert(row);
  }
}

const counterColumns = {
  created: 'created',
  updated: 'updated',
  unchanged: 'unchanged',
  rejected: 'rejected',
  processedRows: 'processed_rows',
} as const;

/**
 * Adds to the counters in the UPDATE itself (`col = col + n`), so two consumers that briefly
 * overlap during a rebalance cannot lose each other's increments.
 */
export async function addToCounters(
  tx: EntityManager,
  accountId: string,
  jobId: string,
  delta: CounterDelta,
  now: Date,
): Promise<void> {
  const set: QueryDeepPartialEntity<ImportJobRow> = { updatedAt: now };
  for (const [field, column] of Object.entries(counterColumns) as Array<[keyof CounterDelta, string]>) {
    const n = delta[field];
    // n is a small integer computed here, never caller text: safe to put in the expression.
    if (n !== 0) set[field] = () => `${column} ${n > 0 ? '+' : '-'} ${Math.abs(Math.trunc(n))}`;
  }
  await tx.createQueryBuilder().update(ImportJobEntity).set(set).where({ id: jobId, accountId }).execute();
}
