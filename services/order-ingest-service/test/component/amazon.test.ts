import {
  FakeAmazon,
  amazon2026Order,
  amazonV0Order,
  type AmazonBuyerSpec,
} from '@crp/testing/fake-marketplaces';
import { readFixtureJson } from '@crp/testing/fixtures';
import { NO_BUYER_EMAIL_NOTE } from '../../src/domain/channels/amazon-order';
import { startIngest, type Ingest } from '../support/channel-harness';

const CREDS = {
  clientId: 'amzn1.application-oa2-client.0123456789abcdef0123456789abcdef',
  clientSecret: 'amzn1.oa2-cs.v1.0123456789abcdef',
  refreshToken: 'Atzr|IwEBIA-fake-refresh-token-0123456789',
};

type Order = Record<string, unknown>;
const v0Sample = readFixtureJson<{ payload: { Orders: Order[] } }>(
  'amazon',
  'getOrders-response-example-ordersV0.json',
).payload.Orders[0]!;
const searchSample = readFixtureJson<{ orders: Order[] }>(
  'amazon',
  'searchOrders-response-example-orders_2026-01-01.json',
).orders[0]!;
const getOrder2026 = readFixtureJson<{ order: Order }>(
  'amazon',
  'getOrder-response-example-orders_2026-01-01.json',
).order;

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const ann = (name: string, line1: string): AmazonBuyerSpec => ({
  email: 'x7k2m9p4q1r8@marketplace.amazon.com',
  name,
  address: {
    name,
    line1,
    city: 'Seattle',
    state: 'WA',
    postalCode: '98101',
    country: 'US',
    phone: '206-555-0100',
  },
});
const noEmail: AmazonBuyerSpec = {
  email: null,
  name: null,
  address: {
    name: 'Receiving Dock 4',
    line1: '500 Industrial Way',
    city: 'Reno',
    state: 'NV',
    postalCode: '89502',
    country: 'US',
  },
};

describe('Amazon (Selling Partner API, Orders v0 and 2026-01-01 behind one connector) against a fake from its published models', () => {
  let amazon: FakeAmazon;
  let ing: Ingest;

  beforeAll(async () => {
    amazon = await new FakeAmazon(CREDS, 2).start();
    // Amazon's default plans (getOrders: one a minute once the burst of 20 is spent) would make a
    // throttled test wait a minute: the fake grants fast rates, which the connector reads from
    // x-amzn-RateLimit-Limit (the bucket itself is unit-tested at the real rates).
    amazon.rateLimits = {
      getOrders: '50',
      getOrderBuyerInfo: '50',
      getOrderAddress: '50',
      searchOrders: '50',
    };
    // v0: Amazon's own getOrders example, and orders built on it
    amazon.put(v0Sample);
    amazon.put(
      amazonV0Order(v0Sample, {
        id: '111-0000001-0000001',
        purchaseDate: '2026-10-01T10:00:00Z',
        total: '25.00',
        buyer: ann('Ann Lee', '1 Main St.'),
      }),
    );
    amazon.put(
      amazonV0Order(v0Sample, {
        id: '111-0000002-0000002',
        purchaseDate: '2026-10-05T10:00:00Z',
        total: '40.00',
        buyer: ann('Ann M. Lee', '1 Main Street'),
      }),
    );
    amazon.put(
      amazonV0Order(v0Sample, {
        id: '111-0000003-0000003',
        purchaseDate: '2026-10-07T10:00:00Z',
        total: '99.00',
        buyer: noEmail,
      }),
    );
    // 2026-01-01: Amazon's own searchOrders and getOrder examples, and one more order of the first buyer
    amazon.put(searchSample);
    amazon.put(getOrder2026);
    amazon.put(
      amazon2026Order(searchSample, {
        id: '123-4567890-7654321',
        createdTime: '2024-12-28T09:00:00Z',
        total: '19.99',
        buyer: {
          email: 'Buyer-Email@marketplace.amazon.com',
          name: 'J. Smith',
          address: {
            name: 'J. Smith',
            line1: '123 Main St',
            city: 'Seattle',
            state: 'WA',
            postalCode: '98101',
            country: 'US',
          },
        },
      }),
    );
    ing = await startIngest({
      CHANNEL_AMAZON_BASE_URL: amazon.url,
      CHANNEL_AMAZON_LWA_URL: `${amazon.url}/auth/o2/token`,
    });
  });
  afterAll(async () => {
    await ing?.stop();
    await amazon?.stop();
  });

  describe('Orders API v0', () => {
    let storeId: string;
    beforeAll(async () => {
      ({ storeId } = await ing.connect({
        channel: 'amazon',
        name: 'Acme Amazon',
        credentials: CREDS,
        settings: {
          marketplaceIds: 'ATVPDKIKX0DER',
          apiVersion: 'v0',
          initialSyncFrom: '2016-01-01T00:00:00Z',
        },
      }));
    });

    it('first sync: every order once, windows ending 2 minutes back, NextToken pages, through a 429 QuotaExceeded and a 500', async () => {
      amazon.faults = { throttleOnce: true, failListCallOnce: 2 };
      const startedAt = Date.now();
      const job = await ing.sync(storeId);
      expect(job).toMatchObject({ status: 'succeeded', counts: { created: 4, updated: 0, rejected: 0 } });
      // UTC, and never later than two minutes before the request (the fake refuses that with a 400)
      expect(Date.parse(job.window.to)).toBeLessThanOrEqual(startedAt - 2 * 60_000);
      const calls = amazon.listRequests();
      expect(calls.map((c) => c.status)).toEqual([429, 200, 500, 200]);
      expect(calls[0]!.query).toMatchObject({ MarketplaceIds: 'ATVPDKIKX0DER', MaxResultsPerPage: '100' });
      expect(calls[0]!.query.LastUpdatedBefore).toMatch(/Z$/);
      expect(calls.at(-1)!.query.NextToken).toBeTruthy();
      expect(amazon.tokensIssued).toBe(1);

      const { orders } = await ing.orders(storeId);
      const sample = orders.find((o) => o.orderKey === '902-3159896-1390916')!;
      expect(sample).toMatchObject({
        orderDate: '2017-01-20T19:49:35.000Z',
        orderStatus: 'awaiting_payment',
        customerUsername: 'user@example.com',
        customerEmail: 'user@example.com',
        buyer: { name: 'John Doe' },
        orderTotal: 0,
        // the label's name is the ship-to's, never the buyer's
        shipTo: {
          name: 'Michigan address',
          street1: '1 Cross St.',
          city: 'Canton',
          state: 'MI',
          country: 'US',
        },
        billTo: null,
      });
      const events = await ing.importedCount(storeId, 4);
      expect(
        events.find((e) => e.payload.order.storeOrderId === '902-3159896-1390916')!.payload.buyer,
      ).toMatchObject({
        company: 'A Company Name',
      });
    });

    it('R1.1: an order without a buyer email imports without a buyer key, and says so', async () => {
      const { orders } = await ing.orders(storeId);
      const o = orders.find((x) => x.orderKey === '111-0000003-0000003')!;
      expect(o).toMatchObject({ customerUsername: null, customerEmail: null, orderTotal: 99 });
      expect(o.channel.essentials.importNote).toBe(NO_BUYER_EMAIL_NOTE);
      const event = ing
        .imported(storeId)
        .find((e) => e.payload.order.storeOrderId === '111-0000003-0000003')!;
      expect(event.payload.buyer).toMatchObject({ username: null, email: null });
    });

    it('R1.2: one buyer seen with another name and another way of writing the address carries one buyer key (the email)', () => {
      const keys = ing
        .imported(storeId)
        .filter((e) => e.payload.order.storeOrderId.startsWith('111-000000') && e.payload.buyer.email)
        .map((e) => [e.payload.buyer.username, e.payload.buyer.name, e.payload.shipTo?.street1]);
      expect(keys).toEqual(
        expect.arrayContaining([
          ['x7k2m9p4q1r8@marketplace.amazon.com', 'Ann Lee', '1 Main St.'],
          ['x7k2m9p4q1r8@marketplace.amazon.com', 'Ann M. Lee', '1 Main Street'],
        ]),
      );
    });

    it('incremental sync: a changed order is updated and a new one created; without a Restricted Data Token buyerInfo and address are asked', async () => {
      amazon.put({
        ...amazonV0Order(v0Sample, {
          id: '111-0000001-0000001',
          purchaseDate: '2026-10-01T10:00:00Z',
          total: '25.00',
          buyer: ann('Ann Lee', '1 Main St.'),
        }),
        OrderStatus: 'Shipped',
        LastUpdateDate: minutesAgo(3),
      });
      amazon.put(
        amazonV0Order(v0Sample, {
          id: '111-0000004-0000004',
          purchaseDate: minutesAgo(4),
          lastUpdateDate: minutesAgo(3),
          total: '12.00',
          buyer: { ...ann('Bo Chen', '9 Pine Ave'), email: 'b9z8y7@marketplace.amazon.com' },
        }),
      );
      // an order changed a minute ago is not in this window yet (it ends two minutes back)
      amazon.put(
        amazonV0Order(v0Sample, {
          id: '111-0000005-0000005',
          purchaseDate: minutesAgo(1),
          total: '5.00',
          buyer: ann('Ann Lee', '1 Main St.'),
        }),
      );
      amazon.restricted = true;
      const n = amazon.requests.length;
      const job = await ing.sync(storeId);
      amazon.restricted = false;
      expect(job).toMatchObject({ status: 'succeeded', counts: { created: 1, updated: 1, rejected: 0 } });
      const paths = amazon.requests.slice(n).map((r) => r.path);
      expect(paths).toEqual(
        expect.arrayContaining([
          '/orders/v0/orders/111-0000004-0000004/buyerInfo',
          '/orders/v0/orders/111-0000004-0000004/address',
        ]),
      );
      const { orders } = await ing.orders(storeId);
      expect(orders.find((o) => o.orderKey === '111-0000004-0000004')).toMatchObject({
        customerUsername: 'b9z8y7@marketplace.amazon.com',
        buyer: { name: 'Bo Chen' },
        shipTo: { street1: '9 Pine Ave' },
      });
      expect(orders.find((o) => o.orderKey === '111-0000001-0000001')).toMatchObject({
        orderStatus: 'shipped',
        revision: 2,
      });
      expect(orders.map((o) => o.orderKey)).not.toContain('111-0000005-0000005');
    });

    it('a refused refresh token (LWA invalid_grant) makes the store needs_attention', async () => {
      amazon.expireTokens();
      amazon.creds = { ...CREDS, refreshToken: 'Atzr|revoked-by-the-seller' };
      const job = await ing.sync(storeId);
      expect(job.status).toBe('failed');
      const store = await ing.store(storeId);
      expect(store.status).toBe('needs_attention');
      expect(store.statusMessage).toMatch(
        /invalid_grant: The request has an invalid grant parameter : refresh_token/,
      );
      amazon.creds = CREDS;
    });
  });

  describe('Orders API 2026-01-01', () => {
    let storeId: string;
    beforeAll(async () => {
      ({ storeId } = await ing.connect({
        channel: 'amazon',
        name: 'Acme Amazon EU+US',
        credentials: CREDS,
        settings: { marketplaceIds: 'ATVPDKIKX0DER,A1F83G8C2ARO7P', initialSyncFrom: '2024-01-01T00:00:00Z' },
      }));
    });

    it('first sync: searchOrders with BUYER and RECIPIENT, paginationToken pages; the published orders map as Amazon means them', async () => {
      amazon.faults = { throttleOnce: true };
      const n = amazon.listRequests().length;
      const job = await ing.sync(storeId);
      expect(job).toMatchObject({ status: 'succeeded', counts: { created: 3, updated: 0, rejected: 0 } });
      const calls = amazon.listRequests().slice(n);
      expect(calls.map((c) => [c.path, c.status])).toEqual([
        ['/orders/2026-01-01/orders', 429],
        ['/orders/2026-01-01/orders', 200],
        ['/orders/2026-01-01/orders', 200],
      ]);
      expect(calls[1]!.query).toMatchObject({
        marketplaceIds: 'ATVPDKIKX0DER,A1F83G8C2ARO7P',
        includedData: 'BUYER,RECIPIENT,FULFILLMENT,PROCEEDS',
      });
      expect(calls[2]!.query.paginationToken).toBeTruthy();
      const { orders } = await ing.orders(storeId);
      expect(orders.find((o) => o.orderKey === '123-4567890-1234567')).toMatchObject({
        orderDate: '2024-12-25T10:30:00.000Z',
        orderStatus: 'shipped',
        customerUsername: 'buyer-email@marketplace.amazon.com',
        buyer: { name: 'John Smith' },
        orderTotal: 154.99,
        currency: 'USD',
        shipTo: {
          name: 'John Smith',
          company: 'Smith Industries LLC',
          street1: '123 Main Street',
          street2: 'Suite 456',
          street3: null,
          state: 'WA',
          phone: '555-123-4567',
        },
      });
      expect(orders.find((o) => o.orderKey === '202-1234567-8901234')).toMatchObject({
        customerUsername: 'buyer-email@marketplace.amazon.co.uk',
        orderTotal: 103.97,
        currency: 'GBP',
        shipTo: {
          street1: '123 High Street',
          street2: 'Unit 4B',
          street3: null,
          postalCode: 'M1 2AB',
          country: 'GB',
        },
      });
      // one buyer across calls: the email written with capitals is the same key
      expect(orders.find((o) => o.orderKey === '123-4567890-7654321')!.customerUsername).toBe(
        'buyer-email@marketplace.amazon.com',
      );
    });

    it('an order without a buyer email (BUYER withheld) imports and says so; a change is the next revision', async () => {
      amazon.put(
        amazon2026Order(searchSample, {
          id: '123-0000000-0000009',
          createdTime: minutesAgo(5),
          lastUpdatedTime: minutesAgo(4),
          buyer: noEmail,
        }),
      );
      amazon.put({
        ...amazon2026Order(searchSample, {
          id: '123-4567890-7654321',
          createdTime: '2024-12-28T09:00:00Z',
          total: '19.99',
          status: 'CANCELLED',
          buyer: {
            email: 'Buyer-Email@marketplace.amazon.com',
            name: 'J. Smith',
            address: {
              name: 'J. Smith',
              line1: '123 Main St',
              city: 'Seattle',
              state: 'WA',
              postalCode: '98101',
              country: 'US',
            },
          },
        }),
        lastUpdatedTime: minutesAgo(3),
      });
      const job = await ing.sync(storeId);
      expect(job.counts).toMatchObject({ created: 1, updated: 1, rejected: 0 });
      const { orders } = await ing.orders(storeId);
      const o = orders.find((x) => x.orderKey === '123-0000000-0000009')!;
      expect(o.customerUsername).toBeNull();
      expect(o.channel.essentials).toMatchObject({
        apiVersion: '2026-01-01',
        importNote: NO_BUYER_EMAIL_NOTE,
      });
      expect(orders.find((x) => x.orderKey === '123-4567890-7654321')).toMatchObject({
        orderStatus: 'cancelled',
        revision: 2,
      });
    });
  });
});
