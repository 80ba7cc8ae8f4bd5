import {
  CONNECTION_STATUSES,
  REMOVAL_REMINDER,
  TRANSITIONS,
  decideAnswer,
  decideInvitation,
  normalizeEmail,
  transition,
  type ConnectionStatus,
} from '../../src/domain/connection';

const pendingOf = (tplAccountId = 'shipfast') => ({
  status: 'pending' as ConnectionStatus,
  tplAccountId,
  companyName: 'ShipFast Ltd',
});

describe('connection state machine (R5.2)', () => {
  it.each([
    ['R5.1/R5.2 a first invitation makes a pending connection', null, 'invite', 'tpl', 'pending'],
    ['R5.2 a declined client may be invited again', 'declined', 'invite', 'tpl', 'pending'],
    ['R5.2 a removed client may be invited again', 'removed', 'invite', 'tpl', 'pending'],
    ['R5.2 a disconnected client may be invited again', 'disconnected', 'invite', 'tpl', 'pending'],
    ['R5.2/R5.3 the client accepts: pending → active', 'pending', 'accept', 'client', 'active'],
    ['R5.2 the client declines: pending → declined', 'pending', 'decline', 'client', 'declined'],
    ['R5.2 the 3PL removes a pending client: pending → removed', 'pending', 'remove', 'tpl', 'removed'],
    ['R5.2 the 3PL disconnects: active → disconnected', 'active', 'disconnect', 'tpl', 'disconnected'],
    ['R5.2 the client disconnects: active → disconnected', 'active', 'disconnect', 'client', 'disconnected'],
  ] as const)('%s', (_name, from, action, by, to) => {
    expect(transition(from, action, by)).toEqual({ ok: true, from, to });
  });

  it.each([
    [
      'R5.2 a pending client cannot be invited again',
      'pending',
      'invite',
      'tpl',
      'ALREADY_PENDING',
      /pending invitation/,
    ],
    [
      'R5.2 an active client cannot be invited',
      'active',
      'invite',
      'tpl',
      'ALREADY_CONNECTED',
      /already connected/,
    ],
    [
      'R5.2 only a pending invitation can be accepted',
      'declined',
      'accept',
      'client',
      'NOT_PENDING',
      /declined/,
    ],
    [
      'R5.2 an active connection cannot be accepted again',
      'active',
      'accept',
      'client',
      'NOT_PENDING',
      /active/,
    ],
    [
      'R5.2 only a pending invitation can be declined',
      'removed',
      'decline',
      'client',
      'NOT_PENDING',
      /removed/,
    ],
    [
      'R5.2 an active client is disconnected, not removed',
      'active',
      'remove',
      'tpl',
      'NOT_PENDING',
      /disconnect it instead/,
    ],
    ['R5.2 a declined client cannot be removed', 'declined', 'remove', 'tpl', 'NOT_PENDING', /declined/],
    [
      'R5.2 a pending connection cannot be disconnected',
      'pending',
      'disconnect',
      'tpl',
      'NOT_ACTIVE',
      /pending/,
    ],
    [
      'R5.2 a disconnected connection cannot be disconnected again',
      'disconnected',
      'disconnect',
      'client',
      'NOT_ACTIVE',
      /disconnected/,
    ],
    ['R5.3 the 3PL cannot accept its own invitation', 'pending', 'accept', 'tpl', 'WRONG_SIDE', /client/],
    ['R5.2 the client cannot remove', 'pending', 'remove', 'client', 'WRONG_SIDE', /tpl/],
    ['R5.1 the client cannot invite', null, 'invite', 'client', 'WRONG_SIDE', /tpl/],
  ] as const)('%s', (_name, from, action, by, code, message) => {
    const r = transition(from, action, by);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.refusal.code).toBe(code);
    expect(r.refusal.status).toBe(409);
    expect(r.refusal.message).toMatch(message);
  });

  it('has no way out of a status other than the listed ones (every pair is decided)', () => {
    const actions = [...new Set(TRANSITIONS.map((t) => t.action))];
    let allowed = 0;
    for (const from of [null, ...CONNECTION_STATUSES]) {
      for (const action of actions) {
        for (const by of ['tpl', 'client'] as const) {
          const r = transition(from, action, by);
          if (r.ok) allowed++;
          else expect(r.refusal.message.length).toBeGreaterThan(10);
        }
      }
    }
    expect(allowed).toBe(9);
  });

  it('R5.2: the removal reminder names outstanding fees and stock', () => {
    expect(REMOVAL_REMINDER).toMatch(/outstanding fees/);
    expect(REMOVAL_REMINDER).toMatch(/stock/);
  });
});

describe('decideInvitation (R5.1)', () => {
  it('R5.1: an email no account uses is refused with 404 and nothing more', () => {
    const r = decideInvitation({ tplAccountId: 'shipfast', accountsWithEmail: [], existing: null });
    expect(r).toEqual({
      ok: false,
      refusal: expect.objectContaining({ code: 'NO_ACCOUNT_WITH_EMAIL', status: 404 }),
    });
  });

  it("R5.6: the 3PL's own email is refused (422): it is already in its own client list", () => {
    const r = decideInvitation({ tplAccountId: 'shipfast', accountsWithEmail: ['shipfast'], existing: null });
    expect(r).toEqual({ ok: false, refusal: expect.objectContaining({ code: 'OWN_ACCOUNT', status: 422 }) });
  });

  it('R5.1: an email used by the 3PL and by another account may be invited (the other one answers)', () => {
    const r = decideInvitation({
      tplAccountId: 'shipfast',
      accountsWithEmail: ['acme', 'shipfast'],
      existing: null,
    });
    expect(r).toEqual({ ok: true, from: null, to: 'pending' });
  });

  it('R5.2: a pending invitation of the same email is a conflict', () => {
    const r = decideInvitation({
      tplAccountId: 'shipfast',
      accountsWithEmail: ['acme'],
      existing: { status: 'pending' },
    });
    expect(r).toMatchObject({ ok: false, refusal: { code: 'ALREADY_PENDING', status: 409 } });
  });

  it('R5.2: after a decline the same email goes back to pending', () => {
    const r = decideInvitation({
      tplAccountId: 'shipfast',
      accountsWithEmail: ['acme'],
      existing: { status: 'declined' },
    });
    expect(r).toEqual({ ok: true, from: 'declined', to: 'pending' });
  });
});

describe('decideAnswer (R5.3)', () => {
  const base = { callerAccountId: 'acme', alreadyConnected: false };

  it('R5.3: accepting needs the explicit confirmation (422), and says what it means', () => {
    for (const confirm of [undefined, false]) {
      const r = decideAnswer({ ...base, connection: pendingOf(), action: 'accept', confirm });
      expect(r).toMatchObject({ ok: false, refusal: { code: 'CONFIRMATION_REQUIRED', status: 422 } });
      if (!r.ok) expect(r.refusal.message).toMatch(/ShipFast Ltd.*"confirm": true/);
    }
  });

  it('R5.3: declining needs the confirmation too', () => {
    const r = decideAnswer({ ...base, connection: pendingOf(), action: 'decline', confirm: undefined });
    expect(r).toMatchObject({ ok: false, refusal: { code: 'CONFIRMATION_REQUIRED', status: 422 } });
  });

  it('R5.3: confirmed, a pending invitation is accepted', () => {
    expect(decideAnswer({ ...base, connection: pendingOf(), action: 'accept', confirm: true })).toEqual({
      ok: true,
      from: 'pending',
      to: 'active',
    });
  });

  it('R5.2: a state that cannot be answered is refused before asking for confirmation', () => {
    const r = decideAnswer({
      ...base,
      connection: { ...pendingOf(), status: 'removed' },
      action: 'accept',
      confirm: undefined,
    });
    expect(r).toMatchObject({ ok: false, refusal: { code: 'NOT_PENDING', status: 409 } });
  });

  it('R5.2: an account already connected to this 3PL cannot connect twice', () => {
    const r = decideAnswer({
      ...base,
      alreadyConnected: true,
      connection: pendingOf(),
      action: 'accept',
      confirm: true,
    });
    expect(r).toMatchObject({ ok: false, refusal: { code: 'ALREADY_CONNECTED', status: 409 } });
  });

  it('R5.3: the 3PL account cannot answer its own invitation', () => {
    const r = decideAnswer({
      ...base,
      callerAccountId: 'shipfast',
      connection: pendingOf('shipfast'),
      action: 'accept',
      confirm: true,
    });
    expect(r).toMatchObject({ ok: false, refusal: { code: 'OWN_INVITATION', status: 422 } });
  });
});

it('R5.1: emails compare trimmed and lower-cased', () => {
  expect(normalizeEmail('  Owner@Acme.Example ')).toBe('owner@acme.example');
});
