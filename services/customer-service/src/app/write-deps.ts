import type { EntityManager } from 'typeorm';
import type { Outbox } from '@crp/messaging/outbox';
import type { Database } from '@crp/platform/db';
import { notFound } from '@crp/platform/errors';
import type { CustomerRecord } from '../domain/records';
import type { CustomerRepository } from './ports';
import { checkIfMatch, type IfMatch } from './preconditions';

/** What the HTTP write use cases need (wired by the composition root). */
export interface WriteDeps {
  db: Database;
  repo: CustomerRepository;
  outbox: Outbox;
  now?: () => Date;
}

/** Who asks: the caller's account and user (JWT sub), and the request's correlation id. */
export interface Actor {
  accountId: string;
  userId: string;
  correlationId: string;
}

/**
 * One customer of the caller's account, locked for the rest of the transaction; else 404. With
 * `ifMatch`, a record whose version moved since the caller read it is a 412: checked on the locked
 * row, so the check and the write are one atomic step.
 */
export async function lockCustomer(
  tx: EntityManager,
  repo: CustomerRepository,
  accountId: string,
  id: string,
  ifMatch?: IfMatch,
): Promise<CustomerRecord> {
  const [c] = await repo.customersById(tx, [{ accountId, id }], { lock: true });
  if (!c) throw notFound(`Customer ${id}`);
  checkIfMatch(ifMatch, c);
  return c;
}

export const nowOf = (deps: WriteDeps) => (deps.now ?? (() => new Date()))();

/**
 * One click's transaction. It runs again on a deadlock or lock wait timeout (a merge locks several
 * records while an order batch locks some of the same in another order): every effect — records,
 * change log, outbox — is inside the transaction, so a retry is safe.
 */
export function writeTransaction<T>(deps: WriteDeps, fn: (tx: EntityManager) => Promise<T>): Promise<T> {
  return deps.db.transaction(fn, { retryOnLockConflict: 3 });
}
