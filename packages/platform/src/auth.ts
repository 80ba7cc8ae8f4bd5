import { SignJWT, createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { unauthorized } from './errors';

export type Role = 'admin' | 'member';

/** Who is calling, from the verified token. Every query is scoped to `accountId`. */
export interface Principal {
  userId: string;
  accountId: string;
  role: Role;
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

export function createAuthenticator(opts: AuthOptions): Authenticator {
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
      return principalFrom(payload);
    },
  };
}

function principalFrom(p: JWTPayload): Principal {
  const accountId = p['account_id'];
  const role = p['role'];
  if (typeof p.sub !== 'string' || p.sub === '') throw unauthorized('Token has no "sub" claim');
  if (typeof accountId !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(accountId)) {
    throw unauthorized('Token has no valid "account_id" claim');
  }
  if (role !== 'admin' && role !== 'member') throw unauthorized('Token "role" must be "admin" or "member"');
  return { userId: p.sub, accountId, role };
}

/** Signs an HS256 token with the local secret: `npm run token` and tests use it. */
export async function signDevToken(
  secret: string,
  claims: {
    accountId: string;
    role?: Role;
    sub?: string;
    expiresIn?: string;
    issuer?: string;
    audience?: string;
  },
): Promise<string> {
  let jwt = new SignJWT({ account_id: claims.accountId, role: claims.role ?? 'admin' })
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
