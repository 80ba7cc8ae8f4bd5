import { SignJWT, createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { unauthorized } from './errors';
import { ACCOUNT_ID_MAX_LENGTH } from '@crp/contracts/limits';

export type Role = 'admin' | 'member';

/** Who is calling, from the verified token. Every query is scoped to `accountId`. */
export interface Principal {
  userId: string;
  accountId: string;
  role: Role;
  /**
   * The OIDC `email` claim, lower-cased, when the token carries one that is not marked
   * `email_verified: false`. tpl-connection-service keeps its accounts directory from it (R5.1).
   */
  email?: string;
}

export interface AuthOptions {
  secret?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
}

export interface Authenticator {
  verify(token: string): Promise<Principal>;
}

/**
 * Verified tokens are remembered (token → principal) for at most this long and never past their
 * `exp`: a client sends the same token on every request, and verifying it again (HMAC through
 * WebCrypto, claim checks) cost 35–60 µs a request under load — a tenth of an exact customer
 * lookup's CPU (issue 14). Only successes are kept; a key withdrawn from a JWKS stops being
 * accepted at most this much later.
 */
export const VERIFIED_TOKEN_TTL_MS = 60_000;
const VERIFIED_TOKENS_MAX = 1000;

export function createAuthenticator(opts: AuthOptions): Authenticator {
  const verifiedTokens = new Map<string, { principal: Principal; until: number }>();
  let key: Uint8Array | JWTVerifyGetKey;
  let algorithms: string[];
  if (opts.jwksUrl) {
    key = createRemoteJWKSet(new URL(opts.jwksUrl));
    algorithms = ['RS256', 'ES256', 'PS256', 'EdDSA'];
  } else if (opts.secret) {
    key = new TextEncoder().encode(opts.secret);
    algorithms = ['HS256'];
  } else {
    throw new Error('auth needs a secret or a JWKS URL');
  }
  return {
    async verify(token) {
      const now = Date.now();
      const known = verifiedTokens.get(token);
      if (known && known.until > now) return known.principal;
      if (known) verifiedTokens.delete(token);
      let payload: JWTPayload;
      try {
        const verified = await jwtVerify(token, key as Uint8Array, {
          algorithms,
          requiredClaims: ['exp'],
          issuer: opts.issuer,
          audience: opts.audience,
        });
        payload = verified.payload;
      } catch (err) {
        throw unauthorized(`Invalid token: ${(err as Error).message}`);
      }
      const principal = Object.freeze(principalFrom(payload));
      if (typeof payload.exp === 'number') {
        // The oldest entry makes room: a map keeps insertion order.
        if (verifiedTokens.size >= VERIFIED_TOKENS_MAX)
          verifiedTokens.delete(verifiedTokens.keys().next().value!);
        verifiedTokens.set(token, {
          principal,
          until: Math.min(payload.exp * 1000, now + VERIFIED_TOKEN_TTL_MS),
        });
      }
      return principal;
    },
  };
}

/** An account id as tokens carry it; its length leaves room for its manual store's id (limits.ts). */
const ACCOUNT_ID = new RegExp(`^[A-Za-z0-9_.-]{1,${ACCOUNT_ID_MAX_LENGTH}}$`);

function principalFrom(p: JWTPayload): Principal {
  const accountId = p['account_id'];
  const role = p['role'];
  if (typeof p.sub !== 'string' || p.sub === '') throw unauthorized('Token has no "sub" claim');
  if (typeof accountId !== 'string' || !ACCOUNT_ID.test(accountId)) {
    throw unauthorized(
      `Token has no valid "account_id" claim: 1 to ${ACCOUNT_ID_MAX_LENGTH} letters, digits, "_", "." or "-"`,
    );
  }
  if (role !== 'admin' && role !== 'member') throw unauthorized('Token "role" must be "admin" or "member"');
  const email = verifiedEmail(p);
  return { userId: p.sub, accountId, role, ...(email ? { email } : {}) };
}

/** An unverified or malformed email is ignored, not refused: the token is still valid for everything else. */
function verifiedEmail(p: JWTPayload): string | undefined {
  const email = p['email'];
  if (typeof email !== 'string' || p['email_verified'] === false) return undefined;
  const e = email.trim().toLowerCase();
  return e.length <= 190 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e) ? e : undefined;
}

/** Signs an HS256 token with the local secret: `npm run token` and tests use it. */
export async function signDevToken(
  secret: string,
  claims: {
    accountId: string;
    role?: Role;
    sub?: string;
    /** Sets the OIDC `email` claim (with `email_verified: true`). */
    email?: string;
    expiresIn?: string;
    issuer?: string;
    audience?: string;
  },
): Promise<string> {
  let jwt = new SignJWT({
    account_id: claims.accountId,
    role: claims.role ?? 'admin',
    ...(claims.email ? { email: claims.email, email_verified: true } : {}),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub ?? `user@${claims.accountId}`)
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? '12h');
  if (claims.issuer) jwt = jwt.setIssuer(claims.issuer);
  if (claims.audience) jwt = jwt.setAudience(claims.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}

/** Only for local use: printed by `npm start` and `npm run token`; services refuse it in production. */
export const LOCAL_DEV_SECRET = 'local-only-insecure-secret-change-me';
