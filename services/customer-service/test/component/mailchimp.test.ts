import request from 'supertest';
import { CustomerRedacted } from '@crp/contracts/events/customer-redacted';
import { MAILCHIMP_LIMITS } from '@crp/contracts/limits';
import { newEvent } from '@crp/contracts/new-event';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { signDevToken } from '@crp/platform/auth';
import { FakeMailchimp } from '@crp/testing/fake-mailchimp';
import { testLogger } from '@crp/testing/silent-logger';
import { embeddedEnv } from '@crp/testing/service-env';
import { waitFor } from '@crp/testing/wait';
import { createCustomerService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import { subscriberHash } from '../../src/domain/mailchimp';
import type { CustomerRecord } from '../../src/domain/records';
import { cleanupOnce } from '../../src/app/mailchimp/sync';
import { mailchimpRepository } from '../../src/infra/db/mailchimp-repository';
import { customerRepository } from '../../src/infra/db/customer-repository';
import {
  activeCustomer,
  buyer,
  day,
  orderEvent,
  SECRET,
  stores,
  type CustomerServiceHandle,
} from '../support/scenarios';

const KEY = 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4-us21';
const AUD = 'aud1';
const ACCOUNT = 'acct-mc';

describe('Mailchimp sync (issue #19) against a fake Mailchimp, SQLite and the in-process bus', () => {
  let bus: InProcessBus;
  let svc: CustomerServiceHandle;
  let mc: FakeMailchimp;
  let auth = '';
  const admin = () => auth;

  const boot = async (env: Record<string, string> = {}) => {
    bus = new InProcessBus();
    svc = await createCustomerService(
      loadConfig(
        embeddedEnv({
          MAILCHIMP_BASE_URL: mc.url,
          MAILCHIMP_SYNC_INTERVAL_MS: '20',
          MAILCHIMP_BACKOFF_MS: '1',
          MAILCHIMP_RETRY_BASE_MS: '20',
          MAILCHIMP_BATCH_POLL_MS: '5',
          ...env,
        }),
      ),
      { bus, logger: testLogger() },
    );
    await svc.start();
  };
  /** The service again on a fresh database, with other settings. */
  const rebootWith = async (env: Record<string, string>) => {
    await svc.stop();
    await bus.close();
    await boot(env);
  };

  beforeEach(async () => {
    auth = `Bearer ${await signDevToken(SECRET, { accountId: ACCOUNT, sub: 'u1', role: 'admin' })}`;
    mc = await new FakeMailchimp(KEY, [AUD]).start();
    await boot();
  });
  afterEach(async () => {
    await svc.stop();
    await bus.close();
    await mc.stop();
  });

  const publish = (e: ReturnType<typeof orderEvent>) =>
    bus.publish([{ topic: 'OrderImported', key: e.accountId, value: JSON.stringify(e) }]);
  const connect = (body: Record<string, unknown> = {}) =>
    request(svc.app)
      .put('/v1/integrations/mailchimp')
      .set('Authorization', admin())
      .send({ apiKey: KEY, audienceId: AUD, ...body });
  const status = async () =>
    (await request(svc.app).get('/v1/integrations/mailchimp').set('Authorization', admin()).expect(200)).body;
  const member = (email: string) => mc.member(AUD, subscriberHash(email));
  /**
   * The backfill done and nothing queued. Tests that publish after connecting wait for it first:
   * the backfill runs in the worker after the answer, and a customer created while it runs is
   * queued by it and by its event, so it may be sent twice (harmless; some tests count calls).
   */
  const idle = () =>
    waitFor(
      async () => {
        const s = await status();
        return s.backfill.done && s.backlog.pending === 0 ? s : undefined;
      },
      { what: 'the backfill done and an empty Mailchimp backlog', timeoutMs: 20000 },
    );
  const order = (
    key: string,
    state: 'subscribed' | 'unsubscribed' | 'not_subscribed',
    at = day(20),
    store: (typeof stores)[keyof typeof stores] = stores.shopify,
  ) =>
    orderEvent(ACCOUNT, {
      order: { ...store, orderDate: at },
      buyer: { ...buyer(key), marketingConsent: { email: { state, changedAt: at } } },
    });
  const customersSettled = (n: number) =>
    waitFor(
      async () => {
        const rows = await svc.db.transaction((tx) =>
          tx.query('SELECT COUNT(*) AS n FROM customers WHERE account_id = ?', [ACCOUNT]),
        );
        return Number(rows[0].n) >= n ? true : undefined;
      },
      { what: `${n} customers`, timeoutMs: 60000 },
    );

  test('a key Mailchimp refuses is 422 with its reason; the key is never returned', async () => {
    const wrong = await connect({ apiKey: 'ffffffffffffffffffffffffffffffff-us21' }).expect(422);
    expect(wrong.body.error.message).toContain('API Key Invalid');
    const noAudience = await connect({ audienceId: 'nope' }).expect(422);
    expect(noAudience.body.error.code).toBe('MAILCHIMP_AUDIENCE_NOT_FOUND');
    await request(svc.app).get('/v1/integrations/mailchimp').set('Authorization', admin()).expect(404);
    const ok = await connect().expect(200);
    expect(JSON.stringify(ok.body)).not.toContain(KEY);
    expect(ok.body.audienceName).toBe(`Audience ${AUD}`);
    expect(JSON.stringify(await status())).not.toContain(KEY);
    const sealed = await svc.db.transaction((tx) => mailchimpRepository.connection(tx, ACCOUNT));
    expect(sealed?.apiKeySealed).not.toContain(KEY.slice(0, 10));
    await request(svc.app).delete('/v1/integrations/mailchimp').set('Authorization', admin()).expect(200);
    const gone = await status();
    expect(gone.connected).toBe(false);
    expect(JSON.stringify(gone)).not.toContain(KEY);
  });

  test('the connection body is checked at the door against MAILCHIMP_LIMITS: 400 with a reason, Mailchimp not asked', async () => {
    const refused = async (body: Record<string, unknown>, reason: string) => {
      const res = await connect(body).expect(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.message).toContain(reason);
      expect(JSON.stringify(res.body)).not.toContain(KEY);
    };
    await refused({ apiKey: 'x'.repeat(MAILCHIMP_LIMITS.apiKeyMax + 1) }, 'apiKey');
    await refused({ apiKey: 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4' }, 'the data center such as us21');
    await refused({ apiKey: '' }, 'apiKey is empty');
    await refused({ audienceId: 'Acme customers' }, 'copy the Audience ID');
    await refused({ audienceId: 'a'.repeat(MAILCHIMP_LIMITS.audienceIdMax + 1) }, 'audienceId');
    await refused({ apiKey: 'nope', audienceId: '' }, 'audienceId is empty');
    expect(mc.requests).toHaveLength(0);
    await request(svc.app).get('/v1/integrations/mailchimp').set('Authorization', admin()).expect(404);
    // A key pasted with spaces or a line break around it is the key.
    const ok = await connect({ apiKey: ` ${KEY}\n`, audienceId: ` ${AUD} ` }).expect(200);
    expect(ok.body.audienceId).toBe(AUD);
    expect(mc.requests.length).toBeGreaterThan(0);
  });

  test('R2.9 consent states: subscribed only when consented, unsubscribed pushed, not_subscribed skipped or transactional', async () => {
    await connect().expect(200);
    await idle();
    await publish(order('sub', 'subscribed'));
    await publish(order('unsub', 'unsubscribed'));
    await publish(order('none', 'not_subscribed'));
    await customersSettled(3);
    await waitFor(() => member('sub@buyers.example') && member('unsub@buyers.example'), { what: 'members' });
    const s = await idle();
    expect(member('sub@buyers.example')).toMatchObject({
      status: 'subscribed',
      merge_fields: {
        FNAME: 'sub',
        LNAME: 'Buyer',
        ADDRESS: expect.objectContaining({ city: 'Louisville', zip: '40202' }),
      },
      tags: [stores.shopify.storeName],
    });
    expect(member('unsub@buyers.example')?.status).toBe('unsubscribed');
    expect(member('none@buyers.example')).toBeUndefined();
    expect(s.counts.skipped).toBeGreaterThanOrEqual(1);
    // Switching not_subscribed to transactional queues everyone again (backfill).
    await connect({ syncNotSubscribed: 'transactional', tagWithStore: false }).expect(200);
    await waitFor(() => member('none@buyers.example'), { what: 'the transactional member' });
    expect(member('none@buyers.example')?.status).toBe('transactional');
    expect(member('sub@buyers.example')?.status).toBe('subscribed');
  });

  test('another audience: the old links are no longer used and are deleted after the answer; a disconnect leaves nothing behind', async () => {
    await mc.stop();
    mc = await new FakeMailchimp(KEY, [AUD, 'aud2']).start();
    await rebootWith({});
    const count = async (table: string) =>
      Number(
        (
          await svc.db.transaction((tx) =>
            tx.query(`SELECT COUNT(*) AS n FROM ${table} WHERE account_id = ?`, [ACCOUNT]),
          )
        )[0].n,
      );
    await connect().expect(200);
    await idle();
    await publish(order('sub', 'subscribed'));
    await customersSettled(1);
    await waitFor(() => member('sub@buyers.example'), { what: 'the member in the first audience' });
    await idle();
    expect(await count('mailchimp_members')).toBe(1);

    const moved = await connect({ audienceId: 'aud2' }).expect(200);
    expect(moved.body.cleanup).toEqual({
      startedAt: expect.any(String),
      remaining: { queued: 0, queuedRelation: 'eq', links: 1, linksRelation: 'eq' },
    });
    // Sent to the new audience as a new member (the old link is not used), the old link deleted.
    await waitFor(() => mc.member('aud2', subscriberHash('sub@buyers.example')), {
      what: 'the member in the new audience',
    });
    const s = await waitFor(
      async () => {
        const st = await status();
        return st.cleanup === null && st.backfill.done && st.backlog.pending === 0 ? st : undefined;
      },
      { what: 'the cleanup done', timeoutMs: 20000 },
    );
    expect(s.audienceId).toBe('aud2');
    expect(await count('mailchimp_members')).toBe(1);
    expect(
      Number(
        (
          await svc.db.transaction((tx) =>
            tx.query('SELECT MIN(epoch) AS e FROM mailchimp_members WHERE account_id = ?', [ACCOUNT]),
          )
        )[0].e,
      ),
    ).toBe(1);

    await request(svc.app).delete('/v1/integrations/mailchimp').set('Authorization', admin()).expect(200);
    await waitFor(
      async () =>
        (await count('mailchimp_members')) +
          (await count('mailchimp_queue')) +
          (await count('mailchimp_cleanups')) ===
        0
          ? true
          : undefined,
      { what: 'the disconnect cleaned up', timeoutMs: 20000 },
    );
  });

  test('after a disconnect the status answers 200 "connected: false" with the cleanup\'s progress, then when it ended; 404 only for an account never connected', async () => {
    // The worker off: the test runs the cleanup's batches itself.
    await rebootWith({ MAILCHIMP_SYNC_INTERVAL_MS: '0' });
    const get = () => request(svc.app).get('/v1/integrations/mailchimp').set('Authorization', admin());
    expect((await get().expect(404)).body.error.message).toContain('Mailchimp connection');
    await connect().expect(200);
    await svc.db.transaction(async (tx) => {
      await mailchimpRepository.enqueue(
        tx,
        ['a', 'b', 'c', 'd', 'e'].map((k) => ({
          accountId: ACCOUNT,
          customerId: `cus_${k}`,
          token: 't',
          attempts: 0,
          enqueuedAt: new Date(),
          nextAttemptAt: new Date(),
        })),
      );
      await mailchimpRepository.saveMembers(
        tx,
        ['a', 'b', 'c'].map((k) => ({
          accountId: ACCOUNT,
          customerId: `cus_${k}`,
          hash: subscriberHash(`${k}@buyers.example`),
          recordHash: null,
          epoch: 0,
          syncedAt: new Date(),
        })),
      );
    });
    const before = Date.now();
    await request(svc.app).delete('/v1/integrations/mailchimp').set('Authorization', admin()).expect(200);

    const running = (await get().expect(200)).body;
    expect(running).toEqual({
      connected: false,
      audienceId: AUD,
      audienceName: `Audience ${AUD}`,
      disconnectedAt: expect.any(String),
      cleanup: {
        startedAt: running.disconnectedAt,
        remaining: { queued: 5, queuedRelation: 'eq', links: 3, linksRelation: 'eq' },
      },
      cleanupDoneAt: null,
    });
    expect(Date.parse(running.disconnectedAt)).toBeGreaterThanOrEqual(before);

    const deps = { db: svc.db, store: mailchimpRepository, cleanupBatch: 2 };
    await cleanupOnce(deps);
    expect((await get().expect(200)).body.cleanup.remaining).toEqual({
      queued: 3,
      queuedRelation: 'eq',
      links: 3,
      linksRelation: 'eq',
    });
    while ((await cleanupOnce(deps)) > 0);
    const done = (await get().expect(200)).body;
    expect(done).toMatchObject({ connected: false, disconnectedAt: running.disconnectedAt, cleanup: null });
    expect(Date.parse(done.cleanupDoneAt)).toBeGreaterThanOrEqual(Date.parse(done.disconnectedAt));

    // Connected again: the connection's status; disconnected again: a new disconnect, its cleanup
    // (nothing left) ended by the worker's next batch.
    expect((await connect().expect(200)).body).toMatchObject({ connected: true, cleanup: null });
    expect((await get().expect(200)).body.connected).toBe(true);
    await request(svc.app).delete('/v1/integrations/mailchimp').set('Authorization', admin()).expect(200);
    await request(svc.app).delete('/v1/integrations/mailchimp').set('Authorization', admin()).expect(404);
    const again = (await get().expect(200)).body;
    expect(again).toMatchObject({ connected: false, cleanupDoneAt: null });
    expect(again.cleanup.remaining).toEqual({
      queued: 0,
      queuedRelation: 'eq',
      links: 0,
      linksRelation: 'eq',
    });
    while ((await cleanupOnce(deps)) > 0);
    expect((await get().expect(200)).body).toMatchObject({
      cleanup: null,
      cleanupDoneAt: expect.any(String),
    });
    // Another account of the service never connected: 404.
    auth = `Bearer ${await signDevToken(SECRET, { accountId: 'acct-other', sub: 'u1', role: 'admin' })}`;
    await get().expect(404);
  });

  test("the worker's turn over the accounts survives a restart and is shared by two instances", async () => {
    await rebootWith({ MAILCHIMP_SYNC_INTERVAL_MS: '0' });
    // Five accounts with a cleanup pending that lasts (3 queue rows each, 1 deleted a batch).
    const accounts = ['acct-r1', 'acct-r2', 'acct-r3', 'acct-r4', 'acct-r5'];
    await svc.db.transaction(async (tx) => {
      for (const accountId of accounts) {
        await mailchimpRepository.saveCleanup(tx, {
          accountId,
          clearQueue: true,
          membersBelow: 1,
          startedAt: new Date(),
        });
        await mailchimpRepository.enqueue(
          tx,
          [1, 2, 3].map((i) => ({
            accountId,
            customerId: `cus_${i}`,
            token: 't',
            attempts: 0,
            enqueuedAt: new Date(),
            nextAttemptAt: new Date(),
          })),
        );
      }
    });
    const served: string[] = [];
    const store = {
      ...mailchimpRepository,
      clearQueueBatch: (...args: Parameters<typeof mailchimpRepository.clearQueueBatch>) => {
        served.push(args[1]);
        return mailchimpRepository.clearQueueBatch(...args);
      },
    };
    /** The worker of a process just started: nothing in memory. */
    const worker = () => ({ db: svc.db, store, cleanupBatch: 1, accountsPerPass: 2 });
    await cleanupOnce(worker());
    expect(served).toEqual(['acct-r1', 'acct-r2']);
    // Restarted: the accounts after the first two (kept in memory, the turn began again at r1).
    await cleanupOnce(worker());
    expect(served.slice(2)).toEqual(['acct-r3', 'acct-r4']);
    // Two instances, one after the other: the second goes on after the first.
    const [a, b] = [worker(), worker()];
    await cleanupOnce(a);
    await cleanupOnce(b);
    expect(served.slice(4)).toEqual(['acct-r5', 'acct-r1', 'acct-r2', 'acct-r3']);
  });

  test('an unsubscribe from the Mailchimp webhook is never overturned by an older order, nor by another store', async () => {
    const connected = (await connect().expect(200)).body;
    await idle();
    await publish(order('ann', 'subscribed', day(10)));
    await waitFor(() => member('ann@buyers.example'), { what: 'ann subscribed' });
    // Mailchimp's GET validation, and an unknown token.
    await request(svc.app).get(connected.webhookPath).expect(200);
    await request(svc.app).get('/v1/integrations/mailchimp/webhook/nope').expect(404);
    await request(svc.app)
      .post('/v1/integrations/mailchimp/webhook/nope')
      .type('form')
      .send('type=unsubscribe&data[email]=ann@buyers.example')
      .expect(404);
    const hook = await request(svc.app)
      .post(connected.webhookPath)
      .type('form')
      .send(
        `type=unsubscribe&fired_at=2026-11-15 09:00:00&data[email]=ann@buyers.example&data[list_id]=${AUD}`,
      )
      .expect(200);
    expect(hook.body).toMatchObject({ applied: 1 });
    const consent = async () => {
      const rows = await svc.db.transaction((tx) =>
        customerRepository.activeCustomersByKey(tx, 'email', [
          { accountId: ACCOUNT, value: 'ann@buyers.example' },
        ]),
      );
      return rows[0]!.consent.email;
    };
    expect(await consent()).toMatchObject({
      state: 'unsubscribed',
      source: 'mailchimp',
      changedAt: '2026-11-15T09:00:00.000Z',
    });
    // The change log says who changed the consent, from what to what (like an edit does).
    const [ann] = await svc.db.transaction((tx) =>
      customerRepository.activeCustomersByKey(tx, 'email', [
        { accountId: ACCOUNT, value: 'ann@buyers.example' },
      ]),
    );
    const logged = (await changesOf(ann!.id)).filter((ch) => ch.source === 'mailchimp');
    expect(logged).toEqual([
      expect.objectContaining({
        actor: 'mailchimp-webhook',
        kind: 'edit',
        changes: [
          {
            field: 'marketingConsent.email',
            from: expect.objectContaining({ state: 'subscribed', source: 'store' }),
            to: expect.objectContaining({ state: 'unsubscribed', source: 'mailchimp' }),
          },
        ],
      }),
    ]);
    // Mailchimp retries a webhook it thinks failed: nothing applied, nothing logged twice.
    expect(
      (
        await webhook(
          connected.webhookPath,
          `type=unsubscribe&fired_at=2026-11-15 09:00:00&data[email]=ann@buyers.example&data[list_id]=${AUD}`,
        )
      ).body.applied,
    ).toBe(0);
    expect((await changesOf(ann!.id)).filter((ch) => ch.source === 'mailchimp')).toHaveLength(1);
    await waitFor(() => member('ann@buyers.example')?.status === 'unsubscribed', {
      what: 'member unsubscribed',
    });
    // An older order saying subscribed, then a newer one from another store: neither re-subscribes.
    await publish(order('ann', 'subscribed', day(12)));
    await publish(order('ann', 'subscribed', day(25), stores.ebay));
    await waitFor(
      async () => {
        const rows = await svc.db.transaction((tx) =>
          tx.query('SELECT order_count AS n FROM customers WHERE account_id = ? AND email = ?', [
            ACCOUNT,
            'ann@buyers.example',
          ]),
        );
        return Number(rows[0]?.n) === 3 ? true : undefined;
      },
      { what: 'three orders applied' },
    );
    await idle();
    expect(await consent()).toMatchObject({ state: 'unsubscribed', source: 'mailchimp' });
    expect(member('ann@buyers.example')?.status).toBe('unsubscribed');
    expect((await status()).counts.webhooks).toBeGreaterThanOrEqual(1);
  });

  test('429 and 500 answers are retried with backoff; at most 10 connections at once', async () => {
    await connect().expect(200);
    await idle();
    mc.faults = { throttle: 3, fail: 2 };
    for (let i = 0; i < 40; i++) await publish(order(`r${i}`, 'subscribed'));
    await customersSettled(40);
    await waitFor(() => mc.members(AUD).length === 40, { what: '40 members', timeoutMs: 20000 });
    expect(mc.requests.filter((r) => r.status === 429)).toHaveLength(3);
    expect(mc.requests.filter((r) => r.status === 500)).toHaveLength(2);
    expect(mc.maxInFlight).toBeLessThanOrEqual(10);
    expect((await idle()).counts.failed).toBe(0);
  });

  test('a Mailchimp outage grows the backlog, which drains afterwards with nothing lost', async () => {
    await connect().expect(200);
    await idle();
    mc.faults = { down: true };
    for (let i = 0; i < 20; i++) await publish(order(`o${i}`, i % 2 ? 'subscribed' : 'unsubscribed'));
    await customersSettled(20);
    const during = await waitFor(
      async () => {
        const s = await status();
        return s.backlog.retrying > 0 && s.lastError ? s : undefined;
      },
      { what: 'retrying backlog' },
    );
    expect(during.lastError).toContain('503');
    expect(mc.members(AUD)).toHaveLength(0);
    // A change during the outage coalesces with the queued one.
    await publish(order('o1', 'unsubscribed', day(22)));
    mc.faults = {};
    await waitFor(() => mc.members(AUD).length === 20, {
      what: '20 members after recovery',
      timeoutMs: 20000,
    });
    const after = await idle();
    expect(after.lastSuccessAt).not.toBeNull();
    for (let i = 0; i < 20; i++)
      expect(member(`o${i}@buyers.example`)?.status).toBe(i % 2 && i !== 1 ? 'subscribed' : 'unsubscribed');
  });

  test('a key revoked after connecting keeps the customers queued, with the reason in the status', async () => {
    await connect().expect(200);
    await idle();
    mc.apiKey = 'revoked';
    await publish(order('kim', 'subscribed'));
    const s = await waitFor(
      async () => {
        const st = await status();
        return st.backlog.retrying > 0 ? st : undefined;
      },
      { what: 'a retrying backlog' },
    );
    expect(s.lastError).toContain('API Key Invalid');
    expect(s.counts.failed).toBe(0);
    mc.apiKey = KEY;
    await waitFor(() => member('kim@buyers.example'), {
      what: 'kim after the key works again',
      timeoutMs: 15000,
    });
  });

  test('erasure (CustomerRedacted) permanently deletes the member', async () => {
    await connect().expect(200);
    await idle();
    await publish(order('eve', 'subscribed'));
    await waitFor(() => member('eve@buyers.example'), { what: 'eve' });
    await idle();
    const [c] = await svc.db.transaction((tx) =>
      customerRepository.activeCustomersByKey(tx, 'email', [
        { accountId: ACCOUNT, value: 'eve@buyers.example' },
      ]),
    );
    // What the privacy flow does: the record is blanked and kept as a tombstone, then published.
    await svc.db.transaction(async (tx) => {
      await customerRepository.updateCustomers(tx, [
        {
          ...c!,
          email: null,
          emailNormalized: null,
          firstName: null,
          lastName: null,
          erasedAt: new Date(),
          version: c!.version + 1,
        },
      ]);
      await svc.outbox.add(
        tx,
        newEvent(
          CustomerRedacted,
          { accountId: ACCOUNT, correlationId: 'erase-1' },
          {
            customerId: c!.id,
            requestId: 'prq_1',
            legalBasis: 'GDPR Art. 17',
            identities: [],
          },
        ),
      );
    });
    await waitFor(() => mc.deleted.get(AUD)?.has(subscriberHash('eve@buyers.example')), {
      what: 'permanent delete',
    });
    expect(member('eve@buyers.example')).toBeUndefined();
    expect((await idle()).counts.deleted).toBe(1);
  });

  test('an email change moves the member instead of adding a second one', async () => {
    await connect({ syncNotSubscribed: 'transactional' }).expect(200);
    await idle();
    const created = await request(svc.app)
      .post('/v1/customers')
      .set('Authorization', admin())
      .send({ email: 'mo@buyers.example', firstName: 'Mo' })
      .expect(201);
    const id = created.body.customerId as string;
    await waitFor(() => member('mo@buyers.example'), { what: 'mo' });
    await idle();
    await request(svc.app)
      .patch(`/v1/customers/${id}`)
      .set('Authorization', admin())
      .send({ email: 'mo.new@buyers.example' })
      .expect(200);
    await waitFor(() => member('mo.new@buyers.example'), { what: 'moved member' });
    await idle();
    expect(member('mo@buyers.example')).toBeUndefined();
    expect(mc.members(AUD)).toHaveLength(1);
    expect(member('mo.new@buyers.example')).toMatchObject({
      status: 'transactional',
      merge_fields: { FNAME: 'Mo' },
    });
  });

  const webhook = (path: string, form: string) =>
    request(svc.app).post(path).type('form').send(form).expect(200);
  const changesOf = (customerId: string) =>
    svc.db.transaction((tx) => customerRepository.changesOf(tx, ACCOUNT, [customerId]));
  const recordOf = async (customerId: string) =>
    (await request(svc.app).get(`/v1/customers/${customerId}`).set('Authorization', admin()).expect(200))
      .body;

  test('upemail on an editable address: the record follows (source mailchimp, logged) and later syncs go to the new member', async () => {
    const connected = (await connect().expect(200)).body;
    await idle();
    const created = await request(svc.app)
      .post('/v1/customers')
      .set('Authorization', admin())
      .send({
        email: 'uma@buyers.example',
        firstName: 'Uma',
        marketingConsent: { email: { state: 'subscribed' } },
      })
      .expect(201);
    const id = created.body.customerId as string;
    await waitFor(() => member('uma@buyers.example'), { what: 'uma' });
    // Another record already holds the address Uma moves to (not subscribed: never sent).
    const twin = await request(svc.app)
      .post('/v1/customers')
      .set('Authorization', admin())
      .send({ email: 'uma.new@buyers.example', firstName: 'Twin' })
      .expect(201);
    await idle();
    // The person changes the address in Mailchimp's profile form; Mailchimp fires upemail.
    mc.changeEmail(AUD, 'uma@buyers.example', 'uma.new@buyers.example');
    // Fired before the record's address was written (a late delivery): the newer address stays.
    const stale = await webhook(
      connected.webhookPath,
      `type=upemail&fired_at=2020-01-01 10:00:00&data[list_id]=${AUD}&data[old_email]=uma@buyers.example&data[new_email]=uma.new@buyers.example`,
    );
    expect(stale.body).toEqual({ applied: 0, type: 'upemail' });
    expect((await recordOf(id)).email).toBe('uma@buyers.example');
    const hook = await webhook(
      connected.webhookPath,
      `type=upemail&data[list_id]=${AUD}&data[old_email]=uma@buyers.example&data[new_email]=uma.new@buyers.example&data[new_id]=x`,
    );
    expect(hook.body).toEqual({ applied: 1, type: 'upemail' });
    const rec = await recordOf(id);
    expect(rec.email).toBe('uma.new@buyers.example');
    expect(rec.fieldSources.email).toMatchObject({ source: 'mailchimp' });
    expect(rec.marketingConsent.email.state).toBe('subscribed');
    expect(rec.possibleDuplicates).toEqual([twin.body.customerId]);
    expect(await changesOf(id)).toContainEqual(
      expect.objectContaining({
        source: 'mailchimp',
        actor: 'mailchimp-webhook',
        kind: 'edit',
        changes: [{ field: 'email', from: 'uma@buyers.example', to: 'uma.new@buyers.example' }],
      }),
    );
    // The published change and a later edit are sent to the member under its new address only.
    await request(svc.app)
      .patch(`/v1/customers/${id}`)
      .set('Authorization', admin())
      .send({ firstName: 'Umaima' })
      .expect(200);
    await waitFor(() => member('uma.new@buyers.example')?.merge_fields.FNAME === 'Umaima', {
      what: 'the moved member updated',
    });
    await idle();
    expect(member('uma@buyers.example')).toBeUndefined();
    expect(mc.members(AUD)).toHaveLength(1);
    expect(member('uma.new@buyers.example')?.status).toBe('subscribed');
    // A repeated webhook (Mailchimp retries) changes nothing more.
    await webhook(
      connected.webhookPath,
      `type=upemail&data[list_id]=${AUD}&data[old_email]=uma@buyers.example&data[new_email]=uma.new@buyers.example`,
    ).then((r) => expect(r.body.applied).toBe(0));
  });

  test('upemail on a store-locked address (R2.1): the record keeps it, the member stays where the person put it', async () => {
    const connected = (await connect().expect(200)).body;
    await idle();
    await publish(order('lee', 'subscribed', day(10)));
    await waitFor(() => member('lee@buyers.example'), { what: 'lee' });
    await idle();
    mc.changeEmail(AUD, 'lee@buyers.example', 'lee.private@buyers.example');
    const hook = await webhook(
      connected.webhookPath,
      `type=upemail&data[list_id]=${AUD}&data[old_email]=LEE@buyers.example&data[new_email]=lee.private@buyers.example`,
    );
    expect(hook.body.applied).toBe(0);
    const [rec] = await svc.db.transaction((tx) =>
      customerRepository.activeCustomersByKey(tx, 'email', [
        { accountId: ACCOUNT, value: 'lee@buyers.example' },
      ]),
    );
    expect(rec).toMatchObject({ email: 'lee@buyers.example', fieldSources: { email: { source: 'store' } } });
    // A newer order from the store (a new first name) updates the member at its new address:
    // no member re-created under the store's address, none moved back.
    await publish(
      orderEvent(ACCOUNT, {
        order: { ...stores.shopify, orderDate: day(21) },
        buyer: {
          ...buyer('lee', { firstName: 'Leona' }),
          marketingConsent: { email: { state: 'subscribed', changedAt: day(21) } },
        },
      }),
    );
    await waitFor(() => member('lee.private@buyers.example')?.merge_fields.FNAME === 'Leona', {
      what: 'the member updated where it is',
    });
    await idle();
    expect(member('lee@buyers.example')).toBeUndefined();
    expect(mc.members(AUD)).toHaveLength(1);
    expect(
      mc.requests.filter((r) => r.method === 'PUT' && r.path.endsWith(subscriberHash('lee@buyers.example'))),
    ).toHaveLength(1);
  });

  /** Active customers written directly (ingesting orders is not what is under test), consent subscribed. */
  const seed = async (emails: string[]) => {
    const rows: CustomerRecord[] = emails.map((email) =>
      activeCustomer(ACCOUNT, {
        email,
        emailNormalized: email,
        firstName: email.split('@')[0]!,
        consent: {
          email: {
            state: 'subscribed',
            changedAt: day(20),
            source: 'store',
            storeId: stores.shopify.storeId,
          },
        },
      }),
    );
    await svc.db.transaction((tx) => customerRepository.insertCustomers(tx, rows));
    return rows;
  };

  test('failed operations inside a batch: 5xx retried with backoff, a 4xx refusal recorded and not retried', async () => {
    const emails = Array.from({ length: 600 }, (_, i) => `f${i}@buyers.example`);
    const rows = await seed([...emails, 'broken@localhost']);
    // The first 5 operations of the batch answer 500; Mailchimp refuses broken@localhost (400).
    mc.faults = { failOps: 5 };
    await connect().expect(200);
    await waitFor(() => mc.members(AUD).length === 600, { what: '600 members', timeoutMs: 30000 });
    const s = await idle();
    expect(mc.batches[0]).toMatchObject({ operations: 601, errored: 6 });
    // The 5 members whose operation failed were sent again, one call each, after their backoff.
    const retried = mc.requests.filter((r) => r.method === 'PUT');
    expect(retried).toHaveLength(5);
    const failedFirst = mc.batchOps.filter((o) => o.status === 500).map((o) => o.path);
    expect(retried.map((r) => r.path.replace(/^\/3\.0/, '')).sort()).toEqual([...failedFirst].sort());
    // The refused member: sent once, counted, named in the status, not queued again.
    const broken = subscriberHash('broken@localhost');
    expect(mc.batchOps.filter((o) => o.path.endsWith(broken))).toHaveLength(1);
    expect(mc.requests.filter((r) => r.path.endsWith(broken))).toHaveLength(0);
    expect(s.counts).toMatchObject({ synced: 600, failed: 1 });
    expect(s.lastError).toContain(rows[600]!.id);
    expect(s.lastError).toContain('400');
    expect(s.backlog.pending).toBe(0);
  }, 60_000);

  // Two customers per pass: above a threshold of 1 they go through one batch operation, below 500
  // through single calls. A move Mailchimp refuses ends the same way on both paths.
  test.each([
    ['single calls', '500'],
    ['a batch operation', '1'],
  ])(
    'an email change Mailchimp refuses, through %s: the old member archived, the refusal counted and named, not retried',
    async (path, threshold) => {
      await rebootWith({ MAILCHIMP_BATCH_THRESHOLD: threshold });
      const [mover, other] = await seed(['mover@buyers.example', 'other@buyers.example']);
      await connect().expect(200);
      await waitFor(() => member('mover@buyers.example') && member('other@buyers.example'), {
        what: 'both members',
      });
      await idle();
      const sentBefore = { batches: mc.batches.length, requests: mc.requests.length };
      // The record's address becomes one Mailchimp finds invalid (it refuses the move and the PUT);
      // both customers are queued in the same transaction, so one pass sends them together.
      await svc.db.transaction(async (tx) => {
        await tx.query('UPDATE customers SET email = ?, email_normalized = ? WHERE id = ?', [
          'mover@localhost',
          'mover@localhost',
          mover!.id,
        ]);
        await mailchimpRepository.backfillBatch(tx, ACCOUNT, null, 1000, 'moved', new Date());
      });
      // The queue empties: the refused row was taken off it (the positive marker that it is not
      // tried again), the other one synced.
      const s = await waitFor(
        async () => {
          const now = await status();
          return now.backlog.pending === 0 && now.counts.failed === 1 ? now : undefined;
        },
        { what: 'the pass recorded', timeoutMs: 20000 },
      );
      const oldHash = subscriberHash('mover@buyers.example');
      const moves = [
        ...mc.batchOps.filter((o) => o.method === 'PATCH'),
        ...mc.requests.slice(sentBefore.requests).filter((r) => r.method === 'PATCH'),
      ];
      expect(moves).toEqual([
        expect.objectContaining({ path: expect.stringContaining(oldHash), status: 400 }),
      ]);
      if (path === 'a batch operation') expect(mc.batches).toHaveLength(sentBefore.batches + 1);
      else expect(mc.batches).toHaveLength(sentBefore.batches);
      // As a single call does: the old member archived, no member under the refused address.
      expect(member('mover@buyers.example')).toMatchObject({ status: 'archived' });
      expect(member('mover@localhost')).toBeUndefined();
      expect(member('other@buyers.example')).toMatchObject({ status: 'subscribed' });
      expect(s.counts).toMatchObject({ failed: 1 });
      expect(s.lastError).toContain(`customer ${mover!.id}: Mailchimp answered 400`);
      expect(s.lastError).toContain('mover@localhost');
      expect(s.backlog).toMatchObject({ pending: 0, retrying: 0 });
      // One archive call for the old member.
      expect(mc.requests.filter((r) => r.method === 'DELETE' && r.path.endsWith(oldHash))).toHaveLength(1);
      expect(other!.email).toBe('other@buyers.example');
    },
    30_000,
  );

  test('a batch whose results archive cannot be read is sent again whole (idempotent), nothing dropped', async () => {
    await seed(Array.from({ length: 600 }, (_, i) => `g${i}@buyers.example`));
    mc.faults = { failOps: 1, resultsGone: true };
    await connect().expect(200);
    await waitFor(() => mc.batches.length === 2, { what: 'a second batch', timeoutMs: 30000 });
    const s = await idle();
    expect(mc.members(AUD)).toHaveLength(600);
    expect(mc.batches[1]).toMatchObject({ operations: 600, errored: 0 });
    expect(s.counts).toMatchObject({ synced: 600, failed: 0 });
  }, 60_000);

  test('a backfill of 10,000 customers goes through batch operations', async () => {
    // The records are written directly (ingesting 10,000 orders is not what is under test here).
    const rows: CustomerRecord[] = Array.from({ length: 10_000 }, (_, i) =>
      activeCustomer(ACCOUNT, {
        email: `b${i}@buyers.example`,
        emailNormalized: `b${i}@buyers.example`,
        firstName: `B${i}`,
        consent: {
          email: {
            state: 'subscribed',
            changedAt: day(20),
            source: 'store',
            storeId: stores.shopify.storeId,
          },
        },
      }),
    );
    await svc.db.transaction((tx) => customerRepository.insertCustomers(tx, rows));
    // The request queues nobody itself: the worker's backfill does, 5,000 customers a batch.
    const connected = await connect().expect(200);
    expect(connected.body.backfill).toMatchObject({ done: false, queued: 0 });
    await waitFor(() => mc.members(AUD).length === 10_000, { what: '10,000 members', timeoutMs: 60000 });
    expect(mc.batches.length).toBeGreaterThanOrEqual(2);
    expect(mc.requests.filter((r) => r.method === 'PUT')).toHaveLength(0);
    const s = await idle();
    expect(s.backfill).toMatchObject({ done: true, queued: 10_000 });
    expect(s.counts.synced).toBe(10_000);
    expect(s.counts.failed).toBe(0);
    expect(member('b9999@buyers.example')).toMatchObject({
      status: 'subscribed',
      merge_fields: { FNAME: 'B9999' },
    });
  }, 90_000);
});
