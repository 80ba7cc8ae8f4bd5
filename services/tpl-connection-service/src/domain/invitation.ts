import type { Refusal } from './connection';

/** One invitation link (R5.3). The token is only ever in the e-mail; the service keeps its hash. */
export interface Invitation {
  id: string;
  connectionId: string;
  /** SHA-256 (hex) of the link's token. */
  tokenHash: string;
  expiresAt: Date;
  /** Set when the link was used to accept or decline: links are single-use (R5.3). */
  usedAt: Date | null;
  /** Set when the link stopped counting without being used: answered otherwise, resent, removed. */
  revokedAt: Date | null;
  createdAt: Date;
}

export type InvitationState = 'open' | 'used' | 'revoked' | 'expired';

/** R5.3: links are single-use and expire. */
export function invitationState(
  inv: Pick<Invitation, 'expiresAt' | 'usedAt' | 'revokedAt'>,
  now: Date,
): InvitationState {
  if (inv.usedAt) return 'used';
  if (inv.revokedAt) return 'revoked';
  if (inv.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'open';
}

export function invitationExpiry(now: Date, ttlHours: number): Date {
  return new Date(now.getTime() + ttlHours * 3_600_000);
}

/** Why a link no longer works: 410 Gone, with what the person can do instead. */
export function linkRefusal(state: Exclude<InvitationState, 'open'>, expiresAt: Date): Refusal {
  switch (state) {
    case 'used':
      return {
        code: 'INVITATION_USED',
        status: 410,
        message: 'This invitation link was already used; links work once (R5.3)',
      };
    case 'revoked':
      return {
        code: 'INVITATION_WITHDRAWN',
        status: 410,
        message:
          'This invitation link no longer counts: the invitation was answered, sent again or withdrawn by the 3PL',
      };
    case 'expired':
      return {
        code: 'INVITATION_EXPIRED',
        status: 410,
        message: `This invitation link expired at ${expiresAt.toISOString()} (R5.3); ask the 3PL to send it again, or review the connection in your settings`,
      };
  }
}
