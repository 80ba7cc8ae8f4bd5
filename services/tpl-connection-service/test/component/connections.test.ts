import { existsSync, readFileSync } from 'node:fs';
import request from 'supertest';
import type { ClientConnectionChangedV1 } from '@crp/contracts/events/client-connection-changed';
import type { ClientInvitedV1 } from '@crp/contracts/events/client-invited';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { embeddedEnv } from '@crp/testing/service-env';
import { testLogger } from '@crp/testing/silent-logger';
import { waitFor } from '@crp/testing/wait';
import { createTplConnectionService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import { auth, emailOf, eventsOn, signIn, tempMailDir, testClock, tokenFromText } from '../support/fixtures';

// SPEC §5 through the HTTP API on the embedded stack (SQLite, in-process bus). Each test uses its
// own accounts, so they share one service.
describe('3PL connections: invitations and the connection lifecycle (SQLite, in-process bus)', () => {
  let bus: InProcessBus;
  let svc: Awaited<ReturnType<typeof createTplConnectionService>>;
  const clock = testClock();
  const mailDir = tempMailDir();
  let n = 0;
  /** A fresh 3PL and client pair, the client known to the directory. */
  const pair = async () => {
    n++;
    const tpl = `tpl${n}`;
    const client = `client${n}`;
    await signIn(svc.app, client);
    return { tpl, client };
  };
  const post = async (path: string, who: string, body: object = {}, role: 'admin' | 'member' = 'admin') =>
    request(svc.app)
      .post(path)
      .set('Authorization', await auth(who, role))
      .send(body);
  const get = async (path: string, who: string, role: 'admin' | 'member' = 'admin') =>
    request(svc.app)
      .get(path)
      .set('Authorization', await auth(who, role));
  const invite = (tpl: string, client: string, extra: object = {}) =>
    post('/v1/clients', tpl, {
      email: emailOf(client),
      clientName: `${client} nick`,
      companyName: `${tpl} Ltd`,
      ...extra,
    });
  const changes = (connectionId: string) =>
    eventsOn<ClientConnectionChangedV1>(bus, 'ClientConnectionChanged').filter(
      (e) => e.payload.connectionId === connectionId,
    );
  /** The invitation e-mail for the client, from the embedded default's mailbox. */
  const mailFor = async (client: string, count = 1) =>
    waitFor(
      async () => {
        const res = await get('/v1/dev/outbox', client);
        return res.body.messages?.length >= count ? res.body.messages : undefined;
      },
      { what: `invitation e-mail for ${client}` },
    );
  const linkToken = async (client: string, count = 1) =>
    tokenFromText((await mailFor(client, count))[0].text);

  beforeAll(async () => {
    bus = new InProcessBus();
    svc = await createTplConnectionService(loadConfig(embeddedEnv({ MAIL_DIR: mailDir })), {
      bus,
      logger: testLogger(),
      now: clock.now,
    });
    await svc.start();
  });
  afterAll(async () => {
    await svc?.stop();
    await bus?.close();
  });

  describe('accounts directory (R5.1, ADR 0008)', () => {
    it('R5.1: inviting an email no account uses is 404, and the answer says nothing about other accounts', async () => {
      const res = await post('/v1/clients', 'tpl-dir', {
        email: 'nobody@nowhere.example',
        clientName: 'Nobody',
        companyName: 'Dir Ltd',
      });
      expect(res.status).toBe(404);
      expect(res.body.error).toMatchObject({ code: 'NO_ACCOUNT_WITH_EMAIL' });
      expect(res.body.error.message).not.toMatch(/nowhere|tpl\d|client\d|acct-/);
      expect(res.body.error.details).toBeUndefined();
    });

    it("learns an admin's email from its token; a member's token with that email takes it out again", async () => {
      await signIn(svc.app, 'acct-dir', 'ops@dir.example');
      expect(
        (
          await post('/v1/clients', 'tpl-dir', {
            email: 'OPS@dir.example',
            clientName: 'D',
            companyName: 'T',
          })
        ).status,
      ).toBe(201);
      await request(svc.app)
        .get('/v1/connections')
        .set('Authorization', await auth('acct-dir', 'member', 'ops@dir.example'))
        .expect(200);
      const res = await post('/v1/clients', 'tpl-dir2', {
        email: 'ops@dir.example',
        clientName: 'D',
        companyName: 'T',
      });
      expect(res.status).toBe(404);
    });

    it('R5.6: the 3PL cannot invite its own account (422)', async () => {
      await signIn(svc.app, 'tpl-self');
      const res = await invite('tpl-self', 'tpl-self');
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('OWN_ACCOUNT');
    });
  });

  describe('invitation (R5.1)', () => {
    it('R5.1: a 3PL admin invites by email: pending, ClientInvited and ClientConnectionChanged published, e-mail written', async () => {
      const { tpl, client } = await pair();
      const res = await invite(tpl, client, { email: emailOf(client).toUpperCase() });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        kind: 'client',
        clientAccountId: null,
        clientEmail: emailOf(client),
        clientName: `${client} nick`,
        companyName: `${tpl} Ltd`,
        status: 'pending',
        invitationExpiresAt: new Date(clock.now().getTime() + 168 * 3600_000).toISOString(),
      });
      const id = res.body.connectionId as string;

      const [invited] = await waitFor(() => {
        const evs = eventsOn<ClientInvitedV1>(bus, 'ClientInvited').filter(
          (e) => e.payload.connectionId === id,
        );
        return evs.length ? evs : undefined;
      });
      expect(invited!.accountId).toBe(tpl);
      expect(invited!.payload).toMatchObject({
        tplAccountId: tpl,
        clientEmail: emailOf(client),
        companyName: `${tpl} Ltd`,
      });
      expect(changes(id).map((e) => e.payload)).toEqual([
        expect.objectContaining({
          status: 'pending',
          previousStatus: null,
          changedBy: 'tpl',
          clientAccountId: null,
        }),
      ]);

      const [mail] = await mailFor(client);
      expect(mail).toMatchObject({
        to: emailOf(client),
        subject: `${tpl} Ltd invites you to connect as its client`,
        senderAccountId: tpl,
      });
      expect(mail.text).toMatch(/http:\/\/localhost:8080\/settings\/logistics-providers\/review\?token=/);
      expect(existsSync(mail.file)).toBe(true);
      const eml = readFileSync(mail.file, 'utf8');
      expect(eml).toMatch(new RegExp(`^To: ${emailOf(client)}$`, 'm'));
      expect(eml).toMatch(/^Subject: /m);
    });

    it('R5.1: a member cannot invite (403)', async () => {
      const { tpl, client } = await pair();
      const res = await post(
        '/v1/clients',
        tpl,
        { email: emailOf(client), clientName: 'x', companyName: 'y' },
        'member',
      );
      expect(res.status).toBe(403);
    });

    it('R5.1: the email, client name and company name are checked at the door (400)', async () => {
      for (const body of [
        { email: 'not-an-email', clientName: 'a', companyName: 'b' },
        { email: 'a@b.example', clientName: '   ', companyName: 'b' },
        { email: 'a@b.example', clientName: 'a', companyName: 'x'.repeat(191) },
        { email: 'a@b.example', clientName: 'a' },
      ]) {
        const res = await post('/v1/clients', 'tpl-door', body);
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('VALIDATION_FAILED');
      }
    });

    it('R5.2: a second invitation while pending is 409 with the reason', async () => {
      const { tpl, client } = await pair();
      expect((await invite(tpl, client)).status).toBe(201);
      const again = await invite(tpl, client, { clientName: 'other nick' });
      expect(again.status).toBe(409);
      expect(again.body.error).toMatchObject({ code: 'ALREADY_PENDING' });
      expect(again.body.error.message).toMatch(/pending invitation/);
    });

    it('R5.2: the 3PL can send a pending invitation again; the old link stops working (410)', async () => {
      const { tpl, client } = await pair();
      const id = (await invite(tpl, client)).body.connectionId;
      const first = await linkToken(client);
      const resent = await post(`/v1/clients/${id}/invitation`, tpl);
      expect(resent.status).toBe(200);
      const second = await linkToken(client, 2);
      expect(second).not.toBe(first);
      const old = await post('/v1/invitations/accept', client, { token: first, confirm: true });
      expect(old.status).toBe(410);
      expect(old.body.error.code).toBe('INVITATION_WITHDRAWN');
      expect((await post('/v1/invitations/accept', client, { token: second, confirm: true })).status).toBe(
        200,
      );
      expect((await post(`/v1/clients/${id}/invitation`, tpl)).status).toBe(409);
    });
  });

  describe('acceptance in the client settings (R5.3)', () => {
    it("R5.3: the client's admin sees the pending invitation, without the 3PL's nickname for it", async () => {
      const { tpl, client } = await pair();
      const id = (await invite(tpl, client)).body.connectionId;
      const res = await get('/v1/connections?status=pending', client);
      expect(res.body.connections).toEqual([
        expect.objectContaining({
          connectionId: id,
          tplAccountId: tpl,
          companyName: `${tpl} Ltd`,
          status: 'pending',
        }),
      ]);
      expect(JSON.stringify(res.body)).not.toContain('nick');
    });

    it('R5.3: accepting without {"confirm": true} is 422 and changes nothing', async () => {
      const { tpl, client } = await pair();
      const id = (await invite(tpl, client)).body.connectionId;
      for (const body of [{}, { confirm: false }]) {
        const res = await post(`/v1/connections/${id}/accept`, client, body);
        expect(res.status).toBe(422);
        expect(res.body.error.code).toBe('CONFIRMATION_REQUIRED');
      }
      expect((await get(`/v1/clients/${id}`, tpl)).body.status).toBe('pending');
    });

    it('R5.3: a member of the client account gets 403', async () => {
      const { tpl, client } = await pair();
      const id = (await invite(tpl, client)).body.connectionId;
      const res = await post(`/v1/connections/${id}/accept`, client, { confirm: true }, 'member');
      expect(res.status).toBe(403);
    });

    it('R5.3: another account gets 404, for the connection and in its list', async () => {
      const { tpl, client } = await pair();
      const id = (await invite(tpl, client)).body.connectionId;
      await signIn(svc.app, 'stranger');
      expect((await post(`/v1/connections/${id}/accept`, 'stranger', { confirm: true })).status).toBe(404);
      expect((await get(`/v1/connections/${id}`, 'stranger')).status).toBe(404);
      expect((await get('/v1/connections', 'stranger')).body.connections).toEqual([]);
      // …and the 3PL side of another 3PL is just as closed.
      expect((await get(`/v1/clients/${id}`, 'stranger')).status).toBe(404);
      expect((await post(`/v1/clients/${id}/remove`, 'stranger')).status).toBe(404);
    });

    it('R5.3: a confirmed acceptance makes it active, binds the client account, and publishes the change', async () => {
      const { tpl, client } = await pair();
      const id = (await invite(tpl, client)).body.connectionId;
      const res = await post(`/v1/connections/${id}/accept`, client, { confirm: true });
      expect(res.status).toBe(200);
      expect(res.body.connection).toMatchObject({
        connectionId: id,
        status: 'active',
        clientAccountId: client,
      });
      expect(changes(id).map((e) => e.payload.status)).toEqual(['pending', 'active']);
      expect(changes(id)[1]!.payload).toMatchObject({
        clientAccountId: client,
        previousStatus: 'pending',
        changedBy: 'client',
      });
      const clients = await get('/v1/clients', tpl);
      expect(clients.body.clients).toContainEqual(
        expect.objectContaining({ connectionId: id, status: 'active', clientAccountId: client }),
      );
      // Accepting in the settings withdraws the e-mailed link.
      const token = await linkToken(client);
      expect((await post('/v1/invitations/accept', client, { token, confirm: true })).status).toBe(410);
    });

    it('R5.2: the client declines (confirmed) and the 3PL may invite again: the same connection goes back to pending', async () => {
      const { tpl, client } = await pair();
      const id = (await invite(tpl, client)).body.connectionId;
      expect((await post(`/v1/connections/${id}/decline`, client, {})).status).toBe(422);
      const declined = await post(`/v1/connections/${id}/decline`, client, { confirm: true });
      expect(declined.body.connection.status).toBe('declined');
      expect((await post(`/v1/connections/${id}/accept`, client, { confirm: true })).status).toBe(409);
      const again = await invite(tpl, client, { clientName: 'renamed' });
      expect(again.status).toBe(201);
      expect(again.body).toMatchObject({ connectionId: id, status: 'pending', clientName: 'renamed' });
      expect(changes(id).map((e) => [e.payload.previousStatus, e.payload.status])).toEqual([
        [null, 'pending'],
        ['pending', 'declined'],
        ['declined', 'pending'],
      ]);
    });

    it('R5.2: an account already connected to the 3PL cannot accept a second invitation (409)', async () => {
      const { tpl, client } = await pair();
      const first = (await invite(tpl, client)).body.connectionId;
      await post(`/v1/connections/${first}/accept`, client, { confirm: true });
      await signIn(svc.app, client, `second@${client}.example`);
      const second = (
        await post('/v1/clients', tpl, {
          email: `second@${client}.example`,
          clientName: 'b',
          companyName: 'c',
        })
      ).body.connectionId;
      const res = await post(`/v1/connections/${second}/accept`, client, { confirm: true });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('ALREADY_CONNECTED');
    });
  });

  describe("acceptance through the e-mail's link (R5.3)", () => {
    it('R5.3: the link accepts once, with confirmation; a second use is 410', async () => {
      const { tpl, client } = await pair();
      const id = (await invite(tpl, client)).body.connectionId;
      const token = await linkToken(client);

      const seen = await post('/v1/invitations/inspect', client, { token });
      expect(seen.status).toBe(200);
      expect(seen.body).toMatchObject({
        connection: { connectionId: id, companyName: `${tpl} Ltd` },
        canAnswer: true,
      });

      const unconfirmed = await post('/v1/invitations/accept', client, { token });
      expect(unconfirmed.status).toBe(422);
      const ok = await post('/v1/invitations/accept', client, { token, confirm: true });
      expect(ok.status).toBe(200);
      expect(ok.body.connection).toMatchObject({ status: 'active', clientAccountId: client });

      const reused = await post('/v1/invitations/accept', client, { token, confirm: true });
      expect(reused.status).toBe(410);
      expect(reused.body.error.code).toBe('INVITATION_USED');
      expect((await post('/v1/invitations/decline', client, { token, confirm: true })).status).toBe(410);
      const history = (await get(`/v1/connections/${id}`, client)).body.history;
      expect(history[1]).toMatchObject({
        from: 'pending',
        to: 'active',
        via: 'invitation_link',
        side: 'client',
        actorAccountId: client,
        actorUserId: `admin@${client}`,
      });
    });

    it('R5.3: the link declines too (confirmed)', async () => {
      const { tpl, client } = await pair();
      await invite(tpl, client);
      const token = await linkToken(client);
      const res = await post('/v1/invitations/decline', client, { token, confirm: true });
      expect(res.body.connection.status).toBe('declined');
    });

    it('R5.3: a tampered token is 401', async () => {
      const { tpl, client } = await pair();
      await invite(tpl, client);
      const token = await linkToken(client);
      const [h, p, s] = token.split('.');
      for (const bad of [
        `${h}.${p}.${s!.slice(0, -3)}abc`,
        `${h}.${Buffer.from('{"jti":"inv_x"}').toString('base64url')}.${s}`,
        'garbage',
      ]) {
        const res = await post('/v1/invitations/accept', client, { token: bad, confirm: true });
        expect(res.status).toBe(401);
        expect(res.body.error.code).toBe('INVALID_INVITATION_TOKEN');
      }
    });

    it('R5.3: an expired link is 410; the settings still let the admin review the invitation', async () => {
      const { tpl, client } = await pair();
      const id = (await invite(tpl, client)).body.connectionId;
      const token = await linkToken(client);
      clock.advance(168 * 3600_000 + 1000);
      try {
        const res = await post('/v1/invitations/accept', client, { token, confirm: true });
        expect(res.status).toBe(410);
        expect(res.body.error.code).toBe('INVITATION_EXPIRED');
        expect((await post(`/v1/connections/${id}/accept`, client, { confirm: true })).status).toBe(200);
      } finally {
        clock.advance(-(168 * 3600_000 + 1000));
      }
    });

    it("R5.3: another account's admin holding the link gets 404; a member gets 403", async () => {
      const { tpl, client } = await pair();
      await invite(tpl, client);
      const token = await linkToken(client);
      await signIn(svc.app, 'intruder');
      expect((await post('/v1/invitations/accept', 'intruder', { token, confirm: true })).status).toBe(404);
      expect((await post('/v1/invitations/accept', client, { token, confirm: true }, 'member')).status).toBe(
        403,
      );
      expect((await post('/v1/invitations/accept', client, { token, confirm: true })).status).toBe(200);
    });
  });

  describe('removing and disconnecting (R5.2)', () => {
    it('R5.2: removing a pending client answers with the reminder about fees and stock; its link stops working; it may be invited again', async () => {
      const { tpl, client } = await pair();
      const id = (await invite(tpl, client)).body.connectionId;
      const token = await linkToken(client);
      const res = await post(`/v1/clients/${id}/remove`, tpl);
      expect(res.status).toBe(200);
      expect(res.body.client.status).toBe('removed');
      expect(res.body.reminder).toMatch(/outstanding fees.*stock/);
      expect((await post('/v1/invitations/accept', client, { token, confirm: true })).status).toBe(410);
      expect((await invite(tpl, client)).body.status).toBe('pending');
    });

    it('R5.2: a member cannot remove (403); an active client cannot be removed (409)', async () => {
      const { tpl, client } = await pair();
      const id = (await invite(tpl, client)).body.connectionId;
      expect((await post(`/v1/clients/${id}/remove`, tpl, {}, 'member')).status).toBe(403);
      await post(`/v1/connections/${id}/accept`, client, { confirm: true });
      const res = await post(`/v1/clients/${id}/remove`, tpl);
      expect(res.status).toBe(409);
      expect(res.body.error.message).toMatch(/disconnect it instead/);
    });

    it('R5.2: the 3PL disconnects an active client; a new invitation is then allowed', async () => {
      const { tpl, client } = await pair();
      const id = (await invite(tpl, client)).body.connectionId;
      expect((await post(`/v1/clients/${id}/disconnect`, tpl)).status).toBe(409);
      await post(`/v1/connections/${id}/accept`, client, { confirm: true });
      expect((await invite(tpl, client)).status).toBe(409);
      const res = await post(`/v1/clients/${id}/disconnect`, tpl);
      expect(res.body.client).toMatchObject({ status: 'disconnected', clientAccountId: client });
      expect(changes(id).at(-1)!.payload).toMatchObject({
        status: 'disconnected',
        previousStatus: 'active',
        changedBy: 'tpl',
        clientAccountId: client,
      });
      expect((await post(`/v1/clients/${id}/disconnect`, tpl)).status).toBe(409);
      expect((await invite(tpl, client)).status).toBe(201);
    });

    it('R5.2: the client disconnects an active connection; a member of the client cannot', async () => {
      const { tpl, client } = await pair();
      const id = (await invite(tpl, client)).body.connectionId;
      await post(`/v1/connections/${id}/accept`, client, { confirm: true });
      expect((await post(`/v1/connections/${id}/disconnect`, client, {}, 'member')).status).toBe(403);
      const res = await post(`/v1/connections/${id}/disconnect`, client);
      expect(res.body.connection.status).toBe('disconnected');
      expect(changes(id).at(-1)!.payload).toMatchObject({ status: 'disconnected', changedBy: 'client' });
    });

    it('R5.2: every transition is in the history: who, when, from, to', async () => {
      const { tpl, client } = await pair();
      const id = (await invite(tpl, client)).body.connectionId;
      await post(`/v1/connections/${id}/accept`, client, { confirm: true });
      await post(`/v1/clients/${id}/disconnect`, tpl);
      await invite(tpl, client);
      const { history } = (await get(`/v1/clients/${id}`, tpl)).body;
      expect(history).toEqual([
        {
          action: 'invite',
          from: null,
          to: 'pending',
          side: 'tpl',
          actorAccountId: tpl,
          actorUserId: `admin@${tpl}`,
          via: 'api',
          at: expect.any(String),
        },
        {
          action: 'accept',
          from: 'pending',
          to: 'active',
          side: 'client',
          actorAccountId: client,
          actorUserId: `admin@${client}`,
          via: 'settings',
          at: expect.any(String),
        },
        {
          action: 'disconnect',
          from: 'active',
          to: 'disconnected',
          side: 'tpl',
          actorAccountId: tpl,
          actorUserId: `admin@${tpl}`,
          via: 'api',
          at: expect.any(String),
        },
        {
          action: 'invite',
          from: 'disconnected',
          to: 'pending',
          side: 'tpl',
          actorAccountId: tpl,
          actorUserId: `admin@${tpl}`,
          via: 'api',
          at: expect.any(String),
        },
      ]);
      expect(changes(id)).toHaveLength(4);
    });
  });

  describe('the client list (R5.6)', () => {
    it('R5.6: lists the 3PL itself first, then its clients with their status; filters by status and text', async () => {
      const tpl = 'tpl-list';
      for (const c of ['alpha', 'beta', 'gamma']) await signIn(svc.app, c);
      const a = (
        await post('/v1/clients', tpl, {
          email: emailOf('alpha'),
          clientName: 'Alpha Foods',
          companyName: 'List Ltd',
        })
      ).body.connectionId;
      await post('/v1/clients', tpl, {
        email: emailOf('beta'),
        clientName: 'Beta Toys',
        companyName: 'List Ltd',
      });
      await post(`/v1/connections/${a}/accept`, 'alpha', { confirm: true });

      const all = (await get('/v1/clients', tpl)).body.clients;
      expect(
        all.map((c: { kind: string; clientName: string; status: string }) => [
          c.kind,
          c.clientName,
          c.status,
        ]),
      ).toEqual([
        ['self', 'Your own account', 'active'],
        ['client', 'Beta Toys', 'pending'],
        ['client', 'Alpha Foods', 'active'],
      ]);
      expect(all[0]).toMatchObject({ connectionId: null, clientAccountId: tpl });

      const pending = (await get('/v1/clients?status=pending', tpl)).body.clients;
      expect(pending.map((c: { clientName: string }) => c.clientName)).toEqual(['Beta Toys']);
      const active = (await get('/v1/clients?status=active', tpl)).body.clients;
      expect(active.map((c: { clientName: string }) => c.clientName)).toEqual([
        'Your own account',
        'Alpha Foods',
      ]);
      const found = (await get('/v1/clients?q=FOOD', tpl)).body.clients;
      expect(found.map((c: { clientName: string }) => c.clientName)).toEqual(['Alpha Foods']);
      const wildcard = (await get(`/v1/clients?q=${encodeURIComponent('%')}`, tpl)).body.clients;
      expect(wildcard).toEqual([]);
      expect((await get('/v1/clients?limit=1', tpl)).body.clients).toHaveLength(2);
    });

    it('rejects a bad query with VALIDATION_FAILED', async () => {
      for (const q of ['limit=0', 'limit=201', 'status=accepted']) {
        const res = await get(`/v1/clients?${q}`, 'tpl-list');
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('VALIDATION_FAILED');
      }
    });
  });
});
