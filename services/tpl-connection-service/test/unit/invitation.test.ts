import { invitationExpiry, invitationState, linkRefusal } from '../../src/domain/invitation';
import { invitationLink, renderInvitationEmail } from '../../src/domain/invitation-email';
import { createInvitationTokens } from '../../src/infra/tokens/invitation-tokens';

const now = new Date('2026-11-23T10:00:00.000Z');
const SECRET = 'unit-test-invitation-secret-0123456789abcdef';

describe('invitation links (R5.3: single-use, expiring)', () => {
  const open = { expiresAt: invitationExpiry(now, 168), usedAt: null, revokedAt: null };

  it('R5.3: a link is open until it expires, is used, or is withdrawn', () => {
    expect(open.expiresAt.toISOString()).toBe('2026-11-30T10:00:00.000Z');
    expect(invitationState(open, now)).toBe('open');
    expect(invitationState(open, open.expiresAt)).toBe('expired');
    expect(invitationState({ ...open, usedAt: now }, now)).toBe('used');
    expect(invitationState({ ...open, revokedAt: now }, now)).toBe('revoked');
  });

  it('R5.3: a used, withdrawn or expired link is 410 Gone with what to do instead', () => {
    expect(linkRefusal('used', open.expiresAt)).toMatchObject({ code: 'INVITATION_USED', status: 410 });
    expect(linkRefusal('revoked', open.expiresAt)).toMatchObject({
      code: 'INVITATION_WITHDRAWN',
      status: 410,
    });
    expect(linkRefusal('expired', open.expiresAt)).toMatchObject({
      code: 'INVITATION_EXPIRED',
      status: 410,
      message: expect.stringMatching(/2026-11-30T10:00:00.000Z.*send it again/),
    });
  });
});

describe('invitation tokens (signed, expiring)', () => {
  const tokens = createInvitationTokens(SECRET);
  const inv = { id: 'inv_1', expiresAt: invitationExpiry(now, 1) };

  it('signs one invitation to the same token every time, so a redelivered e-mail carries the same link', async () => {
    const a = await tokens.sign(inv);
    expect(await tokens.sign(inv)).toBe(a);
    expect(tokens.hash(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('verifies its own token and names the invitation', async () => {
    await expect(tokens.verify(await tokens.sign(inv), now)).resolves.toEqual({
      ok: true,
      invitationId: 'inv_1',
    });
  });

  it('R5.3: an expired token is told apart from a forged one', async () => {
    const later = new Date(inv.expiresAt.getTime() + 1000);
    await expect(tokens.verify(await tokens.sign(inv), later)).resolves.toEqual({
      ok: false,
      reason: 'expired',
      expiresAt: new Date(Math.floor(inv.expiresAt.getTime() / 1000) * 1000),
    });
  });

  it('a tampered token, one of another secret, or garbage is invalid', async () => {
    const token = await tokens.sign(inv);
    const [h, p, s] = token.split('.');
    const otherPayload = Buffer.from(
      JSON.stringify({ jti: 'inv_2', aud: 'tpl-connection-invitation', exp: 4102444800 }),
    ).toString('base64url');
    for (const bad of [
      `${h}.${otherPayload}.${s}`,
      `${h}.${p}.${s!.slice(0, -2)}xx`,
      await createInvitationTokens(`${SECRET}-other`).sign(inv),
      'not-a-token',
    ]) {
      await expect(tokens.verify(bad, now)).resolves.toEqual({ ok: false, reason: 'invalid' });
    }
  });
});

describe('the invitation e-mail (R5.1, R5.3)', () => {
  it('names the 3PL as the client will see it, carries the link, and says the link works once and expires', () => {
    const link = invitationLink('https://app.example/settings/review?x=1', 'abc.def.ghi');
    expect(link).toBe('https://app.example/settings/review?x=1&token=abc.def.ghi');
    const mail = renderInvitationEmail({
      to: 'owner@acme.example',
      companyName: 'ShipFast <Ltd>',
      link,
      expiresAt: new Date('2026-11-30T10:00:00.000Z'),
    });
    expect(mail.subject).toBe('ShipFast <Ltd> invites you to connect as its client');
    expect(mail.text).toContain(link);
    expect(mail.text).toMatch(/works once and expires on 2026-11-30 10:00 UTC/);
    expect(mail.html).toContain('ShipFast &lt;Ltd&gt;');
    expect(mail.html).toContain('href="https://app.example/settings/review?x=1&amp;token=abc.def.ghi"');
  });
});
