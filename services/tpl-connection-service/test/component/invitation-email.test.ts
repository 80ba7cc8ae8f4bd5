import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { IsNull } from 'typeorm';
import { ClientInvited } from '@crp/contracts/events/client-invited';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { InboxEntity, OutboxEntity } from '@crp/messaging/tables';
import { embeddedEnv } from '@crp/testing/service-env';
import { testLogger } from '@crp/testing/silent-logger';
import { waitFor } from '@crp/testing/wait';
import type { Mailer, OutgoingMail } from '../../src/app/ports';
import { sendInvitationEmail } from '../../src/app/send-invitation-email';
import { createTplConnectionService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import { repositories } from '../../src/infra/db/repositories';
import { createInvitationTokens } from '../../src/infra/tokens/invitation-tokens';
import { LOCAL_INVITATION_SECRET } from '../../src/config';
import { auth, emailOf, signIn, tempMailDir, tokenFromText } from '../support/fixtures';

/** A mail server that refuses `failures` times, then takes every message. */
function flakyMailer(failures: number) {
  const sent: OutgoingMail[] = [];
  let left = failures;
  const mailer: Mailer = {
    async send(mail) {
      if (left-- > 0) throw new Error('421 4.3.2 service not available');
      sent.push(mail);
      return { messageId: `<${sent.length}@test>` };
    },
  };
  return { mailer, sent };
}

describe('the invitation e-mail, sent from ClientInvited (R5.1, R5.3)', () => {
  let bus: InProcessBus;
  let svc: Awaited<ReturnType<typeof createTplConnectionService>>;
  const flaky = flakyMailer(2);

  /** Every event written is published (the relay marks a row after publishing it), and every
   * ClientInvited on the bus has its inbox row: its handler ran to a commit. */
  const settled = async () => {
    const repo = (e: typeof OutboxEntity | typeof InboxEntity) => svc.db.dataSource.getRepository(e);
    await waitFor(async () => (await repo(OutboxEntity).countBy({ publishedAt: IsNull() })) === 0, {
      what: 'outbox drained',
    });
    const ids = bus
      .messagesOn(ClientInvited.topic)
      .map((m) => ({ eventId: (JSON.parse(m.value) as { eventId: string }).eventId }));
    await waitFor(async () => (await repo(InboxEntity).countBy(ids)) === ids.length, {
      what: `${ids.length} ClientInvited handled`,
    });
  };

  beforeAll(async () => {
    bus = new InProcessBus();
    svc = await createTplConnectionService(loadConfig(embeddedEnv({ MAIL_DIR: tempMailDir() })), {
      bus,
      logger: testLogger(),
      mailer: flaky.mailer,
    });
    await svc.start();
  });
  afterAll(async () => {
    await svc?.stop();
    await bus?.close();
  });

  it('a mail server that is away is retried; the e-mail leaves once it answers, once', async () => {
    await signIn(svc.app, 'acme');
    const res = await request(svc.app)
      .post('/v1/clients')
      .set('Authorization', await auth('shipfast'))
      .send({ email: emailOf('acme'), clientName: 'Acme', companyName: 'ShipFast Ltd' });
    expect(res.status).toBe(201);
    const [mail] = await waitFor(() => (flaky.sent.length ? flaky.sent : undefined), { what: 'the e-mail' });
    // Once every ClientInvited written is on the bus and handled (inbox row committed), no other
    // e-mail can still be on its way: one invitation, one e-mail.
    await settled();
    expect(bus.messagesOn(ClientInvited.topic)).toHaveLength(1);
    expect(flaky.sent).toHaveLength(1);
    expect(mail).toMatchObject({ to: emailOf('acme'), senderAccountId: 'shipfast' });
    // The link in it works: it is the token whose hash the invitation keeps.
    const accepted = await request(svc.app)
      .post('/v1/invitations/accept')
      .set('Authorization', await auth('acme'))
      .send({ token: tokenFromText(mail!.text), confirm: true });
    expect(accepted.status).toBe(200);
    await settled();
    expect(flaky.sent).toHaveLength(1);
  });

  it('a link that no longer counts (removed before the e-mail left) is not mailed', async () => {
    await signIn(svc.app, 'globex');
    const invited = await request(svc.app)
      .post('/v1/clients')
      .set('Authorization', await auth('boxco'))
      .send({ email: emailOf('globex'), clientName: 'Globex', companyName: 'BoxCo' });
    await request(svc.app)
      .post(`/v1/clients/${invited.body.connectionId}/remove`)
      .set('Authorization', await auth('boxco'))
      .expect(200);
    const invitation = (
      await repositories.invitations.latestOf(svc.db.dataSource.manager, [invited.body.connectionId])
    ).get(invited.body.connectionId)!;
    const event = {
      ...ClientInvited.example,
      eventId: randomUUID(),
      accountId: 'boxco',
      payload: {
        connectionId: invited.body.connectionId,
        tplAccountId: 'boxco',
        clientEmail: emailOf('globex'),
        clientName: 'Globex',
        companyName: 'BoxCo',
        invitationExpiresAt: invitation.expiresAt.toISOString(),
        invitationId: invitation.id,
      },
    };
    const sent: OutgoingMail[] = [];
    const outcome = await svc.db.transaction((tx) =>
      sendInvitationEmail(event, tx, {
        repos: repositories,
        tokens: createInvitationTokens(LOCAL_INVITATION_SECRET),
        mailer: { send: async (m) => (sent.push(m), { messageId: 'x' }) },
        invitations: { ttlHours: 168, linkUrl: 'http://localhost/review' },
        now: () => new Date(),
      }),
    );
    expect(outcome).toBe('skipped');
    expect(sent).toEqual([]);
  });
});
