import { createHash } from 'node:crypto';
import { SignJWT, errors, jwtVerify } from 'jose';
import type { InvitationTokens } from '../../app/ports';

const AUDIENCE = 'tpl-connection-invitation';

/**
 * R5.3 link tokens: an HS256 JWT whose `jti` is the invitation and whose `exp` is its expiry,
 * signed with INVITATION_TOKEN_SECRET. No `iat`, so signing one invitation again gives the very
 * same token: a redelivered ClientInvited mails an identical link. The database keeps only the
 * SHA-256 of the token (single use is recorded there, not in the token).
 */
export function createInvitationTokens(secret: string): InvitationTokens {
  const key = new TextEncoder().encode(secret);
  return {
    sign: (inv) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setJti(inv.id)
        .setAudience(AUDIENCE)
        .setExpirationTime(Math.floor(inv.expiresAt.getTime() / 1000))
        .sign(key),

    async verify(token, now) {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          audience: AUDIENCE,
          currentDate: now,
          requiredClaims: ['jti', 'exp'],
        });
        return { ok: true, invitationId: String(payload.jti) };
      } catch (err) {
        // Only a correctly signed token can be "expired": jose checks the signature first.
        if (err instanceof errors.JWTExpired) {
          const exp = err.payload.exp;
          return { ok: false, reason: 'expired', ...(exp ? { expiresAt: new Date(exp * 1000) } : {}) };
        }
        return { ok: false, reason: 'invalid' };
      }
    },

    hash: (token) => createHash('sha256').update(token).digest('hex'),
  };
}
