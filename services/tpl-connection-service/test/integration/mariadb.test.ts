import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { SMTPServer } from 'smtp-server';
import { describeReal, freshMysqlDatabase, uniqueName } from '@crp/testing/real-infra';
import { realEnv } from '@crp/testing/service-env';
import { testLogger } from '@crp/testing/silent-logger';
import { waitFor } from '@crp/testing/wait';
import { createTplConnectionService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import { ConnectionEntity, InvitationEntity } from '../../src/infra/db/entities';
import { auth, emailOf, signIn, tokenFromText } from '../support/fixtures';

/** Undoes quoted-printable soft line breaks and escapes, enough to read a link out of a message. */
const decodeQuotedPrintable = (raw: string) =>
  raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));

describeReal('tpl-connection-service on real MariaDB and Kafka, mailing through SMTP', () => {
  let handle: Awaited<ReturnType<typeof createTplConnectionService>>;
  let drop: () => Promise<void>;
  let smtp: SMTPServer;
  const received: Array<{ to: string[]; raw: string }> = [];

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, done) {
        let raw = '';
        stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
        stream.on('end', () => {
          received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
          done();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
    const port = (smtp.server.address() as AddressInfo).port;
    const fresh = await freshMysqlDatabase('tpl_connection');
    drop = fresh.drop;
    handle = await createTplConnectionService(
      loadConfig(realEnv(fresh.url, `${uniqueName('x')}.`, { SMTP_URL: `smtp://127.0.0.1:${port}` })),
      { logger: testLogger() },
    );
    await handle.start();
  });
  afterAll(async () => {
    await handle?.stop();
    await drop?.();
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  });

  it('migrations created its tables, and it is ready', async () => {
    const runner = handle.db.dataSource.createQueryRunner();
    try {
      for (const table of [
        'connections',
        'invitations',
        'carrier_accounts',
        'account_directory',
        'connection_history',
        'outbox_events',
        'inbox_messages',
      ]) {
        expect(await runner.hasTable(table)).toBe(true);
      }
    } finally {
      await runner.release();
    }
    const ready = await request(handle.app).get('/readyz').expect(200);
    expect(ready.body.checks).toMatchObject({ database: 'ok', bus: 'ok' });
  });

  it('R5.1 → R5.3: invite, the e-mail goes out through SMTP (via Kafka), the link accepts once', async () => {
    await signIn(handle.app, 'acme');
    const invited = await request(handle.app)
      .post('/v1/clients')
      .set('Authorization', await auth('shipfast'))
      .send({ email: emailOf('acme'), clientName: 'Acme', companyName: 'ShipFast Ltd' });
    expect(invited.status).toBe(201);
    const mail = await waitFor(() => received.find((m) => m.to.includes(emailOf('acme'))), {
      timeoutMs: 30000,
      what: 'the invitation through SMTP',
    });
    const raw = decodeQuotedPrintable(mail.raw);
    expect(raw).toMatch(/^Subject: ShipFast Ltd invites you to connect as its client/m);
    const token = tokenFromText(raw);

    const member = await request(handle.app)
      .post('/v1/invitations/accept')
      .set('Authorization', await auth('acme', 'member'))
      .send({ token, confirm: true });
    expect(member.status).toBe(403);
    const ok = await request(handle.app)
      .post('/v1/invitations/accept')
      .set('Authorization', await auth('acme'))
      .send({ token, confirm: true });
    expect(ok.status).toBe(200);
    expect(ok.body.connection).toMatchObject({ status: 'active', clientAccountId: 'acme' });
    const again = await request(handle.app)
      .post('/v1/invitations/accept')
      .set('Authorization', await auth('acme'))
      .send({ token, confirm: true });
    expect(again.status).toBe(410);

    const row = await handle.db.dataSource
      .getRepository(ConnectionEntity)
      .findOneByOrFail({ id: invited.body.connectionId });
    expect(row).toMatchObject({ status: 'active', clientAccountId: 'acme', clientEmail: emailOf('acme') });
    const detail = await request(handle.app)
      .get(`/v1/clients/${row.id}`)
      .set('Authorization', await auth('shipfast'));
    expect(detail.body.history.map((h: { from: string | null; to: string }) => [h.from, h.to])).toEqual([
      [null, 'pending'],
      ['pending', 'active'],
    ]);
  });

  it('R5.2: two invitations of one email at the same moment: one is pending, the other is refused', async () => {
    await signIn(handle.app, 'globex');
    const send = async () =>
      request(handle.app)
        .post('/v1/clients')
        .set('Authorization', await auth('boxco'))
        .send({ email: emailOf('globex'), clientName: 'Globex', companyName: 'BoxCo' });
    const [a, b] = await Promise.all([send(), send()]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    const rows = await handle.db.dataSource.getRepository(ConnectionEntity).findBy({ tplAccountId: 'boxco' });
    expect(rows).toHaveLength(1);
  });

  it('keeps invitation token hashes unique (R5.3: one link, one invitation)', async () => {
    const repo = handle.db.dataSource.getRepository(InvitationEntity);
    const row = {
      connectionId: 'con_1',
      tokenHash: 'a'.repeat(64),
      expiresAt: new Date(),
      usedAt: null,
      revokedAt: null,
      createdAt: new Date(),
    };
    await repo.insert({ id: 'inv_1', ...row });
    await expect(repo.insert({ id: 'inv_2', ...row })).rejects.toThrow(/Duplicate/i);
  });

  it('R5.5: carrier accounts round-trip through MariaDB (JSON services, boolean sharing)', async () => {
    const created = await request(handle.app)
      .post('/v1/carrier-accounts')
      .set('Authorization', await auth('acme'))
      .send({ carrierCode: 'ups', services: ['ups_ground'], sharedWithProviders: false });
    expect(created.status).toBe(201);
    const list = await request(handle.app)
      .get('/v1/carrier-accounts')
      .set('Authorization', await auth('acme'));
    expect(list.body.carrierAccounts).toEqual([
      expect.objectContaining({
        carrierCode: 'ups',
        services: ['ups_ground'],
        sharedWithProviders: false,
        version: 1,
      }),
    ]);
  });
});
