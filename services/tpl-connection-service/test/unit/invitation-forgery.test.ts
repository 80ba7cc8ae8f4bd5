import { SignJWT, UnsecuredJWT } from 'jose';
import { signDevToken } from '@crp/platform/auth';
import { createInvitationTokens } from '../../src/infra/tokens/invitation-tokens';

const SECRET = 'invitation-secret-for-forgery-tests-0123456789';
const key = new TextEncoder().encode(SECRET);
const inv = { id: 'inv_1', expiresAt: new Date('2026-12-01T00:00:00Z') };
const now = new Date('2026-11-24T00:00:00Z');

// R5.3 link tokens beyond tampering and expiry (test/unit/invitation.test.ts): what a forger with
// other tokens of the platform in hand could try.
describe('invitation link tokens refuse forgeries', () => {
  const tokens = createInvitationTokens(SECRET);

  it('alg none naming a real invitation is invalid', async () => {
    const forged = new UnsecuredJWT({})
      .setJti(inv.id)
      .setAudience('tpl-connection-invitation')
      .setExpirationTime('1h')
      .encode();
    await expect(tokens.verify(forged, now)).resolves.toEqual({ ok: false, reason: 'invalid' });
  });

  it('a token with the same secret but without the invitation audience (a login token) is invalid', async () => {
    const login = await signDevToken(SECRET, { accountId: 'acme' });
    await expect(tokens.verify(login, now)).resolves.toEqual({ ok: false, reason: 'invalid' });
    const noJti = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience('tpl-connection-invitation')
      .setExpirationTime('1h')
      .sign(key);
    await expect(tokens.verify(noJti, now)).resolves.toEqual({ ok: false, reason: 'invalid' });
  });

  it('an expired token under a wrong signature is "invalid", never "expired" (a forger learns nothing)', async () => {
    const old = { ...inv, expiresAt: new Date('2026-01-01T00:00:00Z') };
    const real = await tokens.sign(old);
    await expect(tokens.verify(real, now)).resolves.toMatchObject({ ok: false, reason: 'expired' });
    const forged = await createInvitationTokens(`${SECRET}-not-ours`).sign(old);
    await expect(tokens.verify(forged, now)).resolves.toEqual({ ok: false, reason: 'invalid' });
  });
});
