import { ClientConnectionChanged } from '@crp/contracts/events/client-connection-changed';
import { newEvent } from '@crp/contracts/new-event';
import { newId } from '@crp/platform/ids';
import type { Connection, ConnectionAction, ConnectionStatus, Side } from '../domain/connection';
import type { HistoryEntry, Via } from '../domain/history';
import { changedConcurrently } from './errors';
import type { Caller, TplDeps, Tx } from './ports';

/**
 * Persists one decided transition (R5.2): the connection (only if nobody changed it meanwhile),
 * its history row (who, when, from, to), and ClientConnectionChanged through the outbox, all in
 * the caller's transaction. Leaving `pending` withdraws the links still open.
 */
export async function applyTransition(
  tx: Tx,
  deps: Pick<TplDeps, 'repos' | 'outbox'>,
  input: {
    connection: Connection;
    action: ConnectionAction;
    to: ConnectionStatus;
    side: Side;
    caller: Caller;
    via: Via;
    at: Date;
    /** What the row becomes besides its status (e.g. the client account on acceptance). */
    changes?: Partial<Pick<Connection, 'clientAccountId' | 'clientName' | 'companyName'>>;
    /** A new connection: inserted instead of updated. */
    isNew?: boolean;
  },
): Promise<Connection> {
  const { connection: before, at } = input;
  const from: ConnectionStatus | null = input.isNew ? null : before.status;
  const next: Connection = { ...before, ...input.changes, status: input.to, updatedAt: at };
  if (input.isNew) {
    await deps.repos.connections.insert(tx, next);
  } else if (!(await deps.repos.connections.update(tx, next, before.status))) {
    throw changedConcurrently();
  }
  if (from === 'pending' && input.to !== 'pending') await deps.repos.invitations.revokeOpen(tx, next.id, at);
  const entry: HistoryEntry = {
    id: newId('chg'),
    connectionId: next.id,
    tplAccountId: next.tplAccountId,
    action: input.action,
    fromStatus: from,
    toStatus: input.to,
    side: input.side,
    actorAccountId: input.caller.accountId,
    actorUserId: input.caller.userId,
    via: input.via,
    at,
  };
  await deps.repos.history.add(tx, [entry]);
  await deps.outbox.add(
    tx,
    newEvent(
      ClientConnectionChanged,
      { accountId: next.tplAccountId, correlationId: input.caller.correlationId, occurredAt: at },
      {
        connectionId: next.id,
        tplAccountId: next.tplAccountId,
        clientAccountId: next.clientAccountId,
        status: input.to,
        previousStatus: from,
        changedBy: input.side,
      },
    ),
  );
  return next;
}
