import type { CustomerStatus } from './customer';

export type StatusAction = 'archive' | 'restore' | 'delete';

export type StatusDecision =
  | { kind: 'change'; to: CustomerStatus }
  | { kind: 'unchanged' }
  | { kind: 'refused'; code: string; reason: string };

const TARGET: Record<StatusAction, CustomerStatus> = {
  archive: 'archived',
  restore: 'active',
  delete: 'deleted',
};

/**
 * R2.6: archived records can be restored, deleted ones cannot; a merged record lives on in its
 * survivor and changes no more. R2.8: the account's default customer must stay active, so it is
 * neither archived nor deleted while it is the default. Asking for the status a record already
 * has changes nothing (a retried click).
 */
export function decideStatusChange(
  c: { id: string; status: CustomerStatus; mergedIntoId: string | null },
  action: StatusAction,
  opts: { isDefaultCustomer: boolean },
): StatusDecision {
  const to = TARGET[action];
  if (c.status === to) return { kind: 'unchanged' };
  if (c.status === 'merged') {
    return {
      kind: 'refused',
      code: 'CUSTOMER_MERGED',
      reason: `Customer ${c.id} was merged into ${c.mergedIntoId} (R2.7): act on that record instead`,
    };
  }
  if (c.status === 'deleted') {
    return {
      kind: 'refused',
      code: 'CUSTOMER_DELETED',
      reason: `Customer ${c.id} is deleted: deleted customers cannot be ${action === 'restore' ? 'restored' : 'changed'} (R2.6)`,
    };
  }
  if (action === 'restore' && c.status !== 'archived') return { kind: 'unchanged' };
  if (opts.isDefaultCustomer && to !== 'active') {
    return {
      kind: 'refused',
      code: 'DEFAULT_CUSTOMER',
      reason: `Customer ${c.id} is the account's default customer (R2.8): choose another default customer (PUT /v1/settings) before you ${action} it`,
    };
  }
  return { kind: 'change', to };
}
