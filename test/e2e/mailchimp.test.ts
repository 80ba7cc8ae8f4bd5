import request from 'supertest';
import { FakeMailchimp } from '@crp/testing/fake-mailchimp';
import { describeReal } from '@crp/testing/real-infra';
import { waitFor } from '@crp/testing/wait';
import { createHash } from 'node:crypto';
import { postManualOrder, shipStationOrder, startRealSystem, type RealSystem } from './support/system';

const KEY = '0123456789abcdef0123456789abcdef-us21';
const hash = (email: string) => createHash('md5').update(email.toLowerCase()).digest('hex');

describeReal('Mailchimp sync on real Kafka and MariaDB (issue #19)', () => {
  let sys: RealSystem;
  let mc: FakeMailchimp;

  beforeAll(async () => {
    mc = await new FakeMailchimp(KEY, ['aud-e2e']).start();
    sys = await startRealSystem('e2e_mailchimp', {
      customerEnv: {
        MAILCHIMP_BASE_URL: mc.url,
        MAILCHIMP_SYNC_INTERVAL_MS: '50',
        MAILCHIMP_BACKOFF_MS: '10',
      },
    });
  });
  afterAll(async () => {
    await sys?.stop();
    await mc?.stop();
  });

  it('an order becomes a customer, then a Mailchimp member, through Kafka and MariaDB', async () => {
    const token = await sys.token('acme-mc');
    const connected = await request(sys.customers.app)
      .put('/v1/integrations/mailchimp')
      .set('Authorization', `Bearer ${token}`)
      .send({ apiKey: KEY, audienceId: 'aud-e2e', syncNotSubscribed: 'transactional' });
    expect(connected.status).toBe(200);
    const res = await postManualOrder(sys, 'acme-mc', shipStationOrder('700', 'irene.adler@example.com'));
    expect(res.status).toBe(201);
    const member = await waitFor(() => mc.member('aud-e2e', hash('irene.adler@example.com')), {
      timeoutMs: 30000,
      what: 'the Mailchimp member',
    });
    expect(member).toMatchObject({
      email_address: 'irene.adler@example.com',
      status: 'transactional',
      merge_fields: expect.objectContaining({ ADDRESS: expect.objectContaining({ city: 'London' }) }),
    });
    const status = await waitFor(
      async () => {
        const s = await request(sys.customers.app)
          .get('/v1/integrations/mailchimp')
          .set('Authorization', `Bearer ${token}`);
        return s.body.backlog?.pending === 0 && s.body.counts.synced >= 1 ? s.body : undefined;
      },
      { what: 'status with the member synced' },
    );
    expect(status.lastSuccessAt).not.toBeNull();

    // Back from Mailchimp, on MariaDB: an unsubscribe is logged in the change log (source
    // mailchimp); an email change there moves the member link to the new address.
    const db = sys.customers.db;
    await request(sys.customers.app)
      .post(connected.body.webhookPath)
      .type('form')
      .send('type=unsubscribe&data[list_id]=aud-e2e&data[email]=irene.adler@example.com')
      .expect(200)
      .then((r) => expect(r.body.applied).toBe(1));
    const logged = await db.transaction((tx) =>
      tx.query("SELECT actor, kind FROM customer_changes WHERE account_id = ? AND source = 'mailchimp'", [
        'acme-mc',
      ]),
    );
    expect(logged).toEqual([{ actor: 'mailchimp-webhook', kind: 'edit' }]);
    await waitFor(() => mc.member('aud-e2e', hash('irene.adler@example.com'))?.status === 'unsubscribed', {
      what: 'the member unsubscribed',
    });
    mc.changeEmail('aud-e2e', 'irene.adler@example.com', 'irene@baker-street.example');
    await request(sys.customers.app)
      .post(connected.body.webhookPath)
      .type('form')
      .send(
        'type=upemail&data[list_id]=aud-e2e&data[old_email]=irene.adler@example.com&data[new_email]=irene@baker-street.example',
      )
      .expect(200);
    const links = await db.transaction((tx) =>
      tx.query('SELECT hash FROM mailchimp_members WHERE account_id = ?', ['acme-mc']),
    );
    expect(links).toEqual([{ hash: hash('irene@baker-street.example') }]);
    await waitFor(
      async () => {
        const s = await request(sys.customers.app)
          .get('/v1/integrations/mailchimp')
          .set('Authorization', `Bearer ${token}`);
        return s.body.backlog?.pending === 0 ? true : undefined;
      },
      { what: 'an empty backlog' },
    );
    expect(mc.members('aud-e2e')).toHaveLength(1);
    expect(mc.member('aud-e2e', hash('irene@baker-street.example'))?.status).toBe('unsubscribed');
  });
});
