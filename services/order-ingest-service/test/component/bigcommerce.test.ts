import request from 'supertest';
import { FakeBigCommerce, bigCommerceOrder } from '@crp/testing/fake-marketplaces';
import { readFixtureJson } from '@crp/testing/fixtures';
import { waitFor } from '@crp/testing/wait';
import { startIngest, type Ingest } from '../support/channel-harness';

const HASH = 'er6we2l3gw';
const TOKEN = 'abcdefghijklmnop0123456789';
const SECRET = 'bc-webhook-secret-0123456789';

type Order = Record<string, unknown>;
const sample = readFixtureJson<Order>('bigcommerce', 'order-218-v2-sample.json');
const shipSample = readFixtureJson<Order>('bigcommerce', 'order-shipping-address-v2-sample.json');
const callback = readFixtureJson<Order>('bigcommerce', 'webhook-callback-sample.json');

const day = (d: number) => new Date(Date.UTC(2026, 9, d, 12, 0, 0));

describe('BigCommerce (orders v2) against a fake serving its published samples', () => {
  let bc: FakeBigCommerce;
  let ing: Ingest;
  let storeId: string;

  beforeAll(async () => {
    bc = await new FakeBigCommerce(HASH, TOKEN).start();
    // BigCommerce's own sample order (registered customer 11, Jane Doe) with its sample ship-to
    bc.put(sample, [shipSample]);
    // a guest (customer_id 0) whose email is the registered customer's, written another way
    bc.put(
      bigCommerceOrder(sample, {
        id: 301,
        customerId: 0,
        email: 'JaneDoe@Example.com',
        firstName: 'Jane',
        lastName: 'Doe',
        created: day(1),
        total: '15.0000',
      }),
      [shipSample],
    );
    bc.put(
      bigCommerceOrder(sample, {
        id: 302,
        customerId: 0,
        email: 'pat@example.com',
        firstName: 'Pat',
        lastName: 'Kim',
        created: day(2),
        total: '22.5000',
      }),
      [{ ...shipSample, first_name: 'Pat', last_name: 'Kim', street_1: '9 Oak Ave' }],
    );
    bc.put(
      bigCommerceOrder(sample, {
        id: 303,
        customerId: 12,
        email: 'lee@example.com',
        firstName: 'Lee',
        lastName: 'Park',
        created: day(3),
        total: '80.0000',
        message: 'ring twice',
      }),
      [{ ...shipSample, first_name: 'Lee', last_name: 'Park' }],
    );
    // a digital order: no shipping address to ask for
    bc.put({
      ...bigCommerceOrder(sample, {
        id: 304,
        customerId: 12,
        email: 'lee@example.com',
        firstName: 'Lee',
        lastName: 'Park',
        created: day(4),
        total: '9.9900',
      }),
      shipping_address_count: 0,
      order_is_digital: true,
    });
    ing = await startIngest({
      CHANNEL_BIGCOMMERCE_BASE_URL: `${bc.url}/stores/{storeHash}`,
      CHANNEL_BIGCOMMERCE_PAGE_SIZE: '2',
    });
    ({ storeId } = await ing.connect({
      channel: 'bigcommerce',
      name: 'Acme BigCommerce',
      credentials: { accessToken: TOKEN, webhookSecret: SECRET },
      settings: { storeHash: HASH, initialSyncFrom: '2019-01-01T00:00:00Z' },
    }));
  });
  afterAll(async () => {
    await ing?.stop();
    await bc?.stop();
  });

  it('first sync: every order once, ascending by date_modified (RFC 2822), ship-tos from the sub-resource, through a 429 and a 500', async () => {
    bc.faults = { throttleOnce: true, failListCallOnce: 2 };
    const job = await ing.sync(storeId);
    expect(job).toMatchObject({ status: 'succeeded', counts: { created: 5, rejected: 0 } });
    const lists = bc.listRequests();
    expect(lists.map((r) => r.status).slice(0, 3)).toEqual([429, 200, 500]);
    expect(lists.slice(3).every((r) => r.status === 200)).toBe(true);
    // each next page starts again at the last modification second read (an order changed while
    // paging never shifts the others past us); the orders already read at it are skipped
    expect(job.counts.unchanged).toBe(0);
    for (const r of lists) {
      expect(r.query).toMatchObject({ sort: 'date_modified:asc', limit: '2' });
      expect(r.query.min_date_modified).toMatch(
        /^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d \+0000$/,
      );
    }
    const subs = bc.requests
      .filter((r) => r.path.endsWith('/shipping_addresses'))
      .map((r) => r.path.split('/')[5]);
    expect(subs.sort()).toEqual(['218', '301', '302', '303']);

    const { orders } = await ing.orders(storeId);
    const jane = orders.find((o) => o.orderKey === '218')!;
    expect(jane).toMatchObject({
      orderNumber: '218',
      // RFC 2822 "Tue, 05 Mar 2019 21:40:11 +0000" as UTC
      orderDate: '2019-03-05T21:40:11.000Z',
      orderStatus: 'awaiting_payment',
      customerUsername: '11',
      customerEmail: 'janedoe@example.com',
      buyer: { name: 'Jane Doe', firstName: 'Jane', lastName: 'Doe', phone: '1234567890' },
      orderTotal: 69.84,
      currency: 'USD',
      // zip and phone arrive as JSON numbers
      billTo: { street1: '555 East Street', postalCode: '78108', country: 'US', phone: '1234567890' },
      shipTo: {
        name: 'Jane Doe',
        street1: '123 MainStreet',
        city: 'Austin',
        state: 'Texas',
        postalCode: '78751',
        country: 'US',
      },
      channel: { updatedAt: '2019-03-11T15:17:25.000Z' },
    });
    // R1.2: the guest is keyed by the email (lower-cased); the registered customer by its id
    expect(orders.find((o) => o.orderKey === '301')!.customerUsername).toBe('janedoe@example.com');
    expect(orders.find((o) => o.orderKey === '303')).toMatchObject({
      customerUsername: '12',
      notes: ['ring twice'],
    });
    expect(orders.find((o) => o.orderKey === '304')!.shipTo).toBeNull();
    await ing.importedCount(storeId, 5);
  });

  it('incremental sync: a full last page is followed by an empty one (204); only the changed orders are written', async () => {
    const recent = new Date(Date.now() - 5000);
    bc.put({ ...bc.order(302), status_id: 2, status: 'Shipped', date_modified: bcDate(recent) });
    bc.put(
      bigCommerceOrder(sample, {
        id: 305,
        customerId: 0,
        email: 'sam@example.com',
        firstName: 'Sam',
        lastName: 'Roe',
        created: recent,
        total: '5.0000',
      }),
      [{ ...shipSample, first_name: 'Sam', last_name: 'Roe' }],
    );
    const n = bc.listRequests().length;
    const job = await ing.sync(storeId);
    expect(job).toMatchObject({ status: 'succeeded', counts: { created: 1, updated: 1, rejected: 0 } });
    // the two changed orders share one second: the page after it is empty, answered 204
    expect(bc.listRequests().slice(n).at(-1)!.status).toBe(204);
    const { orders } = await ing.orders(storeId);
    expect(orders.find((o) => o.orderKey === '302')).toMatchObject({ orderStatus: 'shipped', revision: 2 });
  });

  it("stays well under the store's shared quota: once a quarter or less is left, the next call waits for the window's reset", async () => {
    bc.quota = { perWindow: 150, windowMs: 30_000, otherAppsUse: 140, resetMs: 80 };
    const recent = new Date(Date.now() - 3000);
    bc.put({ ...bc.order(303), status_id: 2, date_modified: bcDate(recent) });
    const n = bc.requests.length;
    const job = await ing.sync(storeId);
    bc.quota = { perWindow: 150, windowMs: 30_000, otherAppsUse: 0, resetMs: 0 };
    expect(job.status).toBe('succeeded');
    const calls = bc.requests.slice(n);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < calls.length; i++) expect(calls[i]!.at - calls[i - 1]!.at).toBeGreaterThanOrEqual(70);
  });

  const hook = (body: Order, secret = SECRET) =>
    request(ing.svc.app)
      .post(`/v1/webhooks/bigcommerce/${storeId}`)
      .set('Content-Type', 'application/json')
      .set('X-Webhook-Secret', secret)
      .send(JSON.stringify(body));
  const delivery = async (deliveryId: string) =>
    waitFor(async () => {
      const rows: Array<{ outcome: string | null; error: string | null }> = await ing.svc.db.dataSource.query(
        'SELECT outcome, error FROM webhook_deliveries WHERE delivery_id = ? AND processed_at IS NOT NULL',
        [deliveryId],
      );
      return rows[0];
    });

  it('webhooks carry only the id: authenticated by the secret header, deduplicated by hash, the order fetched and imported', async () => {
    bc.put({
      ...bc.order(304),
      status_id: 10,
      status: 'Completed',
      date_modified: bcDate(new Date(Date.now() - 1000)),
    });
    const body = {
      ...callback,
      producer: `stores/${HASH}`,
      scope: 'store/order/updated',
      data: { type: 'order', id: 304 },
      hash: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    };
    const n = ing.imported(storeId).length;
    const first = await hook(body);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      status: 'accepted',
      deliveryId: 'hash:a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    });
    expect((await hook(body)).body.status).toBe('duplicate');
    expect((await hook(body, 'not-the-secret-0000000')).status).toBe(401);
    const unsigned = await request(ing.svc.app)
      .post(`/v1/webhooks/bigcommerce/${storeId}`)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(body));
    expect(unsigned.status).toBe(401);
    expect(await delivery('hash:a1b2c3d4e5f60718293a4b5c6d7e8f9012345678')).toEqual({
      outcome: 'updated',
      error: null,
    });
    const events = await ing.importedCount(storeId, n + 1);
    expect(events.at(-1)!.payload.order).toMatchObject({
      storeOrderId: '304',
      orderStatus: 'shipped',
      revision: 2,
    });
    expect(bc.requests.some((r) => r.path === `/stores/${HASH}/v2/orders/304`)).toBe(true);
  });

  it("BigCommerce's own callback sample (an order this store does not have) is accepted and ends ignored; other scopes are acknowledged only", async () => {
    // store/order/statusUpdated, as published: accepted at once; the worker finds no such order
    expect((await hook(callback)).body.status).toBe('accepted');
    expect(await delivery('hash:3f9ea420af83450d7ef9f78b08c8af25b2213637')).toEqual({
      outcome: 'ignored',
      error: 'the channel no longer has the order',
    });
    expect((await hook({ ...callback, scope: 'store/product/updated', hash: 'ffff' })).body.status).toBe(
      'ignored',
    );
  });

  it('a revoked API token marks the store needs_attention with BigCommerce’s words', async () => {
    bc.accessToken = 'rotated0000000000000000';
    const job = await ing.sync(storeId);
    expect(job.status).toBe('failed');
    expect(await ing.store(storeId)).toMatchObject({
      status: 'needs_attention',
      statusMessage: 'No access token or client ID specified.',
      webhooks: {
        url: `/v1/webhooks/bigcommerce/${storeId}`,
        topics: ['store/order/created', 'store/order/updated'],
        header: 'X-Webhook-Secret',
      },
    });
  });
});

function bcDate(d: Date) {
  return d.toUTCString().replace('GMT', '+0000');
}
