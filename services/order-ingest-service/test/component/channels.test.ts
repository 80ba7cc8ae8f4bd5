import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { decodeEvent } from '@crp/contracts/registry';
import { CustomerRedacted } from '@crp/contracts/events/customer-redacted';
import { CustomerUpserted } from '@crp/contracts/events/customer-upserted';
import type { OrderImportedV1 } from '@crp/contracts/events/order-imported';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { signDevToken } from '@crp/platform/auth';
import { FakeShopify, FakeWooCommerce, webhookSignature } from '@crp/testing/fake-channels';
import { TEST_SECRET as SECRET, embeddedEnv } from '@crp/testing/service-env';
import { testLogger } from '@crp/testing/silent-logger';
import { waitFor } from '@crp/testing/wait';
import { createOrderIngestService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';

const TOKEN = 'shpat_0123456789abcdef';
const SHOPIFY_SECRET = 'shopify-app-secret-1';
const WOO_SECRET = 'woo webhook secret';
const CK = 'ck_0123456789abcdef';
const CS = 'cs_0123456789abcdef';

describe('channel connectors against fake Shopify and WooCommerce (SQLite, in-process bus)', () => {
  let bus: InProcessBus;
  let shopify: FakeShopify;
  let woo: FakeWooCommerce;
  let svc: Awaited<ReturnType<typeof createOrderIngestService>>;
  const auth = async (accountId = 'acme', role: 'admin' | 'member' = 'admin') =>
    `Bearer ${await signDevToken(SECRET, { accountId, role })}`;
  const imported = () =>
    bus.messagesOn('OrderImported').map((m) => decodeEvent(m.value, 'OrderImported') as OrderImportedV1);

  beforeAll(async () => {
    shopify = await new FakeShopify({ accessToken: TOKEN, pageSize: 2 }).seedPublished(4).start();
    woo = await new FakeWooCommerce(CK, CS, { pageSize: 1 }).seedPublished(1).start();
    bus = new InProcessBus();
    svc = await createOrderIngestService(
      loadConfig(
        embeddedEnv({
          CHANNEL_SHOPIFY_BASE_URL: shopify.url,
          CHANNEL_WOOCOMMERCE_BASE_URL: woo.url,
          CHANNEL_RETRY_BASE_MS: '5',
          SYNC_SCHEDULER_TICK_MS: '0',
          WEBHOOK_POLL_MS: '50',
        }),
      ),
      { bus, logger: testLogger() },
    );
    await svc.start();
  });
  afterAll(async () => {
    await svc?.stop();
    await bus?.close();
    await shopify?.stop();
    await woo?.stop();
  });

  async function connect(body: Record<string, unknown>) {
    const res = await request(svc.app)
      .post('/v1/stores')
      .set('Authorization', await auth())
      .send(body);
    expect(res.status).toBe(201);
    return res.body as { storeId: string };
  }

  async function syncAndWait(storeId: string) {
    const started = await request(svc.app)
      .post(`/v1/stores/${storeId}/sync`)
      .set('Authorization', await auth());
    expect(started.status).toBe(202);
    const token = await auth();
    return waitFor(
      async () => {
        const res = await request(svc.app)
          .get(`/v1/stores/${storeId}/syncs/${started.body.jobId}`)
          .set('Authorization', token);
        return ['succeeded', 'failed'].includes(res.body.status) ? res.body : undefined;
      },
      { timeoutMs: 15000, intervalMs: 20, what: `sync job ${started.body.jobId}` },
    );
  }

  const ordersOf = async (storeId: string) =>
    (
      await request(svc.app)
        .get('/v1/orders')
        .query({ storeId, limit: 500 })
        .set('Authorization', await auth())
    ).body as { orders: Array<Record<string, unknown>>; total: number };

  describe('Shopify', () => {
    let storeId: string;

    beforeAll(async () => {
      ({ storeId } = await connect({
        channel: 'shopify',
        name: 'Acme Shopify',
        credentials: { accessToken: TOKEN, apiSecret: SHOPIFY_SECRET },
        // the published samples are from 2008–2025: read them all on the first sync
        settings: { shop: 'acme.myshopify.com', initialSyncFrom: '2000-01-01T00:00:00Z' },
      }));
    });

    it('the first sync imports every order exactly once, through a 429 (Retry-After) and a failing page', async () => {
      shopify.faults = { throttleOnce: '1', failPageOnce: 2 };
      const before = imported().length;
      const job = await syncAndWait(storeId);
      expect(job).toMatchObject({
        status: 'succeeded',
        pages: 4,
        counts: { created: 7, updated: 0, unchanged: 0, rejected: 0 },
      });
      // the channel saw the throttled call and the failed page, each retried
      expect(shopify.requests.map((r) => r.status)).toEqual([429, 200, 500, 200, 200, 200]);
      const { orders, total } = await ordersOf(storeId);
      expect(total).toBe(7);
      expect(new Set(orders.map((o) => o.orderKey))).toEqual(new Set(shopify.ids()));
      await waitFor(() => (imported().length - before === 7 ? true : undefined));
      const keys = imported().map((e) => e.payload.buyer.username);
      expect(keys).toEqual(expect.arrayContaining(['207119551', '1073339475', '115310627314723954']));
      // the window ends at the sync's start; the watermark is there now
      const store = await request(svc.app)
        .get(`/v1/stores/${storeId}`)
        .set('Authorization', await auth());
      expect(store.body.sync.watermark).toBe(job.window.to);
    });

    it('a second sync with one order changed in the shop updates only that one', async () => {
      shopify.change('450789469', { fulfillment_status: 'fulfilled' });
      const before = imported().length;
      const job = await syncAndWait(storeId);
      expect(job).toMatchObject({ status: 'succeeded', counts: { created: 0, updated: 1, rejected: 0 } });
      // the overlap window starts before the previous watermark: earlier orders are read, not rewritten
      expect(new Date(job.window.from).getTime()).toBeLessThan(new Date(job.window.to).getTime());
      await waitFor(() => (imported().length === before + 1 ? true : undefined));
      const event = imported().at(-1)!;
      expect(event.payload.order).toMatchObject({
        storeOrderId: '450789469',
        orderStatus: 'shipped',
        revision: 2,
      });
      const { orders } = await ordersOf(storeId);
      const bob = orders.find((o) => o.orderKey === '450789469')!;
      const detail = await request(svc.app)
        .get(`/v1/orders/${bob.orderId}`)
        .set('Authorization', await auth());
      expect(detail.body.revisions).toEqual([
        expect.objectContaining({ revision: 1, source: 'sync', changedFields: [] }),
        expect.objectContaining({
          revision: 2,
          source: 'sync',
          changedFields: ['orderStatus', 'channelData'],
        }),
      ]);
      expect(detail.body.channel.essentials).toMatchObject({
        fulfillment_status: 'fulfilled',
        customer_id: '207119551',
      });
      expect(detail.body.currency).toBe('USD');
    });

    const postWebhook = (body: string, headers: Record<string, string>) =>
      request(svc.app)
        .post(`/v1/webhooks/shopify/${storeId}`)
        .set('Content-Type', 'application/json')
        .set(headers)
        .send(body);

    it('a webhook for an order already synced changes nothing (answered 200 at once, worked from the queue)', async () => {
      const body = shopify.orderJson('450789469');
      const before = imported().length;
      const res = await postWebhook(body, {
        'X-Shopify-Topic': 'orders/updated',
        'X-Shopify-Hmac-Sha256': webhookSignature(body, SHOPIFY_SECRET),
        'X-Shopify-Event-Id': randomUUID(),
      });
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('accepted');
      await waitFor(async () => {
        const rows: Array<{ n: number }> = await svc.db.dataSource.query(
          "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE processed_at IS NOT NULL AND outcome = 'unchanged'",
        );
        return Number(rows[0]!.n) >= 1 ? true : undefined;
      });
      expect(imported().length).toBe(before);
    });

    it('a webhook with a bad signature is refused (401) and nothing is stored', async () => {
      const body = shopify.change('1073459981', { note: 'forged' });
      const count = async () =>
        Number(
          (
            (await svc.db.dataSource.query('SELECT COUNT(*) AS n FROM webhook_deliveries')) as Array<{
              n: number;
            }>
          )[0]!.n,
        );
      const before = await count();
      const forged = await postWebhook(body, {
        'X-Shopify-Topic': 'orders/updated',
        'X-Shopify-Hmac-Sha256': webhookSignature(body, 'not-the-secret'),
        'X-Shopify-Event-Id': randomUUID(),
      });
      expect(forged.status).toBe(401);
      expect(forged.body.error.code).toBe('UNAUTHORIZED');
      const unsigned = await postWebhook(body, { 'X-Shopify-Topic': 'orders/updated' });
      expect(unsigned.status).toBe(401);
      // a valid signature over other bytes than those sent is no signature
      const tampered = await postWebhook(body.replace('forged', 'FORGED'), {
        'X-Shopify-Topic': 'orders/updated',
        'X-Shopify-Hmac-Sha256': webhookSignature(body, SHOPIFY_SECRET),
      });
      expect(tampered.status).toBe(401);
      expect(await count()).toBe(before);
    });

    it('a changed order by webhook: imported once; the retry of that delivery and an older state are dropped', async () => {
      const newer = shopify.change('1073459981', { note: 'leave at the door' }, new Date(Date.now() - 500));
      const older = JSON.stringify({
        ...JSON.parse(newer),
        id: undefined,
        note: 'stale',
        updated_at: '2025-04-03T00:00:00Z',
      }).replace('"note":"stale"', '"id":1073459981,"note":"stale"');
      const eventId = randomUUID();
      const send = (body: string, id: string) =>
        postWebhook(body, {
          'X-Shopify-Topic': 'orders/updated',
          'X-Shopify-Hmac-Sha256': webhookSignature(body, SHOPIFY_SECRET),
          'X-Shopify-Event-Id': id,
        });
      const before = imported().length;
      expect((await send(newer, eventId)).body.status).toBe('accepted');
      expect((await send(newer, eventId)).body.status).toBe('duplicate');
      await waitFor(() => (imported().length === before + 1 ? true : undefined));
      expect((await send(older, randomUUID())).body.status).toBe('accepted');
      const { orders } = await ordersOf(storeId);
      await waitFor(async () => {
        const rows: Array<{ n: number }> = await svc.db.dataSource.query(
          'SELECT COUNT(*) AS n FROM webhook_deliveries WHERE processed_at IS NULL',
        );
        return Number(rows[0]!.n) === 0 ? true : undefined;
      });
      const jane = (await ordersOf(storeId)).orders.find((o) => o.orderKey === '1073459981')!;
      expect(jane.notes).toEqual(['leave at the door']);
      expect(imported().length).toBe(before + 1);
      expect(orders.length).toBe(7);
    });

    it('a revoked token marks the store needs_attention with the channel message, visible in GET /v1/stores', async () => {
      shopify.accessToken = 'shpat_rotated_elsewhere';
      const job = await syncAndWait(storeId);
      expect(job.status).toBe('failed');
      const list = await request(svc.app)
        .get('/v1/stores')
        .set('Authorization', await auth());
      const store = list.body.stores.find((s: { storeId: string }) => s.storeId === storeId);
      expect(store).toMatchObject({
        status: 'needs_attention',
        statusMessage: '[API] Invalid API key or access token (unrecognized login or wrong password)',
      });
      // new credentials are the answer: the store is active again and syncs
      shopify.accessToken = 'shpat_new_token_0001';
      const patched = await request(svc.app)
        .patch(`/v1/stores/${storeId}`)
        .set('Authorization', await auth())
        .send({ credentials: { accessToken: 'shpat_new_token_0001' } });
      expect(patched.body).toMatchObject({ status: 'active', statusMessage: null });
      expect((await syncAndWait(storeId)).status).toBe('succeeded');
    });

    it('R2.10: CustomerRedacted erases the personal data of that customer’s orders, keeping rows, totals and dates', async () => {
      const { orders } = await ordersOf(storeId);
      const bob = orders.find((o) => o.orderKey === '450789469')!;
      // customer-service linked the order (CustomerUpserted names it), then erases the customer
      await bus.publish([
        {
          topic: 'CustomerUpserted',
          key: 'cus_bob',
          value: JSON.stringify({
            ...CustomerUpserted.example,
            eventId: randomUUID(),
            accountId: 'acme',
            payload: {
              ...CustomerUpserted.example.payload,
              customer: { ...CustomerUpserted.example.payload.customer, customerId: 'cus_bob' },
              orderId: bob.orderId,
            },
          }),
        },
      ]);
      const token = await auth();
      await waitFor(async () => {
        const res = await request(svc.app)
          .get('/v1/orders')
          .query({ customerId: 'cus_bob' })
          .set('Authorization', token);
        return res.body.total === 1 ? true : undefined;
      });
      await bus.publish([
        {
          topic: 'CustomerRedacted',
          key: 'cus_bob',
          value: JSON.stringify({
            ...CustomerRedacted.example,
            eventId: randomUUID(),
            accountId: 'acme',
            payload: {
              ...CustomerRedacted.example.payload,
              customerId: 'cus_bob',
              identities: [{ storeId, username: '1073339475' }],
            },
          }),
        },
      ]);
      const erased = await waitFor(async () => {
        const res = await request(svc.app).get(`/v1/orders/${bob.orderId}`).set('Authorization', token);
        return res.body.redacted ? res.body : undefined;
      });
      expect(erased).toMatchObject({
        customerEmail: null,
        customerUsername: null,
        buyer: { name: null, firstName: null, lastName: null, phone: null },
        shipTo: null,
        billTo: null,
        notes: [],
        orderTotal: 199.65,
        orderDate: '2008-01-10T16:00:00.000Z',
      });
      // found by its identity too (no CustomerUpserted for Jane's order was seen)
      const jane = orders.find((o) => o.orderKey === '1073459981')!;
      const janeNow = await request(svc.app).get(`/v1/orders/${jane.orderId}`).set('Authorization', token);
      expect(janeNow.body).toMatchObject({ customerEmail: null, orderTotal: 181.09 });
      // the channel sending the order again, changed, does not bring the data back
      const body = shopify.change('450789469', { note: 'ring twice' });
      const delivery = await postWebhook(body, {
        'X-Shopify-Topic': 'orders/updated',
        'X-Shopify-Hmac-Sha256': webhookSignature(body, SHOPIFY_SECRET),
        'X-Shopify-Event-Id': randomUUID(),
      });
      expect(delivery.body.status).toBe('accepted');
      // the queue worker applied it as a new revision (order and processed_at in one commit)
      const outcome = await waitFor(async () => {
        const rows: Array<{ outcome: string }> = await svc.db.dataSource.query(
          'SELECT outcome FROM webhook_deliveries WHERE delivery_id = ? AND processed_at IS NOT NULL',
          [delivery.body.deliveryId],
        );
        return rows[0]?.outcome;
      });
      expect(outcome).toBe('updated');
      const again = await request(svc.app).get(`/v1/orders/${bob.orderId}`).set('Authorization', token);
      expect(again.body).toMatchObject({
        revision: erased.revision + 1,
        redacted: erased.redacted,
        customerEmail: null,
      });
      expect(again.body.buyer).toEqual(erased.buyer);
      expect(again.body.shipTo).toBeNull();
    });
  });

  describe('WooCommerce', () => {
    let storeId: string;

    beforeAll(async () => {
      ({ storeId } = await connect({
        channel: 'woocommerce',
        name: 'Acme Woo',
        credentials: { consumerKey: CK, consumerSecret: CS, webhookSecret: WOO_SECRET },
        settings: { siteUrl: 'https://shop.example.com', initialSyncFrom: '2000-01-01T00:00:00Z' },
      }));
    });

    it('syncs ascending by modification time in GMT, one order a page, through a 429 and a failing page', async () => {
      woo.faults = { throttleOnce: '1', failPageOnce: 2 };
      const job = await syncAndWait(storeId);
      expect(job).toMatchObject({
        status: 'succeeded',
        counts: { created: 3, updated: 0, unchanged: 0, rejected: 0 },
      });
      expect(
        woo.requests.every((r) => r.query.dates_are_gmt === 'true' && r.query.orderby === 'modified'),
      ).toBe(true);
      expect(woo.requests.map((r) => r.status)).toContain(429);
      expect(woo.requests.map((r) => r.status)).toContain(500);
      const { orders } = await ordersOf(storeId);
      expect(orders.map((o) => o.customerUsername).sort()).toEqual([
        '26',
        'guest1@example.com',
        'john.doe@example.com',
      ]);
    });

    it('a second sync with one order changed updates only that one', async () => {
      woo.change('723', { status: 'refunded' });
      const job = await syncAndWait(storeId);
      expect(job.counts).toMatchObject({ created: 0, updated: 1, rejected: 0 });
    });

    it('answers the ping sent when a webhook is saved; verifies order.updated; drops a duplicate delivery id', async () => {
      const ping = await request(svc.app)
        .post(`/v1/webhooks/woocommerce/${storeId}`)
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .send('webhook_id=15');
      expect(ping.status).toBe(200);
      const body = woo.orderJson('727');
      const headers = {
        'X-WC-Webhook-Topic': 'order.updated',
        'X-WC-Webhook-Signature': webhookSignature(body, WOO_SECRET),
        'X-WC-Webhook-Delivery-ID': 'd-1',
      };
      const post = (h: Record<string, string>) =>
        request(svc.app)
          .post(`/v1/webhooks/woocommerce/${storeId}`)
          .set('Content-Type', 'application/json')
          .set(h)
          .send(body);
      expect((await post(headers)).body.status).toBe('accepted');
      expect((await post(headers)).body.status).toBe('duplicate');
      expect(
        (await post({ ...headers, 'X-WC-Webhook-Signature': webhookSignature(body, 'wrong') })).status,
      ).toBe(401);
    });
  });

  describe('stores', () => {
    it('never returns or stores credentials in the clear; each channel names what is missing (422)', async () => {
      const missing = await request(svc.app)
        .post('/v1/stores')
        .set('Authorization', await auth())
        .send({ channel: 'shopify', name: 'No token', settings: { shop: 'Bad Shop!' } });
      expect(missing.status).toBe(422);
      expect(missing.body.error.details).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^credentials\.accessToken is required for shopify/),
          expect.stringMatching(/^settings\.shop is not valid/),
        ]),
      );
      const wooMissing = await request(svc.app)
        .post('/v1/stores')
        .set('Authorization', await auth())
        .send({ channel: 'woocommerce', name: 'W', credentials: { consumerKey: 'nope', token: 'x' } });
      expect(wooMissing.status).toBe(422);
      expect(wooMissing.body.error.details).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/credentials\.consumerKey is not valid/),
          expect.stringMatching(/credentials\.consumerSecret is required/),
          expect.stringMatching(/credentials\.token is not a woocommerce credential/),
          expect.stringMatching(/settings\.siteUrl is required/),
        ]),
      );
      const created = await request(svc.app)
        .post('/v1/stores')
        .set('Authorization', await auth())
        .send({
          channel: 'shopify',
          name: 'Secretive',
          credentials: { accessToken: 'shpat_supersecret_1' },
          settings: { shop: 'secretive' },
        });
      expect(created.status).toBe(201);
      expect(JSON.stringify(created.body)).not.toContain('supersecret');
      expect(created.body).toMatchObject({
        channel: 'shopify',
        hasCredentials: true,
        settings: { shop: 'secretive' },
      });
      const rows: Array<{ credentials_enc: string }> = await svc.db.dataSource.query(
        'SELECT credentials_enc FROM stores WHERE id = ?',
        [created.body.storeId],
      );
      expect(rows[0]!.credentials_enc).toMatch(/^v1\.[0-9a-f]{8}\./);
      expect(rows[0]!.credentials_enc).not.toContain('supersecret');
    });

    it('DELETE disconnects: the store leaves the list, its orders stay; another account sees a 404', async () => {
      const { storeId } = await connect({ channel: 'api', name: 'Temporary' });
      await request(svc.app)
        .post(`/v1/stores/${storeId}/orders`)
        .set('Authorization', await auth())
        .send({ orderNumber: 'T-1', orderDate: '2026-11-20T10:00:00Z', customerEmail: 't@example.com' })
        .expect(201);
      await request(svc.app)
        .delete(`/v1/stores/${storeId}`)
        .set('Authorization', await auth('globex'))
        .expect(404);
      await request(svc.app)
        .delete(`/v1/stores/${storeId}`)
        .set('Authorization', await auth('acme', 'member'))
        .expect(403);
      await request(svc.app)
        .delete(`/v1/stores/${storeId}`)
        .set('Authorization', await auth())
        .expect(204);
      const list = await request(svc.app)
        .get('/v1/stores')
        .set('Authorization', await auth());
      expect(list.body.stores.map((s: { storeId: string }) => s.storeId)).not.toContain(storeId);
      expect((await ordersOf(storeId)).total).toBe(1);
      const sync = await request(svc.app)
        .post(`/v1/stores/${storeId}/sync`)
        .set('Authorization', await auth());
      expect(sync.status).toBe(404);
    });

    it('GET /v1/orders: status and updatedSince filters with keyset paging that never skips', async () => {
      const token = await auth();
      const since = '2000-01-01T00:00:00Z';
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const res = await request(svc.app)
          .get('/v1/orders')
          .query({ updatedSince: since, limit: 3, ...(cursor ? { cursor } : {}) })
          .set('Authorization', token);
        expect(res.status).toBe(200);
        seen.push(...res.body.orders.map((o: { orderId: string }) => o.orderId));
        const times = res.body.orders.map((o: { modifyDate: string }) => o.modifyDate);
        expect([...times].sort()).toEqual(times);
        cursor = res.body.nextCursor ?? undefined;
      } while (cursor);
      const all = await request(svc.app).get('/v1/orders').query({ limit: 500 }).set('Authorization', token);
      expect(new Set(seen)).toEqual(new Set(all.body.orders.map((o: { orderId: string }) => o.orderId)));
      const shipped = await request(svc.app)
        .get('/v1/orders')
        .query({ status: 'shipped' })
        .set('Authorization', token);
      expect(shipped.body.orders.every((o: { orderStatus: string }) => o.orderStatus === 'shipped')).toBe(
        true,
      );
      expect(shipped.body.total).toBeGreaterThan(0);
      const future = await request(svc.app)
        .get('/v1/orders')
        .query({ updatedSince: '2999-01-01T00:00:00Z' })
        .set('Authorization', token);
      expect(future.body.total).toBe(0);
    });
  });
});

describe("WooCommerce at the merchant's own site URL (no base URL configured)", () => {
  const start = async (extra: Record<string, string>) => {
    const bus = new InProcessBus();
    const svc = await createOrderIngestService(
      loadConfig(embeddedEnv({ CHANNEL_RETRY_BASE_MS: '5', SYNC_SCHEDULER_TICK_MS: '0', ...extra })),
      { bus, logger: testLogger() },
    );
    await svc.start();
    return { svc, bus };
  };
  let woo: FakeWooCommerce;
  beforeAll(async () => {
    woo = await new FakeWooCommerce(CK, CS).seedPublished().start();
  });
  afterAll(async () => {
    await woo?.stop();
  });

  it('SSRF: a site URL in a private or loopback range is refused with a 422 naming it', async () => {
    const { svc, bus } = await start({});
    try {
      const res = await request(svc.app)
        .post('/v1/stores')
        .set('Authorization', `Bearer ${await signDevToken(SECRET, { accountId: 'acme', role: 'admin' })}`)
        .send({
          channel: 'woocommerce',
          name: 'Internal',
          credentials: { consumerKey: CK, consumerSecret: CS },
          settings: { siteUrl: woo.url },
        });
      expect(res.status).toBe(422);
      expect(res.body.error.message).toMatch(
        /settings\.siteUrl: 127\.0\.0\.1 is a private or loopback address/,
      );
    } finally {
      await svc.stop();
      await bus.close();
    }
  });

  it('with CHANNEL_ALLOW_PRIVATE_URLS=true the same site is accepted and synced at its own URL', async () => {
    const { svc, bus } = await start({ CHANNEL_ALLOW_PRIVATE_URLS: 'true' });
    try {
      const token = `Bearer ${await signDevToken(SECRET, { accountId: 'acme', role: 'admin' })}`;
      const created = await request(svc.app)
        .post('/v1/stores')
        .set('Authorization', token)
        .send({
          channel: 'woocommerce',
          name: 'Local',
          credentials: { consumerKey: CK, consumerSecret: CS },
          settings: { siteUrl: `${woo.url}/`, initialSyncFrom: '2000-01-01T00:00:00Z' },
        });
      expect(created.status).toBe(201);
      expect(created.body.settings.siteUrl).toBe(woo.url);
      const job = await request(svc.app)
        .post(`/v1/stores/${created.body.storeId}/sync`)
        .set('Authorization', token);
      const done = await waitFor(async () => {
        const res = await request(svc.app)
          .get(`/v1/stores/${created.body.storeId}/syncs/${job.body.jobId}`)
          .set('Authorization', token);
        return res.body.status === 'succeeded' ? res.body : undefined;
      });
      expect(done.counts.created).toBe(2);
    } finally {
      await svc.stop();
      await bus.close();
    }
  });
});
