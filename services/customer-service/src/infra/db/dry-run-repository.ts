import { BatchTable, inList, queryRows, sqlStamp } from '@crp/platform/sql';
import type { DryRunKey, DryRunRepository } from '../../app/ports';
import type { CustomerRecord, IdentityRecord } from '../../domain/records';
import {
  DryRunCustomerEntity,
  DryRunIdentityEntity,
  DryRunJobEntity,
  type DryRunCustomerRow,
  type DryRunIdentityRow,
  type DryRunJobRow,
} from './entities';

const jobs = new BatchTable<DryRunJobRow>(DryRunJobEntity);
const customers = new BatchTable<DryRunCustomerRow>(DryRunCustomerEntity);
const identities = new BatchTable<DryRunIdentityRow>(DryRunIdentityEntity);

// A would-be record or identity is kept as JSON; these properties are instants (Date objects).
const CUSTOMER_DATES = [
  'addressOrderDate',
  'profileOrderDate',
  'firstOrderDate',
  'lastOrderDate',
  'erasedAt',
  'createdAt',
  'updatedAt',
] as const;
const IDENTITY_DATES = ['createdAt', 'updatedAt'] as const;

function revive<T>(text: string, dates: readonly string[]): T {
  const o = JSON.parse(text) as Record<string, unknown>;
  for (const k of dates) if (typeof o[k] === 'string') o[k] = new Date(o[k] as string);
  return o as T;
}

/** An instant as the driver writes DATETIME(3) columns (SQLite: UTC text), for hand-written comparisons. */
const record = (r: DryRunCustomerRow) => {
  const c = revive<CustomerRecord>(r.record, CUSTOMER_DATES);
  // A would-be record stored before migration 1732000000800 (a dry run across the upgrade) has no
  // notes property: it had none, as the column says of the records it was made from.
  c.notes ??= null;
  return { accountId: r.accountId, jobId: r.jobId, record: c };
};

/** ADR 0024: the dry runs' would-be state (app/ports.ts DryRunRepository). */
export const dryRunRepository: DryRunRepository = {
  customersById: async (tx, keys) =>
    (
      await customers.selectByKeys(
        tx,
        ['accountId', 'jobId', 'customerId'],
        keys.map((k) => [k.accountId, k.jobId, k.customerId]),
      )
    ).map(record),

  customersByEmail: async (tx, keys) =>
    (
      await customers.selectByKeys(
        tx,
        ['accountId', 'jobId', 'emailNormalized'],
        keys.map((k) => [k.accountId, k.jobId, k.email]),
      )
    ).map(record),

  identitiesByUsername: async (tx, keys) =>
    (
      await identities.selectByKeys(
        tx,
        ['accountId', 'jobId', 'username'],
        keys.map((k) => [k.accountId, k.jobId, k.username]),
      )
    ).map((r) => ({
      accountId: r.accountId,
      jobId: r.jobId,
      identity: revive<IdentityRecord>(r.identity, IDENTITY_DATES),
    })),

  saveCustomers: (tx, rows) =>
    customers.insert(
      tx,
      rows.map((r) => ({
        accountId: r.accountId,
        jobId: r.jobId,
        customerId: r.record.id,
        emailNormalized: r.record.emailNormalized,
        record: JSON.stringify(r.record),
      })),
      {
        onDuplicate: {
          conflictKeys: ['accountId', 'jobId', 'customerId'],
          update: ['emailNormalized', 'record'],
        },
      },
    ),

  saveIdentities: (tx, rows) =>
    identities.insert(
      tx,
      rows.map((r) => ({
        accountId: r.accountId,
        jobId: r.jobId,
        username: r.identity.username,
        identity: JSON.stringify(r.identity),
      })),
      { onDuplicate: { conflictKeys: ['accountId', 'jobId', 'username'], update: ['identity'] } },
    ),

  async touchJobs(tx, list) {
    // An ended job stays ended (a chunk redelivered after the final one is dropped by the inbox anyway).
    const ended = list.filter((j) => j.ended);
    const moving = list.filter((j) => !j.ended);
    const row = (j: DryRunKey & { at: Date; ended: boolean }): DryRunJobRow => ({
      accountId: j.accountId,
      jobId: j.jobId,
      touchedAt: j.at,
      endedAt: j.ended ? j.at : null,
    });
    await jobs.insert(tx, moving.map(row), {
      onDuplicate: { conflictKeys: ['accountId', 'jobId'], update: ['touchedAt'] },
    });
    await jobs.insert(tx, ended.map(row), {
      onDuplicate: { conflictKeys: ['accountId', 'jobId'], update: ['touchedAt', 'endedAt'] },
    });
  },

  async jobsToSweep(tx, staleBefore, limit) {
    const rows = await jobs.select(
      tx,
      'ended_at IS NOT NULL OR touched_at < ?',
      [sqlStamp(tx, staleBefore)],
      `ORDER BY touched_at LIMIT ${Math.max(1, Math.floor(limit))}`,
    );
    return rows.map((r) => ({ accountId: r.accountId, jobId: r.jobId }));
  },

  async sweepJob(tx, job, staleBefore, limit) {
    const n = Math.max(1, Math.floor(limit));
    let deleted = 0;
    for (const [table, key] of [
      ['import_dry_run_customers', 'customer_id'],
      ['import_dry_run_identities', 'username'],
    ] as const) {
      const some = await queryRows(
        tx,
        `SELECT ${key} AS k FROM ${table} WHERE account_id = ? AND job_id = ? LIMIT ${n}`,
        [job.accountId, job.jobId],
      );
      if (some.length === 0) continue;
      const list = inList(some.map((r) => r.k));
      await tx.query(`DELETE FROM ${table} WHERE account_id = ? AND job_id = ? AND ${key} IN ${list.sql}`, [
        job.accountId,
        job.jobId,
        ...list.params,
      ]);
      deleted += some.length;
    }
    if (deleted === 0) {
      await tx.query(
        'DELETE FROM import_dry_runs WHERE account_id = ? AND job_id = ? AND (ended_at IS NOT NULL OR touched_at < ?)',
        [job.accountId, job.jobId, sqlStamp(tx, staleBefore)],
      );
    }
    return deleted;
  },
};
