import { conflict } from '@crp/platform/errors';
import { newId } from '@crp/platform/ids';
import { decideStatusChange, type StatusAction } from '../domain/lifecycle';
import { settingsOrDefault, type CustomerRecord } from '../domain/records';
import { customerUpserted } from './customer-events';
import { customerView } from './customer-view';
import type { IfMatch } from './preconditions';
import { type Actor, lockCustomer, nowOf, type WriteDeps, writeTransaction } from './write-deps';

/**
 * R2.6: archive, restore, delete — one click, one transaction: the record (locked), its status, a
 * change-log row and a CustomerUpserted. Orders whose identity points at a record that is no
 * longer active match again (R1.4, in link-orders), so nothing else moves here. With `ifMatch`, a
 * record changed since the caller read it is a 412, nothing written.
 */
export async function changeStatus(
  deps: WriteDeps,
  actor: Actor,
  customerId: string,
  action: StatusAction,
  ifMatch?: IfMatch,
) {
  const now = nowOf(deps);
  return writeTransaction(deps, async (tx) => {
    const { repo } = deps;
    const settings = settingsOrDefault(actor.accountId, (await repo.settings(tx, [actor.accountId]))[0]);
    const current = await lockCustomer(tx, repo, actor.accountId, customerId, ifMatch);
    const d = decideStatusChange(current, action, {
      isDefaultCustomer: settings.defaultCustomerId === customerId,
    });
    if (d.kind === 'refused') throw conflict(d.reason, { code: d.code, status: current.status });
    const identities = await repo.identitiesOf(tx, [{ accountId: actor.accountId, customerId }]);
    if (d.kind === 'unchanged') return customerView(current, identities);
    const updated: CustomerRecord = {
      ...current,
      status: d.to,
      version: current.version + 1,
      updatedAt: now,
    };
    await repo.updateCustomers(tx, [updated]);
    await repo.insertChanges(tx, [
      {
        id: newId('chg'),
        accountId: actor.accountId,
        customerId,
        at: now,
        actor: actor.userId,
        source: 'manual',
        kind: action,
        changes: [{ field: 'status', from: current.status, to: d.to }],
      },
    ]);
    await deps.outbox.add(
      tx,
      customerUpserted(
        { accountId: actor.accountId, correlationId: actor.correlationId },
        updated,
        identities,
        'status',
        false,
        null,
      ),
    );
    return customerView(updated, identities);
  });
}
