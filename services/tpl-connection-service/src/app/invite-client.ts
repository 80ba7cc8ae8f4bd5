import { ClientInvited } from '@crp/contracts/events/client-invited';
import { newEvent } from '@crp/contracts/new-event';
import { isDuplicateKey } from '@crp/platform/db';
import { newId } from '@crp/platform/ids';
import { decideInvitation, normalizeEmail, type Connection } from '../domain/connection';
import { invitationExpiry, type Invitation } from '../domain/invitation';
import { applyTransition } from './apply-transition';
import { changedConcurrently, refusalError } from './errors';
import type { Caller, TplDeps, Tx } from './ports';
import { clientView } from './views';

export interface InviteInput {
  email: string;
  clientName: string;
  companyName: string;
}

/**
 * POST /v1/clients (R5.1, R5.2): the 3PL invites a client by the email of its account. A first
 * invitation creates the connection; after declined, removed or disconnected the same connection
 * goes back to pending. The link is mailed from ClientInvited (send-invitation-email.ts).
 */
export async function inviteClient(deps: TplDeps, caller: Caller, input: InviteInput) {
  const email = normalizeEmail(input.email);
  const at = deps.now();
  try {
    return await deps.db.transaction(async (tx) => {
      const accountsWithEmail = await deps.repos.directory.accountsWithEmail(tx, email);
      const existing = await deps.repos.connections.byTplAndEmail(tx, caller.accountId, email);
      const decision = decideInvitation({ tplAccountId: caller.accountId, accountsWithEmail, existing });
      if (!decision.ok) throw refusalError(decision.refusal);

      const base: Connection = existing ?? {
        id: newId('con'),
        tplAccountId: caller.accountId,
        clientEmail: email,
        clientAccountId: null,
        clientName: input.clientName,
        companyName: input.companyName,
        status: 'pending',
        createdAt: at,
        updatedAt: at,
      };
      const connection = await applyTransition(tx, deps, {
        connection: base,
        action: 'invite',
        to: 'pending',
        side: 'tpl',
        caller,
        via: 'api',
        at,
        isNew: !existing,
        // A new invitation is bound to no account until someone accepts it (R5.3).
        changes: {
          clientAccountId: null,
          clientName: input.clientName.trim(),
          companyName: input.companyName.trim(),
        },
      });
      const invitation = await issueInvitation(tx, deps, caller, connection, at);
      return clientView(connection, invitation);
    });
  } catch (err) {
    // Two first invitations of one email raced; the unique index let one through.
    if (isDuplicateKey(err)) throw changedConcurrently();
    throw err;
  }
}

/**
 * A new link for a pending connection: older open links stop counting, ClientInvited is
 * published (the e-mail is sent from it). Also used to send the invitation again.
 */
export async function issueInvitation(
  tx: Tx,
  deps: TplDeps,
  caller: Caller,
  connection: Connection,
  at: Date,
): Promise<Invitation> {
  await deps.repos.invitations.revokeOpen(tx, connection.id, at);
  const id = newId('inv');
  const expiresAt = invitationExpiry(at, deps.invitations.ttlHours);
  const invitation: Invitation = {
    id,
    connectionId: connection.id,
    tokenHash: deps.tokens.hash(await deps.tokens.sign({ id, expiresAt })),
    expiresAt,
    usedAt: null,
    revokedAt: null,
    createdAt: at,
  };
  await deps.repos.invitations.insert(tx, invitation);
  await deps.outbox.add(
    tx,
    newEvent(
      ClientInvited,
      { accountId: connection.tplAccountId, correlationId: caller.correlationId, occurredAt: at },
      {
        connectionId: connection.id,
        tplAccountId: connection.tplAccountId,
        clientEmail: connection.clientEmail,
        clientName: connection.clientName,
        companyName: connection.companyName,
        invitationExpiresAt: expiresAt.toISOString(),
        invitationId: id,
      },
    ),
  );
  return invitation;
}
