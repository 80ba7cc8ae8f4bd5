import { AppError, notFound } from '@crp/platform/errors';
import { decideAnswer, transition, type Connection } from '../domain/connection';
import { invitationState, linkRefusal } from '../domain/invitation';
import type { Via } from '../domain/history';
import { applyTransition } from './apply-transition';
import { refusalError } from './errors';
import type { Caller, ClientScope, TplDeps, Tx } from './ports';
import { connectionView } from './views';

// What the client account does: answer an invitation (R5.3) — in its settings or through the
// e-mailed link — or end an active connection (R5.2). Routes allow admins only.

async function clientScope(tx: Tx, deps: TplDeps, caller: Caller): Promise<ClientScope> {
  return { accountId: caller.accountId, emails: await deps.repos.directory.emailsOf(tx, caller.accountId) };
}

async function answer(
  tx: Tx,
  deps: TplDeps,
  caller: Caller,
  input: { connection: Connection; action: 'accept' | 'decline'; confirm: boolean | undefined; via: Via },
) {
  const { connection, action } = input;
  const others = await deps.repos.connections.activeBetween(tx, connection.tplAccountId, caller.accountId);
  const decision = decideAnswer({
    connection,
    action,
    confirm: input.confirm,
    callerAccountId: caller.accountId,
    alreadyConnected: others.some((c) => c.id !== connection.id),
  });
  if (!decision.ok) throw refusalError(decision.refusal);
  return applyTransition(tx, deps, {
    connection,
    action,
    to: decision.to,
    side: 'client',
    caller,
    via: input.via,
    at: deps.now(),
    changes: action === 'accept' ? { clientAccountId: caller.accountId } : {},
  });
}

/** "Review connection" in the client's settings: POST /v1/connections/:id/accept|decline. */
export function answerInSettings(
  deps: TplDeps,
  caller: Caller,
  input: { connectionId: string; action: 'accept' | 'decline'; confirm: boolean | undefined },
) {
  return deps.db.transaction(async (tx) => {
    const connection = await deps.repos.connections.ofClient(
      tx,
      await clientScope(tx, deps, caller),
      input.connectionId,
    );
    if (!connection) throw notFound(`Connection ${input.connectionId}`);
    const next = await answer(tx, deps, caller, { ...input, connection, via: 'settings' });
    return { connection: connectionView(next) };
  });
}

/**
 * The link of the e-mail (R5.3): a tampered or foreign token is 401, a used, withdrawn or expired
 * one is 410. The caller must be an admin of an account that uses the invited email (else 404,
 * as for any record of another account). A refused answer (no confirmation) leaves the link usable.
 */
export function answerByLink(
  deps: TplDeps,
  caller: Caller,
  input: { token: string; action: 'accept' | 'decline'; confirm: boolean | undefined },
) {
  return deps.db.transaction(async (tx) => {
    const { connection, invitationId } = await openLink(tx, deps, caller, input.token);
    // Single use: the link is spent first, so leaving pending withdraws only the others. A refused
    // answer throws and rolls this back with everything else: the link still works.
    if (!(await deps.repos.invitations.markUsed(tx, invitationId, deps.now()))) {
      throw refusalError(linkRefusal('used', deps.now()));
    }
    const next = await answer(tx, deps, caller, { ...input, connection, via: 'invitation_link' });
    return { connection: connectionView(next) };
  });
}

/** What the link shows before anyone confirms: who invites, to what, until when. Uses nothing up. */
export function inspectLink(deps: TplDeps, caller: Caller, token: string) {
  return deps.db.transaction(async (tx) => {
    const { connection, expiresAt } = await openLink(tx, deps, caller, token);
    const t = transition(connection.status, 'accept', 'client');
    return {
      connection: connectionView(connection),
      invitationExpiresAt: expiresAt.toISOString(),
      canAnswer: t.ok,
    };
  });
}

const invalidToken = () =>
  new AppError(
    'INVALID_INVITATION_TOKEN',
    'This invitation link is not valid: it was altered, cut short, or not issued by this service',
    401,
  );

/** Verifies a link's token (R5.3) and finds its pending connection on the caller's client side. */
async function openLink(tx: Tx, deps: TplDeps, caller: Caller, token: string) {
  const now = deps.now();
  const check = await deps.tokens.verify(token, now);
  if (!check.ok) {
    if (check.reason === 'invalid') throw invalidToken();
    throw refusalError(linkRefusal('expired', check.expiresAt ?? now));
  }
  const invitation = await deps.repos.invitations.byId(tx, check.invitationId);
  // Correctly signed but unknown here, or not this invitation's token: treat as not ours.
  if (!invitation || invitation.tokenHash !== deps.tokens.hash(token)) throw invalidToken();
  const state = invitationState(invitation, now);
  if (state !== 'open') throw refusalError(linkRefusal(state, invitation.expiresAt));
  const scope = await clientScope(tx, deps, caller);
  const connection = await deps.repos.connections.ofClient(tx, scope, invitation.connectionId);
  if (!connection) throw notFound('Invitation');
  return { connection, invitationId: invitation.id, expiresAt: invitation.expiresAt };
}

/** R5.2: the client ends an active connection. Orders already delegated stay with the 3PL. */
export function disconnectAsClient(deps: TplDeps, caller: Caller, connectionId: string) {
  return deps.db.transaction(async (tx) => {
    const connection = await deps.repos.connections.ofClient(
      tx,
      await clientScope(tx, deps, caller),
      connectionId,
    );
    if (!connection) throw notFound(`Connection ${connectionId}`);
    const t = transition(connection.status, 'disconnect', 'client');
    if (!t.ok) throw refusalError(t.refusal);
    const next = await applyTransition(tx, deps, {
      connection,
      action: 'disconnect',
      to: t.to,
      side: 'client',
      caller,
      via: 'settings',
      at: deps.now(),
    });
    return { connection: connectionView(next) };
  });
}

export { clientScope };
