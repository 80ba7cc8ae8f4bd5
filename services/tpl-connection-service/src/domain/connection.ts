/**
 * The 3PL–client connection and its state machine (SPEC §5). Pure: plain data in, decisions out;
 * the use cases load, ask here, and persist.
 *
 * ```
 *            invite (3PL)                 accept (client admin, confirmed)
 *   (none) ───────────────► pending ──────────────────────────────► active
 *                            │  │                                     │
 *           decline (client) │  │ remove (3PL)      disconnect (either side)
 *                            ▼  ▼                                     ▼
 *                      declined  removed                        disconnected
 *   declined | removed | disconnected ── invite again (3PL) ──► pending
 * ```
 */
export const CONNECTION_STATUSES = ['pending', 'active', 'declined', 'removed', 'disconnected'] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

/** Who acts on a connection: the 3PL that invited, or the client account. */
export type Side = 'tpl' | 'client';

export const CONNECTION_ACTIONS = ['invite', 'accept', 'decline', 'remove', 'disconnect'] as const;
export type ConnectionAction = (typeof CONNECTION_ACTIONS)[number];

export interface Connection {
  id: string;
  /** The 3PL's account: the side that invites (R5.1). */
  tplAccountId: string;
  /** The email the 3PL invited, trimmed and lower-cased (R5.1). */
  clientEmail: string;
  /** The client's account, known once it accepted (R5.3); null while pending. */
  clientAccountId: string | null;
  /** The 3PL's internal nickname for the client; the client never sees it. */
  clientName: string;
  /** The company name the client sees for the 3PL. */
  companyName: string;
  status: ConnectionStatus;
  createdAt: Date;
  updatedAt: Date;
}

export interface Transition {
  action: ConnectionAction;
  from: ReadonlyArray<ConnectionStatus | null>;
  to: ConnectionStatus;
  by: readonly Side[];
  rule: string;
}

/** Every allowed move, once. Anything not listed here is refused. */
export const TRANSITIONS: readonly Transition[] = [
  {
    action: 'invite',
    from: [null, 'declined', 'removed', 'disconnected'],
    to: 'pending',
    by: ['tpl'],
    rule: 'R5.1, R5.2',
  },
  { action: 'accept', from: ['pending'], to: 'active', by: ['client'], rule: 'R5.2, R5.3' },
  { action: 'decline', from: ['pending'], to: 'declined', by: ['client'], rule: 'R5.2' },
  { action: 'remove', from: ['pending'], to: 'removed', by: ['tpl'], rule: 'R5.2' },
  { action: 'disconnect', from: ['active'], to: 'disconnected', by: ['tpl', 'client'], rule: 'R5.2' },
];

/** A refusal with a stable code, the HTTP status it maps to, and a sentence a person understands. */
export interface Refusal {
  code: string;
  status: 404 | 409 | 410 | 422;
  message: string;
}

export type Decision<T> = ({ ok: true } & T) | { ok: false; refusal: Refusal };

const refuse = (code: string, status: Refusal['status'], message: string) =>
  ({ ok: false, refusal: { code, status, message } }) as const;

/** R5.2: may `by` apply `action` to a connection in `current` (null: there is none yet)? */
export function transition(
  current: ConnectionStatus | null,
  action: ConnectionAction,
  by: Side,
): Decision<{ from: ConnectionStatus | null; to: ConnectionStatus }> {
  const t = TRANSITIONS.find((x) => x.action === action)!;
  if (!t.by.includes(by)) {
    return refuse('WRONG_SIDE', 409, `Only the ${t.by.join(' or ')} side can ${action} a connection`);
  }
  if (t.from.includes(current)) return { ok: true, from: current, to: t.to };
  switch (action) {
    case 'invite':
      return current === 'pending'
        ? refuse(
            'ALREADY_PENDING',
            409,
            'This client already has a pending invitation and cannot be invited again until it is answered (R5.2): resend the invitation, or remove the pending client first',
          )
        : refuse(
            'ALREADY_CONNECTED',
            409,
            'This client is already connected (active); there is nothing to invite',
          );
    case 'accept':
    case 'decline':
      return refuse(
        'NOT_PENDING',
        409,
        `Only a pending invitation can be ${action === 'accept' ? 'accepted' : 'declined'}; this connection is ${current ?? 'unknown'}`,
      );
    case 'remove':
      return current === 'active'
        ? refuse('NOT_PENDING', 409, 'An active client cannot be removed; disconnect it instead (R5.2)')
        : refuse(
            'NOT_PENDING',
            409,
            `Only a pending client can be removed (R5.2); this one is ${current ?? 'unknown'}`,
          );
    case 'disconnect':
      return refuse(
        'NOT_ACTIVE',
        409,
        `Only an active connection can be disconnected (R5.2); this one is ${current ?? 'unknown'}`,
      );
  }
}

/** R5.2: what the 3PL is told when it removes a pending client. */
export const REMOVAL_REMINDER =
  'The pending client was removed. Follow up with them about any outstanding fees and any of their stock still in your warehouse.';

/** Emails are compared trimmed and lower-cased everywhere (invitations, directory, acceptance). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * R5.1: may this 3PL invite this email? `accountsWithEmail` are the accounts whose admins use it
 * (the directory); `existing` is this 3PL's connection for the same email, if any.
 */
export function decideInvitation(input: {
  tplAccountId: string;
  accountsWithEmail: readonly string[];
  existing: Pick<Connection, 'status'> | null;
}): Decision<{ from: ConnectionStatus | null; to: ConnectionStatus }> {
  if (input.accountsWithEmail.length === 0) {
    return refuse(
      'NO_ACCOUNT_WITH_EMAIL',
      404,
      'No account uses this email. Invite the client by the email of an admin of its account (R5.1)',
    );
  }
  if (input.accountsWithEmail.every((a) => a === input.tplAccountId)) {
    return refuse(
      'OWN_ACCOUNT',
      422,
      'This email belongs to your own account, which is always in your client list (R5.6); invite a client account instead',
    );
  }
  return transition(input.existing?.status ?? null, 'invite', 'tpl');
}

/**
 * R5.2 + R5.3: a client admin answers a pending invitation. Accepting needs the explicit
 * confirmation that they understand the connection; so does declining.
 */
export function decideAnswer(input: {
  connection: Pick<Connection, 'status' | 'tplAccountId' | 'companyName'>;
  action: 'accept' | 'decline';
  confirm: boolean | undefined;
  callerAccountId: string;
  /** Is the caller already actively connected to this 3PL through another connection? */
  alreadyConnected: boolean;
}): Decision<{ from: ConnectionStatus | null; to: ConnectionStatus }> {
  const { connection, action } = input;
  if (connection.tplAccountId === input.callerAccountId) {
    return refuse('OWN_INVITATION', 422, 'A 3PL cannot answer its own invitation');
  }
  const t = transition(connection.status, action, 'client');
  if (!t.ok) return t;
  if (action === 'accept' && input.alreadyConnected) {
    return refuse(
      'ALREADY_CONNECTED',
      409,
      `Your account is already connected to ${connection.companyName} through another invitation`,
    );
  }
  if (input.confirm !== true) {
    return refuse(
      'CONFIRMATION_REQUIRED',
      422,
      action === 'accept'
        ? `Accepting lets ${connection.companyName} receive the orders you delegate to it and ship them, also with your carrier accounts (R5.3, R5.5). Send {"confirm": true} to confirm that you understand the connection`
        : `Declining ends the invitation of ${connection.companyName}. Send {"confirm": true} to confirm`,
    );
  }
  return t;
}
