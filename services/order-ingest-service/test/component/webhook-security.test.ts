import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { signDevToken } from '@crp/platform/auth';
import { FakeShopify, FakeWooCommerce, webhookSignature } from '@crp/testing/fake-channels';
import { TEST_SECRET as SECRET, embeddedEnv } from '@crp/testing/service-env';
import { testLogger } from '@crp/testing/silent-logger';
import { waitFor } from '@crp/testing/wait';
import { WEBHOOK_REFUSED } from '../../src/app/webhooks';
import { createOrderIngestService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';

const SHOPIFY_SECRET = 'shopify-app-secret-sec';
const WOO_SECRET = 'woo-webhook-secret-sec';

// Webhooks carry no bearer token: the HMAC of the raw body is their only credential. What an
// attacker can send without the secret must be refused before anything is stored, with one answer
// for every reason (no probing of store ids); what it can replay must change nothing.
describe('channel webhooks: signatures and replays (SQLite, in-process bus)', () => {
  let bus: InProcessBus;
  let shopify: FakeShopify;
  let woo: FakeWooCommerce;
  let svc: Awaited<ReturnType<typeof createOrderIngestService>>;
  let shopStore: string;
  let wooStore: string;
  const auth = async () => `Bearer ${await signDevToken(SECRET, { accountId: 'acme' })}`;
  const deliveries = async () =>
    Number(
      (
        (await svc.db.dataSource.query('SELECT COUNT(*) AS n FROM webhook_deliveries')) as Array<{
          n: number;
        }>
      )[0]!.n,
    );
  const post = (channel: string, storeId: string, body: string, headers: Record<string, string>) =>
    request(svc.app)
      .post(`/v1/webhooks/${channel}/${storeId}`)
      .set('Content-Type', 'application/json')
      .set(headers)
      .send(body);
  const imported = () => bus.messagesOn('OrderImported').length;
  const drained = () =>
    waitFor(async () => {
      const rows: Array<{ n: number }> = await svc.db.dataSource.query(
        'SELECT COUNT(*) AS n FROM webhook_deliveries WHERE processed_at IS NULL',
      );
      return Number(rows[0]!.n) === 0;
    });

  beforeAll(async () => {
    shopify = await new FakeShopify({ accessToken: 'shpat_sec', pageSize: 5 }).seedPublished(0).start();
    woo = await new FakeWooCommerce('ck_0123456789abcdef', 'cs_0123456789abcdef', { pageSize: 5 })
      .seedPublished(0)
      .start();
    bus = new InProcessBus();
    svc = await createOrderIngestService(
      loadConfig(
        embeddedEnv({
          CHANNEL_SHOPIFY_BASE_URL: shopify.url,
          CHANNEL_WOOCOMMERCE_BASE_URL: woo.url,
          SYNC_SCHEDULER_TICK_MS: '0',
          WEBHOOK_POLL_MS: '50',
        }),
      ),
      { bus, logger: testLogger() },
    );
    await svc.start();
    const connect = async (body: object) => {
      const res = await request(svc.app)
        .post('/v1/stores')
        .set('Authorization', await auth())
        .send(body);
      expect(res.status).toBe(201);
      return res.body.storeId as string;
    };
    shopStore = await connect({
      channel: 'shopify',
      name: 'Sec Shopify',
      credentials: { accessToken: 'shpat_sec', apiSecret: SHOPIFY_SECRET },
      settings: { shop: 'sec.myshopify.com', initialSyncFrom: '2000-01-01T00:00:00Z' },
    });
    wooStore = await connect({
      channel: 'woocommerce',
      name: 'Sec Woo',
      credentials: {
        consumerKey: 'ck_0123456789abcdef',
        consumerSecret: 'cs_0123456789abcdef',
        webhookSecret: WOO_SECRET,
      },
      settings: { siteUrl: 'https://shop.example.com', initialSyncFrom: '2000-01-01T00:00:00Z' },
    });
  });
  afterAll(async () => {
    await svc?.stop();
    await bus?.close();
    await shopify?.stop();
    await woo?.stop();
  });

  it('a missing, empty, malformed, wrong-length or wrong-key signature is 401 with one message; nothing is stored', async () => {
    const body = shopify.change('1073459981', { note: 'forged' });
    const before = await deliveries();
    const right = webhookSignature(body, SHOPIFY_SECRET);
    const bad: Array<Record<string, string>> = [
      {},
      { 'X-Shopify-Hmac-Sha256': '' },
      { 'X-Shopify-Hmac-Sha256': 'not base64 at all !!' },
      { 'X-Shopify-Hmac-Sha256': right.slice(0, 20) },
      { 'X-Shopify-Hmac-Sha256': `${right}${right}` },
      { 'X-Shopify-Hmac-Sha256': `${right}junk` },
      { 'X-Shopify-Hmac-Sha256': right.replace(/=+$/, '') + '==' + 'A' },
      { 'X-Shopify-Hmac-Sha256': webhookSignature(body, 'not-the-secret') },
      { 'X-Shopify-Hmac-Sha256': Buffer.from(right, 'base64').toString('hex') },
      // WooCommerce's header on a Shopify route
      { 'X-WC-Webhook-Signature': right },
    ];
    for (const h of bad) {
      const res = await post('shopify', shopStore, body, { 'X-Shopify-Topic': 'orders/updated', ...h });
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ code: 'UNAUTHORIZED', message: WEBHOOK_REFUSED });
    }
    expect(await deliveries()).toBe(before);
  });

  it('an unknown store, a store of another channel, or a disconnected store answers the very same 401', async () => {
    const body = shopify.orderJson('450789469');
    const signed = {
      'X-Shopify-Topic': 'orders/updated',
      'X-Shopify-Hmac-Sha256': webhookSignature(body, SHOPIFY_SECRET),
    };
    const gone = await request(svc.app)
      .post('/v1/stores')
      .set('Authorization', await auth())
      .send({
        channel: 'shopify',
        name: 'Gone Shopify',
        credentials: { accessToken: 'shpat_sec', apiSecret: SHOPIFY_SECRET },
        settings: { shop: 'gone.myshopify.com' },
      });
    expect(gone.status).toBe(201);
    await request(svc.app)
      .delete(`/v1/stores/${gone.body.storeId}`)
      .set('Authorization', await auth())
      .expect(204);
    const answers = [
      await post('shopify', gone.body.storeId as string, body, signed),
      await post('shopify', 'st_no_such_store', body, signed),
      await post('shopify', wooStore, body, signed),
      await post('woocommerce', shopStore, body, {
        'X-WC-Webhook-Topic': 'order.updated',
        'X-WC-Webhook-Signature': webhookSignature(body, SHOPIFY_SECRET),
      }),
    ];
    for (const res of answers) {
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ code: 'UNAUTHORIZED', message: WEBHOOK_REFUSED });
    }
  });

  it('replays: the same delivery is a duplicate; the same signed body under a new event id changes nothing', async () => {
    const body = shopify.change('1073459981', { note: 'ring twice' }, new Date(Date.now() - 500));
    const signature = webhookSignature(body, SHOPIFY_SECRET);
    const send = (eventId: string) =>
      post('shopify', shopStore, body, {
        'X-Shopify-Topic': 'orders/updated',
        'X-Shopify-Hmac-Sha256': signature,
        'X-Shopify-Event-Id': eventId,
      });
    const first = randomUUID();
    expect((await send(first)).body.status).toBe('accepted');
    await drained();
    const after = imported();
    const order = async () =>
      (
        await request(svc.app)
          .get('/v1/orders')
          .query({ storeId: shopStore })
          .set('Authorization', await auth())
      ).body.orders.find((o: { orderKey: string }) => o.orderKey === '1073459981') as {
        revision: number;
        notes: string[];
      };
    const stored = await order();
    expect(stored.notes).toEqual(['ring twice']);
    expect((await send(first)).body.status).toBe('duplicate');
    for (let i = 0; i < 3; i++) expect((await send(randomUUID())).body.status).toBe('accepted');
    await drained();
    expect(imported()).toBe(after);
    expect(await order()).toEqual(stored);
  });

  it('WooCommerce: an unsigned order.updated is 401; a body shaped like the ping but with a topic is not a ping', async () => {
    const body = woo.orderJson('727');
    const unsigned = await post('woocommerce', wooStore, body, { 'X-WC-Webhook-Topic': 'order.updated' });
    expect(unsigned.status).toBe(401);
    const fakePing = await request(svc.app)
      .post(`/v1/webhooks/woocommerce/${wooStore}`)
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .set('X-WC-Webhook-Topic', 'order.updated')
      .send('webhook_id=15');
    expect(fakePing.status).toBe(401);
  });
});
