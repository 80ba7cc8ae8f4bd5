import { notFound } from '@crp/platform/errors';
import { REMOVAL_REMINDER, transition } from '../domain/connection';
import { applyTransition } from './apply-transition';
import { refusalError } from './errors';
import { issueInvitation } from './invite-client';
import type { Caller, TplDeps } from './ports';
import { clientView } from './views';

// What the 3PL does to one of its connections. Each is one click: one transaction.

/** R5.2: a pending client can be removed; the 3PL is reminded of outstanding fees and stock. */
export function removeClient(deps: TplDeps, caller: Caller, connectionId: string) {
  return deps.db.transaction(async (tx) => {
    const connection = await deps.repos.connections.ofTpl(tx, caller.accountId, connectionId);
    if (!connection) throw notFound(`Client connection ${connectionId}`);
    const t = transition(connection.status, 'remove', 'tpl');
    if (!t.ok) throw refusalError(t.refusal);
    const at = deps.now();
    const next = await applyTransition(tx, deps, {
      connection,
      action: 'remove',
      to: t.to,
      side: 'tpl',
      caller,
      via: 'api',
      at,
    });
    return { client: clientView(next), reminder: REMOVAL_REMINDER };
  });
}

/** R5.2: the 3PL ends an active connection. Orders already delegated stay with it (order-ingest). */
export function disconnectClient(deps: TplDeps, caller: Caller, connectionId: string) {
  return deps.db.transaction(async (tx) => {
    const connection = await deps.repos.connections.ofTpl(tx, caller.accountId, connectionId);
    if (!connection) throw notFound(`Client connection ${connectionId}`);
    const t = transition(connection.status, 'disconnect', 'tpl');
    if (!t.ok) throw refusalError(t.refusal);
    const next = await applyTransition(tx, deps, {
      connection,
      action: 'disconnect',
      to: t.to,
      side: 'tpl',
      caller,
      via: 'api',
      at: deps.now(),
    });
    return { client: clientView(next) };
  });
}

/**
 * Sends the invitation of a pending client again: a new link (the old ones stop counting) and a
 * new expiry. Not a transition: the connection stays pending.
 */
export function resendInvitation(deps: TplDeps, caller: Caller, connectionId: string) {
  return deps.db.transaction(async (tx) => {
    const connection = await deps.repos.connections.ofTpl(tx, caller.accountId, connectionId);
    if (!connection) throw notFound(`Client connection ${connectionId}`);
    if (connection.status !== 'pending') {
      throw refusalError({
        code: 'NOT_PENDING',
        status: 409,
        message: `Only a pending invitation can be sent again; this connection is ${connection.status}. Invite the client anew instead`,
      });
    }
    const invitation = await issueInvitation(tx, deps, caller, connection, deps.now());
    return clientView(connection, invitation);
  });
}
