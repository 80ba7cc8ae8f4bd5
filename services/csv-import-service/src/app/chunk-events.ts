import {
  CustomerImportRequested,
  type CustomerImportRow,
} from '@crp/contracts/events/customer-import-requested';
import { OrderImportRequested } from '@crp/contracts/events/order-import-requested';
import { deterministicEventId, newEvent } from '@crp/contracts/new-event';
import type { AnyEvent } from '@crp/contracts/registry';
import { customerFields } from '../domain/customer-row';
import { mappedFields } from '../domain/columns';
import type { OrderRow } from '../domain/order-row';
import type { ImportJobRow } from '../infra/db/entities';

export const correlationOf = (job: Pick<ImportJobRow, 'id'>) => `import-${job.id}`;

/**
 * The event of one chunk. Its eventId is fixed by (job, chunk): if the same chunk were ever
 * published again, the owning service's inbox would drop it (ADR 0012).
 */
export function chunkEvent(
  job: ImportJobRow,
  chunk: number,
  final: boolean,
  rows: CustomerImportRow[] | OrderRow[],
): AnyEvent {
  const ctx = {
    accountId: job.accountId,
    correlationId: correlationOf(job),
    eventId: deterministicEventId(
      job.kind === 'customers' ? 'CustomerImportRequested' : 'OrderImportRequested',
      job.id,
      chunk,
    ),
  };
  if (job.kind === 'customers') {
    return newEvent(CustomerImportRequested, ctx, {
      jobId: job.id,
      chunk,
      dryRun: job.dryRun,
      final,
      fields: customerFields(job.mapping),
      rows: rows as CustomerImportRow[],
    });
  }
  return newEvent(OrderImportRequested, ctx, {
    jobId: job.id,
    chunk,
    final,
    storeId: job.storeId,
    linkCustomers: mappedFields(job.mapping).has('buyer.username'),
    receivedAt: job.createdAt.toISOString(),
    rows: rows as OrderRow[],
  });
}
