import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { describeReal } from '@crp/testing/real-infra';
import { FakeShopify, FakeWooCommerce, webhookSignature } from '@crp/testing/fake-channels';
import { waitFor } from '@crp/testing/wait';
import { startRealSystem, startSystem, type System } from './support/system';

const TOKEN = 'shpat_e2e_0123456789';
const SHOPIFY_SECRET = 'e2e-shopify-secret';
const CK = 'ck_e2e0123456789';
const CS = 'cs_e2e0123456789';
const WOO_SECRET = 'e2e-woo-secret';

/**
 * Issue 15's "done when", across services: stores connected to a fake Shopify and a fake
 * WooCommerce (published sample orders, paginated, one 429 with Retry-After, one failing page),
 * synced by order-ingest, linked to customers by customer-service by each channel's buyer key.
 */
function channelFlow(
  start: (orderEnv: Record<string, string>) => Promise<{ sys: System; stop: () => Promise<void> }>,
) {
  let shopify: FakeShopify;
  let woo: FakeWooCommerce;
  let sys: System;
  let stop: () => Promise<void>;
  let token: string;
  let shopifyStore: string;
  let wooStore: string;

  beforeAll(async () => {
    shopify = await new FakeShopify({ accessToken: TOKEN, pageSize: 2 }).seedPublished(3).start();
    woo = await new FakeWooCommerce(CK, CS, { pageSize: 2 }).seedPublished(1).start();
    ({ sys, stop } = await start({
      CHANNEL_SHOPIFY_BASE_URL: shopify.url,
      CHANNEL_WOOCOMMERCE_BASE_URL: woo.url,
      CHANNEL_RETRY_BASE_MS: '5',
      SYNC_SCHEDULER_TICK_MS: '0',
      WEBHOOK_POLL_MS: '50',
    }));
    token = `Bearer ${await sys.token('acme')}`;
    const connect = async (body: object) => {
      const res = await request(sys.orders.app).post('/v1/stores').set('Authorization', token).send(body);
      expect(res.status).toBe(201);
      return res.body.storeId as string;
    };
    shopifyStore = await connect({
      channel: 'shopify',
      name: 'Acme Shopify',
      credentials: { accessToken: TOKEN, apiSecret: SHOPIFY_SECRET },
      settings: { shop: 'acme', initialSyncFrom: '2000-01-01T00:00:00Z' },
    });
    wooStore = await connect({
      channel: 'woocommerce',
      name: 'Acme Woo',
      credentials: { consumerKey: CK, consumerSecret: CS, webhookSecret: WOO_SECRET },
      settings: { siteUrl: 'https://shop.example.com', initialSyncFrom: '2000-01-01T00:00:00Z' },
    });
  }, 60000);
  afterAll(async () => {
    await stop?.();
    await shopify?.stop();
    await woo?.stop();
  });

  const sync = async (storeId: string) => {
    const started = await request(sys.orders.app)
      .post(`/v1/stores/${storeId}/sync`)
      .set('Authorization', token);
    expect(started.status).toBe(202);
    return waitFor(
      async () => {
        const res = await request(sys.orders.app)
          .get(`/v1/stores/${storeId}/syncs/${started.body.jobId}`)
          .set('Authorization', token);
        return ['succeeded', 'failed'].includes(res.body.status) ? res.body : undefined;
      },
      { timeoutMs: 30000, intervalMs: 25, what: 'sync job' },
    );
  };

  const customerByUsername = (username: string, ok: (c: Record<string, unknown>) => boolean = () => true) =>
    waitFor(
      async () => {
        const res = await request(sys.customers.app)
          .get('/v1/customers')
          .query({ q: username })
          .set('Authorization', token);
        const c = (res.body.customers ?? []).find(
          (x: { marketplaceUsernames: Array<{ username: string }> }) =>
            x.marketplaceUsernames.some((m) => m.username === username),
        );
        return c && ok(c) ? c : undefined;
      },
      { timeoutMs: 30000, intervalMs: 50, what: `customer with username ${username}` },
    );

  it('first syncs import every order exactly once, through a 429 and a failing page', async () => {
    shopify.faults = { throttleOnce: '1', failPageOnce: 2 };
    woo.faults = { throttleOnce: '1', failPageOnce: 2 };
    const s = await sync(shopifyStore);
    const w = await sync(wooStore);
    expect(s).toMatchObject({ status: 'succeeded', counts: { created: 6, updated: 0, rejected: 0 } });
    expect(w).toMatchObject({ status: 'succeeded', counts: { created: 3, updated: 0, rejected: 0 } });
    expect(shopify.requests.filter((r) => r.status === 429)).toHaveLength(1);
    expect(shopify.requests.filter((r) => r.status === 500)).toHaveLength(1);
    const list = await request(sys.orders.app)
      .get('/v1/orders')
      .query({ limit: 100 })
      .set('Authorization', token);
    expect(list.body.total).toBe(9);
  });

  it("customers end linked by each channel's buyer key (R1.2)", async () => {
    const bob = await customerByUsername('207119551');
    expect(bob).toMatchObject({
      email: 'bob.norman@mail.example.com',
      marketplaceUsernames: [
        expect.objectContaining({
          marketplace: 'shopify',
          marketplaceId: shopifyStore,
          username: '207119551',
        }),
      ],
    });
    // the webhook sample's 64-bit customer id survives intact all the way to the identity
    await customerByUsername('115310627314723954');
    const joao = await customerByUsername('26');
    expect(joao).toMatchObject({
      name: 'João Silva',
      marketplaceUsernames: [expect.objectContaining({ marketplace: 'woocommerce' })],
    });
    await customerByUsername('john.doe@example.com');
    // order-ingest learns each order's customer from CustomerUpserted
    const orders = await waitFor(async () => {
      const res = await request(sys.orders.app)
        .get('/v1/orders')
        .query({ customerId: bob.customerId })
        .set('Authorization', token);
      return res.body.total === 1 ? res.body.orders : undefined;
    });
    expect(orders[0].orderKey).toBe('450789469');
  });

  it('a second sync with one order changed updates only that one, and the customer sees it', async () => {
    shopify.change('450789469', { total_price: '250.00', current_total_price: '250.00' });
    const s = await sync(shopifyStore);
    expect(s.counts).toMatchObject({ created: 0, updated: 1, rejected: 0 });
    const bob = await customerByUsername(
      '207119551',
      (c) => (c.history as { totalSpent: number }).totalSpent === 250,
    );
    expect((bob.history as { orderCount: number }).orderCount).toBe(1);
  });

  it('a webhook for an order already synced changes nothing; a bad signature is refused', async () => {
    const body = shopify.orderJson('450789469');
    const before = await request(sys.orders.app)
      .get('/v1/orders')
      .query({ storeId: shopifyStore })
      .set('Authorization', token);
    const bobOrder = before.body.orders.find((o: { orderKey: string }) => o.orderKey === '450789469');
    const ok = await request(sys.orders.app)
      .post(`/v1/webhooks/shopify/${shopifyStore}`)
      .set('Content-Type', 'application/json')
      .set('X-Shopify-Topic', 'orders/updated')
      .set('X-Shopify-Event-Id', randomUUID())
      .set('X-Shopify-Hmac-Sha256', webhookSignature(body, SHOPIFY_SECRET))
      .send(body);
    expect(ok.body.status).toBe('accepted');
    const bad = await request(sys.orders.app)
      .post(`/v1/webhooks/woocommerce/${wooStore}`)
      .set('Content-Type', 'application/json')
      .set('X-WC-Webhook-Topic', 'order.updated')
      .set('X-WC-Webhook-Signature', webhookSignature(woo.orderJson('727'), 'not-the-secret'))
      .send(woo.orderJson('727'));
    expect(bad.status).toBe(401);
    // the queue worker has been through the accepted delivery (order and processed_at in one commit)
    const outcome = await waitFor(async () => {
      const rows = (await sys.orders.db.dataSource.query(
        'SELECT outcome FROM webhook_deliveries WHERE delivery_id = ? AND processed_at IS NOT NULL',
        [ok.body.deliveryId],
      )) as Array<{ outcome: string }>;
      return rows[0]?.outcome;
    });
    expect(outcome).toBe('unchanged');
    const after = await request(sys.orders.app)
      .get(`/v1/orders/${bobOrder.orderId}`)
      .set('Authorization', token);
    expect(after.body.revision).toBe(bobOrder.revision);
  });
}

describe('channel connectors end to end on the in-process bus and SQLite', () => {
  channelFlow(async (orderEnv) => {
    const bus = new InProcessBus();
    const sys = await startSystem({
      customerDbUrl: 'sqlite::memory:',
      orderDbUrl: 'sqlite::memory:',
      bus,
      orderEnv,
    });
    return {
      sys,
      stop: async () => {
        await sys.stop();
        await bus.close();
      },
    };
  });
});

describeReal('channel connectors end to end on real Kafka and MariaDB', () => {
  channelFlow(async (orderEnv) => {
    const sys = await startRealSystem('e2e_channels', { orderEnv });
    return { sys, stop: () => sys.stop() };
  });
});
