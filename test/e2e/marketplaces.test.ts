import request from 'supertest';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { describeReal } from '@crp/testing/real-infra';
import {
  FakeAmazon,
  FakeBigCommerce,
  FakeEbay,
  amazon2026Order,
  bigCommerceOrder,
  ebayOrder,
  type AmazonBuyerSpec,
  type EbayBuyerSpec,
} from '@crp/testing/fake-marketplaces';
import { readFixtureJson } from '@crp/testing/fixtures';
import { waitFor } from '@crp/testing/wait';
import { startRealSystem, startSystem, type System } from './support/system';

type Order = Record<string, unknown>;
type Customer = {
  customerId: string;
  name: string | null;
  email: string | null;
  street1: string | null;
  marketplaceUsernames: Array<{ username: string; marketplace: string; marketplaceId: string }>;
  history: { orderCount: number; totalSpent: number };
};

const EBAY = {
  clientId: 'AcmeApp-PRD-e2e0123456',
  clientSecret: 'PRD-e2e-0123456789abcdef',
  refreshToken: 'v^1.1#i^1#e2e-refresh-0123',
};
const AMAZON = {
  clientId: 'amzn1.application-oa2-client.e2e0123456789abcdef0123456789ab',
  clientSecret: 'amzn1.oa2-cs.v1.e2e0123456789',
  refreshToken: 'Atzr|IwEBI-e2e-refresh-0123456789',
};
const BC_HASH = 'e2estore01';
const BC_TOKEN = 'e2ebigcommercetoken0123456';
const BC_SECRET = 'e2e-bigcommerce-webhook-secret';

const searchSample = readFixtureJson<{ orders: Order[] }>(
  'amazon',
  'searchOrders-response-example-orders_2026-01-01.json',
).orders[0]!;
const bcSample = readFixtureJson<Order>('bigcommerce', 'order-218-v2-sample.json');
const bcShip = readFixtureJson<Order>('bigcommerce', 'order-shipping-address-v2-sample.json');

const alice: EbayBuyerSpec = {
  username: 'alice_buys',
  fullName: 'Alice Martin',
  email: 'a1b2c3d4e5@members.ebay.com',
  address: {
    addressLine1: '1 Market St',
    city: 'San Francisco',
    stateOrProvince: 'CA',
    postalCode: '94105',
    countryCode: 'US',
  },
};
const smith = (name: string, line1: string): AmazonBuyerSpec => ({
  email: 'q4w5e6r7@marketplace.amazon.com',
  name,
  address: { name, line1, city: 'Seattle', state: 'WA', postalCode: '98101', country: 'US' },
});
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

/**
 * Issue 18's "done when", across services: stores connected to fake eBay, Amazon and BigCommerce
 * (built from their published contracts and samples), synced by order-ingest, linked to customers
 * by customer-service by each channel's buyer key.
 */
function marketplaceFlow(
  start: (orderEnv: Record<string, string>) => Promise<{ sys: System; stop: () => Promise<void> }>,
) {
  let ebay: FakeEbay;
  let amazon: FakeAmazon;
  let bc: FakeBigCommerce;
  let sys: System;
  let stop: () => Promise<void>;
  let token: string;
  const stores: Record<'ebay' | 'amazon' | 'bigcommerce', string> = { ebay: '', amazon: '', bigcommerce: '' };

  beforeAll(async () => {
    ebay = await new FakeEbay(EBAY, 200).start();
    ebay.seed([
      ebayOrder({
        orderId: '31-00001-00001',
        buyer: alice,
        creationDate: '2026-10-01T12:00:00.000Z',
        total: '20.00',
      }),
    ]);
    amazon = await new FakeAmazon(AMAZON).start();
    amazon.rateLimits = {
      getOrders: '50',
      getOrderBuyerInfo: '50',
      getOrderAddress: '50',
      searchOrders: '50',
    };
    // the no-email order changed before the buyer's order: customer-service sees it first
    amazon.put(
      amazon2026Order(searchSample, {
        id: '701-0000001-0000001',
        createdTime: '2026-10-03T10:00:00Z',
        buyer: { email: null, name: null, address: smith('Dock 4', '500 Industrial Way').address },
      }),
    );
    amazon.put(
      amazon2026Order(searchSample, {
        id: '701-0000002-0000002',
        createdTime: '2026-10-05T10:00:00Z',
        total: '30.00',
        buyer: smith('John Smith', '123 Main Street'),
      }),
    );
    bc = await new FakeBigCommerce(BC_HASH, BC_TOKEN).start();
    bc.put(bcSample, [bcShip]); // registered customer 11, janedoe@example.com
    bc.put(
      bigCommerceOrder(bcSample, {
        id: 219,
        customerId: 0,
        email: 'JaneDoe@Example.com',
        firstName: 'Jane',
        lastName: 'Doe',
        created: new Date('2019-03-06T10:00:00Z'),
        modified: new Date('2019-03-12T10:00:00Z'),
        total: '10.0000',
      }),
      [bcShip],
    );
    ({ sys, stop } = await start({
      CHANNEL_EBAY_BASE_URL: ebay.url,
      CHANNEL_AMAZON_BASE_URL: amazon.url,
      CHANNEL_AMAZON_LWA_URL: `${amazon.url}/auth/o2/token`,
      CHANNEL_BIGCOMMERCE_BASE_URL: `${bc.url}/stores/{storeHash}`,
      CHANNEL_RETRY_BASE_MS: '5',
      SYNC_SCHEDULER_TICK_MS: '0',
    }));
    token = `Bearer ${await sys.token('acme')}`;
    const connect = async (body: object) => {
      const res = await request(sys.orders.app).post('/v1/stores').set('Authorization', token).send(body);
      expect(res.status).toBe(201);
      return res.body.storeId as string;
    };
    stores.ebay = await connect({
      channel: 'ebay',
      name: 'Acme eBay',
      credentials: EBAY,
      settings: { initialSyncFrom: '2026-01-01T00:00:00Z' },
    });
    stores.amazon = await connect({
      channel: 'amazon',
      name: 'Acme Amazon',
      credentials: AMAZON,
      settings: { marketplaceIds: 'ATVPDKIKX0DER', initialSyncFrom: '2026-01-01T00:00:00Z' },
    });
    stores.bigcommerce = await connect({
      channel: 'bigcommerce',
      name: 'Acme BigCommerce',
      credentials: { accessToken: BC_TOKEN, webhookSecret: BC_SECRET },
      settings: { storeHash: BC_HASH, initialSyncFrom: '2019-01-01T00:00:00Z' },
    });
  }, 60000);
  afterAll(async () => {
    await stop?.();
    await ebay?.stop();
    await amazon?.stop();
    await bc?.stop();
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

  const customersOf = async (storeId: string): Promise<Customer[]> =>
    (
      await request(sys.customers.app)
        .get('/v1/customers')
        .query({ storeId, limit: 100 })
        .set('Authorization', token)
    ).body.customers ?? [];

  const customerWith = (storeId: string, username: string, ok: (c: Customer) => boolean = () => true) =>
    waitFor(
      async () => {
        const c = (await customersOf(storeId)).find((x) =>
          x.marketplaceUsernames.some((m) => m.username === username),
        );
        return c && ok(c) ? c : undefined;
      },
      { timeoutMs: 30000, intervalMs: 50, what: `customer with username ${username}` },
    );

  const ordersOf = async (storeId: string) =>
    (
      await request(sys.orders.app)
        .get('/v1/orders')
        .query({ storeId, limit: 100 })
        .set('Authorization', token)
    ).body.orders as Array<{ orderKey: string; customerId: string | null; customerUsername: string | null }>;

  it('eBay — R1.2: a renamed buyer stays one customer (the old order read again under the new name makes it an alias)', async () => {
    expect((await sync(stores.ebay)).counts).toMatchObject({ created: 1 });
    const first = await customerWith(stores.ebay, 'alice_buys');
    expect(first).toMatchObject({ name: 'Alice Martin', email: 'a1b2c3d4e5@members.ebay.com' });
    const renamed = { ...alice, username: 'alice_2026' };
    ebay.put({
      ...ebayOrder({
        orderId: '31-00001-00001',
        buyer: renamed,
        creationDate: '2026-10-01T12:00:00.000Z',
        total: '20.00',
        fulfillment: 'FULFILLED',
      }),
      lastModifiedDate: ago(2000),
    });
    ebay.put(
      ebayOrder({
        orderId: '31-00002-00002',
        buyer: renamed,
        creationDate: ago(60_000),
        lastModifiedDate: ago(1000),
        total: '35.00',
      }),
    );
    expect((await sync(stores.ebay)).counts).toMatchObject({ created: 1, updated: 1, rejected: 0 });
    const after = await customerWith(stores.ebay, 'alice_buys', (c) => c.history.orderCount === 2);
    expect(after.customerId).toBe(first.customerId);
    const all = await customersOf(stores.ebay);
    expect(all).toHaveLength(1);
    expect(all[0]!.marketplaceUsernames.map((m) => m.username)).toEqual(['alice_buys']);
  });

  it('Amazon — R1.1: an order without a buyer email links to no customer; one buyer across calls is one customer, newest data by order date', async () => {
    expect((await sync(stores.amazon)).counts).toMatchObject({ created: 2, rejected: 0 });
    const smithCustomer = await customerWith(stores.amazon, 'q4w5e6r7@marketplace.amazon.com');
    // the no-email order was announced before the buyer's (one partition per account): it is settled
    const orders = await waitFor(async () => {
      const os = await ordersOf(stores.amazon);
      return os.find((o) => o.orderKey === '701-0000002-0000002')?.customerId ? os : undefined;
    });
    expect(orders.find((o) => o.orderKey === '701-0000001-0000001')).toMatchObject({
      customerId: null,
      customerUsername: null,
    });
    expect(await customersOf(stores.amazon)).toHaveLength(1);

    // an OLDER order of the same buyer (other name, address written otherwise) arrives later
    amazon.put(
      amazon2026Order(searchSample, {
        id: '701-0000003-0000003',
        createdTime: '2026-10-01T10:00:00Z',
        lastUpdatedTime: ago(3 * 60_000),
        total: '12.00',
        buyer: smith('J. Smith', '123 Main St'),
      }),
    );
    expect((await sync(stores.amazon)).counts).toMatchObject({ created: 1, rejected: 0 });
    const one = await customerWith(
      stores.amazon,
      'q4w5e6r7@marketplace.amazon.com',
      (c) => c.history.orderCount === 2,
    );
    expect(one).toMatchObject({
      customerId: smithCustomer.customerId,
      name: 'John Smith',
      street1: '123 Main Street',
    });
    expect(await customersOf(stores.amazon)).toHaveLength(1);
  });

  it('BigCommerce — a guest (customer_id 0) whose email is a registered customer’s joins that customer', async () => {
    expect((await sync(stores.bigcommerce)).counts).toMatchObject({ created: 2, rejected: 0 });
    const jane = await customerWith(stores.bigcommerce, '11', (c) => c.history.orderCount === 2);
    expect(jane).toMatchObject({ name: 'Jane Doe', email: 'janedoe@example.com' });
    expect(jane.marketplaceUsernames.map((m) => m.username).sort()).toEqual(['11', 'janedoe@example.com']);
    expect(await customersOf(stores.bigcommerce)).toHaveLength(1);

    // a webhook names the guest's order (only its id): fetched, imported, the same customer's history
    bc.put({
      ...bc.order(219),
      status_id: 2,
      status: 'Shipped',
      total_inc_tax: '12.0000',
      date_modified: new Date(Date.now() - 1000).toUTCString().replace('GMT', '+0000'),
    });
    const hook = await request(sys.orders.app)
      .post(`/v1/webhooks/bigcommerce/${stores.bigcommerce}`)
      .set('Content-Type', 'application/json')
      .set('X-Webhook-Secret', BC_SECRET)
      .send(
        JSON.stringify({
          scope: 'store/order/updated',
          store_id: 1,
          producer: `stores/${BC_HASH}`,
          data: { type: 'order', id: 219 },
          hash: 'e2e0000000000000000000000000000000000219',
        }),
      );
    expect(hook.body.status).toBe('accepted');
    const after = await customerWith(stores.bigcommerce, '11', (c) => c.history.totalSpent === 81.84);
    expect(after.customerId).toBe(jane.customerId);
  });
}

describe('marketplace connectors end to end on the in-process bus and SQLite', () => {
  marketplaceFlow(async (orderEnv) => {
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

describeReal('marketplace connectors end to end on real Kafka and MariaDB', () => {
  marketplaceFlow(async (orderEnv) => {
    const sys = await startRealSystem('e2e_mkts', { orderEnv });
    return { sys, stop: () => sys.stop() };
  });
});
