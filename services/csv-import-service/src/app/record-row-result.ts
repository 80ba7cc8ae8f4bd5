import type { EntityManager } from 'typeorm';
import type { CustomerImportRowResultV1 } from '@crp/contracts/events/customer-import-row-result';
import type { Logger } from '@crp/platform/logger';
import { counterDelta } from '../domain/import-job';
import { addToCounters, findJob, findRowReport, saveRowReport } from '../infra/db/repositories';

/**
 * Counts one row's outcome on its job and keeps its row report (R4.4), in the consumer's
 * transaction so the counters move exactly once per event. The job is looked up within the
 * event's account: a result naming another account's job is treated as unknown.
 */
export async function recordRowResult(
  event: CustomerImportRowResultV1,
  tx: EntityManager,
  log: Logger,
): Promise<void> {
  const { jobId, lineNumber, outcome, reason, customerId } = event.payload;
  const accountId = event.accountId;
  const job = await findJob(tx, accountId, jobId);
  // Nothing to retry for: the job will not appear later, so dead-lettering would only add noise.
  if (!job) {
    log.warn({ jobId, lineNumber }, 'row result for an unknown import job ignored');
    return;
  }
  if (job.kind !== 'customers') {
    log.warn(
      { jobId, lineNumber, kind: job.kind },
      'customer row result for a non-customer import job ignored',
    );
    return;
  }
  const previous = await findRowReport(tx, accountId, jobId, lineNumber);
  await saveRowReport(tx, { jobId, lineNumber, accountId, outcome, reason, customerId }, previous !== null);
  await addToCounters(tx, accountId, jobId, counterDelta(previous?.outcome ?? null, outcome), new Date());
}
