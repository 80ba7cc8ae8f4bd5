import { SignJWT, UnsecuredJWT, base64url } from 'jose';
import { createAuthenticator, signDevToken } from '../src/auth';
import { AppError } from '../src/errors';
import { ACCOUNT_ID_MAX_LENGTH, TEXT_LIMITS } from '@crp/contracts/limits';

const SECRET = 'test-secret-0123456789abcdef';
const key = new TextEncoder().encode(SECRET);

async function rejectionOf(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => {
      throw new Error('expected verify() to reject');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect(err).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
  return err as AppError;
}

function hs256(claims: Record<string, unknown>): SignJWT {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('1h');
}

describe('createAuthenticator with a shared secret', () => {
  const auth = createAuthenticator({ secret: SECRET });

  it('turns a valid dev token into the principal', async () => {
    const token = await signDevToken(SECRET, { accountId: 'acme', role: 'member', sub: 'alice' });
    await expect(auth.verify(token)).resolves.toEqual({ userId: 'alice', accountId: 'acme', role: 'member' });
  });

  it('defaults the dev token to an admin of the account', async () => {
    const token = await signDevToken(SECRET, { accountId: 'acme' });
    await expect(auth.verify(token)).resolves.toEqual({
      userId: 'user@acme',
      accountId: 'acme',
      role: 'admin',
    });
  });

  it('rejects a token signed with another secret', async () => {
    const token = await signDevToken('another-secret-0123456789abcdef', { accountId: 'acme' });
    await rejectionOf(auth.verify(token));
  });

  it('rejects an expired token', async () => {
    const token = await signDevToken(SECRET, { accountId: 'acme', expiresIn: '-1s' });
    const err = await rejectionOf(auth.verify(token));
    expect(err.message).toMatch(/exp/i);
  });

  it('refuses a token it accepted before once its exp has passed (verified tokens are remembered)', async () => {
    const fresh = createAuthenticator({ secret: SECRET });
    const token = await signDevToken(SECRET, { accountId: 'acme', role: 'member', expiresIn: '2s' });
    await expect(fresh.verify(token)).resolves.toMatchObject({ accountId: 'acme' });
    await expect(fresh.verify(token)).resolves.toMatchObject({ accountId: 'acme' });
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      jest.setSystemTime(Date.now() + 3000);
      const err = await rejectionOf(fresh.verify(token));
      expect(err.message).toMatch(/exp/i);
    } finally {
      jest.useRealTimers();
    }
  });

  it('does not remember a refused token: the same text signed wrongly is refused every time', async () => {
    const fresh = createAuthenticator({ secret: SECRET });
    const token = await signDevToken('another-secret-0123456789abcdef', { accountId: 'acme' });
    await rejectionOf(fresh.verify(token));
    await rejectionOf(fresh.verify(token));
  });

  it('rejects a token whose exp lies in the past', async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    const token = await new SignJWT({ account_id: 'acme', role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setIssuedAt(past - 60)
      .setExpirationTime(past)
      .sign(key);
    await rejectionOf(auth.verify(token));
  });

  it('rejects a token without account_id, naming the claim', async () => {
    const token = await hs256({ role: 'admin' }).setSubject('alice').sign(key);
    const err = await rejectionOf(auth.verify(token));
    expect(err.message).toContain('account_id');
  });

  it('rejects an account_id outside the allowed characters', async () => {
    const token = await hs256({ account_id: "acme' OR 1=1", role: 'admin' }).setSubject('alice').sign(key);
    const err = await rejectionOf(auth.verify(token));
    expect(err.message).toContain('account_id');
  });

  it('accepts an account_id of up to 54 characters, whose manual store id st_manual_<account> fits a store id (64); one longer is refused, naming the limit', async () => {
    expect(ACCOUNT_ID_MAX_LENGTH).toBe(TEXT_LIMITS.storeId - 'st_manual_'.length);
    const longest = 'a'.repeat(ACCOUNT_ID_MAX_LENGTH);
    const ok = await hs256({ account_id: longest, role: 'admin' }).setSubject('alice').sign(key);
    await expect(auth.verify(ok)).resolves.toMatchObject({ accountId: longest });
    const tooLong = await hs256({ account_id: `${longest}a`, role: 'admin' })
      .setSubject('alice')
      .sign(key);
    const err = await rejectionOf(auth.verify(tooLong));
    expect(err.message).toContain('account_id');
    expect(err.message).toContain(`1 to ${ACCOUNT_ID_MAX_LENGTH}`);
  });

  it('carries the email claim, lower-cased, for the accounts directory of tpl-connection-service', async () => {
    const token = await signDevToken(SECRET, {
      accountId: 'acme',
      sub: 'alice',
      email: ' Alice@Acme.Example ',
    });
    await expect(auth.verify(token)).resolves.toEqual({
      userId: 'alice',
      accountId: 'acme',
      role: 'admin',
      email: 'alice@acme.example',
    });
  });

  it('ignores an email marked unverified, or one that is not an address, and keeps the token valid', async () => {
    for (const claims of [
      { email: 'alice@acme.example', email_verified: false },
      { email: 'not an address' },
      { email: 42 },
    ]) {
      const token = await hs256({ account_id: 'acme', role: 'admin', ...claims })
        .setSubject('alice')
        .sign(key);
      await expect(auth.verify(token)).resolves.toEqual({
        userId: 'alice',
        accountId: 'acme',
        role: 'admin',
      });
    }
  });

  it('rejects a role other than admin or member, naming the claim', async () => {
    const token = await hs256({ account_id: 'acme', role: 'owner' }).setSubject('alice').sign(key);
    const err = await rejectionOf(auth.verify(token));
    expect(err.message).toContain('role');
  });

  it('rejects a token without sub, naming the claim', async () => {
    const token = await hs256({ account_id: 'acme', role: 'admin' }).sign(key);
    const err = await rejectionOf(auth.verify(token));
    expect(err.message).toContain('sub');
  });

  it('rejects an unsecured (alg none) token', async () => {
    const token = new UnsecuredJWT({ account_id: 'acme', role: 'admin' })
      .setSubject('alice')
      .setExpirationTime('1h')
      .encode();
    await rejectionOf(auth.verify(token));
  });

  it('rejects a token signed with the same secret but another HMAC algorithm', async () => {
    const token = await new SignJWT({ account_id: 'acme', role: 'admin' })
      .setProtectedHeader({ alg: 'HS512' })
      .setSubject('alice')
      .setExpirationTime('1h')
      .sign(key);
    const err = await rejectionOf(auth.verify(token));
    expect(err.message).toMatch(/alg/i);
  });

  it('rejects a token whose payload was altered after signing', async () => {
    const token = await signDevToken(SECRET, { accountId: 'acme', role: 'member' });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as Record<string, unknown>;
    const forged = base64url.encode(JSON.stringify({ ...claims, role: 'admin' }));
    await rejectionOf(auth.verify(`${header}.${forged}.${signature}`));
  });

  it('rejects garbage', async () => {
    await rejectionOf(auth.verify('not-a-jwt'));
  });
});

describe('createAuthenticator with issuer and audience', () => {
  const auth = createAuthenticator({ secret: SECRET, issuer: 'https://idp.example', audience: 'crp' });

  it('accepts a token with the configured issuer and audience', async () => {
    const token = await signDevToken(SECRET, {
      accountId: 'acme',
      issuer: 'https://idp.example',
      audience: 'crp',
    });
    await expect(auth.verify(token)).resolves.toMatchObject({ accountId: 'acme' });
  });

  it('rejects a token from another issuer', async () => {
    const token = await signDevToken(SECRET, {
      accountId: 'acme',
      issuer: 'https://evil.example',
      audience: 'crp',
    });
    const err = await rejectionOf(auth.verify(token));
    expect(err.message).toContain('iss');
  });

  it('rejects a token for another audience', async () => {
    const token = await signDevToken(SECRET, {
      accountId: 'acme',
      issuer: 'https://idp.example',
      audience: 'other',
    });
    const err = await rejectionOf(auth.verify(token));
    expect(err.message).toContain('aud');
  });

  it('rejects a token without issuer or audience', async () => {
    const token = await signDevToken(SECRET, { accountId: 'acme' });
    await rejectionOf(auth.verify(token));
  });
});

describe('createAuthenticator options', () => {
  it('refuses to build without a secret or JWKS URL', () => {
    expect(() => createAuthenticator({})).toThrow(/secret or a JWKS URL/);
  });
});

describe('createAuthenticator with a JWKS URL (deployments)', () => {
  it('verifies RS256 tokens against the keys the URL serves, and refuses other keys', async () => {
    const { createServer } = await import('node:http');
    const { exportJWK, generateKeyPair } = await import('jose');
    const issuerKeys = await generateKeyPair('RS256');
    const strangerKeys = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(issuerKeys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    const server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as { port: number };
    try {
      const auth = createAuthenticator({ jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json` });
      const sign = (key: Parameters<SignJWT['sign']>[0]) =>
        new SignJWT({ account_id: 'acme', role: 'member' })
          .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
          .setSubject('u1')
          .setExpirationTime('5m')
          .sign(key);
      await expect(auth.verify(await sign(issuerKeys.privateKey))).resolves.toEqual({
        userId: 'u1',
        accountId: 'acme',
        role: 'member',
      });
      await expect(auth.verify(await sign(strangerKeys.privateKey))).rejects.toMatchObject({ status: 401 });
      // an HS256 token made with any secret is not accepted by a JWKS authenticator
      await expect(
        auth.verify(await signDevToken('x'.repeat(32), { accountId: 'acme' })),
      ).rejects.toMatchObject({
        status: 401,
      });
    } finally {
      server.close();
    }
  });
});
