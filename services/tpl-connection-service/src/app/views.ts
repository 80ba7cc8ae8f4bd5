import type { Connection } from '../domain/connection';
import type { HistoryEntry } from '../domain/history';
import type { Invitation } from '../domain/invitation';

/** One line of the 3PL's client list (R5.6). */
export function clientView(c: Connection, latestInvitation?: Invitation | null) {
  return {
    kind: 'client' as const,
    connectionId: c.id,
    clientAccountId: c.clientAccountId,
    clientEmail: c.clientEmail,
    clientName: c.clientName,
    companyName: c.companyName,
    status: c.status,
    invitationExpiresAt:
      c.status === 'pending' && latestInvitation ? latestInvitation.expiresAt.toISOString() : null,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

/** R5.6: the 3PL itself is in its own client list, always active (it ships its own orders). */
export function selfView(tplAccountId: string) {
  return {
    kind: 'self' as const,
    connectionId: null,
    clientAccountId: tplAccountId,
    clientEmail: null,
    clientName: 'Your own account',
    companyName: null,
    status: 'active' as const,
    invitationExpiresAt: null,
    createdAt: null,
    updatedAt: null,
  };
}

/** The client's view of a connection: never the 3PL's internal nickname for it. */
export function connectionView(c: Connection) {
  return {
    connectionId: c.id,
    tplAccountId: c.tplAccountId,
    companyName: c.companyName,
    invitedEmail: c.clientEmail,
    clientAccountId: c.clientAccountId,
    status: c.status,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

export function historyView(h: HistoryEntry) {
  return {
    action: h.action,
    from: h.fromStatus,
    to: h.toStatus,
    side: h.side,
    actorAccountId: h.actorAccountId,
    actorUserId: h.actorUserId,
    via: h.via,
    at: h.at.toISOString(),
  };
}
