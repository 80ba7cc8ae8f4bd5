import { emptyCustomer } from './customer';
import type { CustomerRecord } from './records';

/**
 * R2.10 erasure of one record, pure: every personal field emptied (names, company, email, phone,
 * birth date, addresses, notes, tags, consent and its history, field sources), the status `deleted`, the
 * time of erasure kept. The row stays as a tombstone — its id, account, history figures and merge
 * pointer — so links to it (order history, merged records) still resolve, and it is never active
 * again: an identity re-imported later matches nothing here and starts a new record.
 */
export function erasedRecord(c: CustomerRecord, now: Date): CustomerRecord {
  return {
    ...c,
    // Every field a customer's state holds, emptied: a personal field added to the state later is
    // erased without being named here.
    ...emptyCustomer(),
    status: 'deleted',
    emailNormalized: null,
    phoneE164: null,
    erasedAt: now,
    version: c.version + 1,
    updatedAt: now,
  };
}

/** Why a privacy request cannot be made on this record, or null. */
export function privacyRequestProblem(c: CustomerRecord, type: 'export' | 'erase'): string | null {
  if (c.status === 'merged') {
    return `Customer ${c.id} was merged into ${c.mergedIntoId}: make the request on that record (it holds this one's data and erasing it erases this one too)`;
  }
  if (type === 'erase' && c.erasedAt)
    return `Customer ${c.id} was already erased on ${c.erasedAt.toISOString()}`;
  return null;
}
