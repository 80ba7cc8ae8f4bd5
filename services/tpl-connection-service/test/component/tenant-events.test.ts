import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { ClientInvited, type ClientInvitedV1 } from '@crp/contracts/events/client-invited';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { embeddedEnv } from '@crp/testing/service-env';
import { testLogger } from '@crp/testing/silent-logger';
import type { OutgoingMail } from '../../src/app/ports';
import { sendInvitationEmail } from '../../src/app/send-invitation-email';
import { LOCAL_INVITATION_SECRET, loadConfig } from '../../src/config';
import { createTplConnectionService } from '../../src/composition-root';
import { repositories } from '../../src/infra/db/repositories';
import { createInvitationTokens } from '../../src/infra/tokens/invitation-tokens';
import { auth, emailOf, signIn, tempMailDir } from '../support/fixtures';

// ClientInvited mails a link that connects an account to a 3PL: an event of one account that
// names another account's connection or invitation must mail nothing (ADR 0006).
describe("ClientInvited naming another account's connection is refused", () => {
  let bus: InProcessBus;
  let svc: Awaited<ReturnType<typeof createTplConnectionService>>;
  let real: ClientInvitedV1;

  const send = async (event: ClientInvitedV1) => {
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
    return { outcome, sent };
  };

  beforeAll(async () => {
    bus = new InProcessBus();
    svc = await createTplConnectionService(loadConfig(embeddedEnv({ MAIL_DIR: tempMailDir() })), {
      bus,
      logger: testLogger(),
    });
    await svc.start();
    await signIn(svc.app, 'acme');
    const invited = await request(svc.app)
      .post('/v1/clients')
      .set('Authorization', await auth('shipfast'))
      .send({ email: emailOf('acme'), clientName: 'Acme', companyName: 'ShipFast Ltd' });
    expect(invited.status).toBe(201);
    const connectionId = invited.body.connectionId as string;
    const invitation = (
      await repositories.invitations.latestOf(svc.db.dataSource.manager, [connectionId])
    ).get(connectionId)!;
    real = {
      ...ClientInvited.example,
      eventId: randomUUID(),
      accountId: 'shipfast',
      payload: {
        connectionId,
        tplAccountId: 'shipfast',
        clientEmail: emailOf('acme'),
        clientName: 'Acme',
        companyName: 'ShipFast Ltd',
        invitationExpiresAt: invitation.expiresAt.toISOString(),
        invitationId: invitation.id,
      },
    };
  });
  afterAll(async () => {
    await svc?.stop();
    await bus?.close();
  });

  it("the 3PL's own event mails the link (the control case)", async () => {
    const { outcome, sent } = await send(real);
    expect(outcome).toBe('sent');
    expect(sent.map((m) => m.to)).toEqual([emailOf('acme')]);
  });

  it("another account's event naming the 3PL's connection and invitation mails nothing", async () => {
    const { outcome, sent } = await send({ ...real, eventId: randomUUID(), accountId: 'intruder' });
    expect(outcome).toBe('skipped');
    expect(sent).toEqual([]);
  });

  it("an event claiming the intruder as 3PL of someone else's connection mails nothing", async () => {
    const { outcome, sent } = await send({
      ...real,
      eventId: randomUUID(),
      accountId: 'intruder',
      payload: { ...real.payload, tplAccountId: 'intruder', companyName: 'Intruder Ltd' },
    });
    expect(outcome).toBe('skipped');
    expect(sent).toEqual([]);
  });

  it("the intruder's own connection with the 3PL's invitation id mails nothing", async () => {
    await signIn(svc.app, 'globex');
    const own = await request(svc.app)
      .post('/v1/clients')
      .set('Authorization', await auth('intruder'))
      .send({ email: emailOf('globex'), clientName: 'Globex', companyName: 'Intruder Ltd' });
    expect(own.status).toBe(201);
    const { outcome, sent } = await send({
      ...real,
      eventId: randomUUID(),
      accountId: 'intruder',
      payload: { ...real.payload, tplAccountId: 'intruder', connectionId: own.body.connectionId as string },
    });
    expect(outcome).toBe('skipped');
    expect(sent).toEqual([]);
  });
});
