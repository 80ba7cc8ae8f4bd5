import request from 'supertest';
import { ajv, formatErrors } from '@crp/contracts/ajv';
import { FakeEbay, ebayOrder, type EbayBuyerSpec } from '@crp/testing/fake-marketplaces';
import { readFixtureJson } from '@crp/testing/fixtures';
import { startIngest, type Ingest } from '../support/channel-harness';

const CREDS = {
  clientId: 'AcmeApp-PRD-0123456789ab',
  clientSecret: 'PRD-0123456789abcdef-0123',
  refreshToken: 'v^1.1#i^1#r^1#p^3#I^3#f^0#t^Ul4xMF8xOjA1QjRGRjk4',
};

// eBay publishes no sample orders: every order here is built in eBay's shape and checked against
// `components.schemas.Order` of eBay's own OpenAPI contract first (test/fixtures/channels/ebay).
const spec = readFixtureJson<Record<string, unknown>>('ebay', 'sell_fulfillment_v1_oas3.json');
if (!ajv.getSchema('ebay-fulfillment')) ajv.addSchema(spec, 'ebay-fulfillment');
const validOrder = ajv.compile({ $ref: 'ebay-fulfillment#/components/schemas/Order' });
function checked(o: Record<string, unknown>) {
  if (!validOrder(o)) throw new Error(`not an eBay Order: ${formatErrors(validOrder.errors).join('; ')}`);
  return o;
}

const alice: EbayBuyerSpec = {
  username: 'alice_buys',
  fullName: 'Alice Martin',
  email: 'a1b2c3d4e5@members.ebay.com',
  phone: '+1 415 555 0100',
  address: {
    addressLine1: '1 Market St',
    city: 'San Francisco',
    stateOrProvince: 'CA',
    postalCode: '94105',
    countryCode: 'US',
  },
};
const bob: EbayBuyerSpec = {
  username: 'bob.collects',
  fullName: 'Bob Stone',
  email: 'f6g7h8i9j0@members.ebay.com',
  address: {
    addressLine1: '20 Elm Rd',
    city: 'Austin',
    stateOrProvince: 'TX',
    postalCode: '78701',
    countryCode: 'US',
  },
};
const order = (
  orderId: string,
  buyer: EbayBuyerSpec,
  day: number,
  extra: Partial<Parameters<typeof ebayOrder>[0]> = {},
) =>
  checked(
    ebayOrder({
      orderId,
      buyer,
      creationDate: new Date(Date.UTC(2026, 9, day, 12)).toISOString(),
      total: `${20 + day}.50`,
      ...extra,
    }),
  );

describe('eBay (Sell Fulfillment API) against a fake built from its published contract', () => {
  let ebay: FakeEbay;
  let ing: Ingest;
  let storeId: string;

  beforeAll(async () => {
    ebay = await new FakeEbay(CREDS, 2)
      .seed([
        order('11-00001-00001', alice, 1),
        order('11-00002-00002', bob, 2),
        order('11-00003-00003', alice, 3, { note: 'please gift wrap' }),
        order('11-00004-00004', bob, 4),
        order('11-00005-00005', { username: 'carol_c', email: 'k1l2m3@members.ebay.com' }, 5),
      ])
      .start();
    ing = await startIngest({ CHANNEL_EBAY_BASE_URL: ebay.url });
    ({ storeId } = await ing.connect({
      channel: 'ebay',
      name: 'Acme eBay',
      credentials: CREDS,
      settings: { initialSyncFrom: '2026-01-01T00:00:00Z' },
    }));
  });
  afterAll(async () => {
    await ing?.stop();
    await ebay?.stop();
  });

  it('without credentials an eBay store takes posted orders only (409 on sync); a partial set names what is missing', async () => {
    const { storeId: passive } = await ing.connect({ channel: 'ebay', name: 'Posted eBay' });
    const res = await request(ing.svc.app)
      .post(`/v1/stores/${passive}/sync`)
      .set('Authorization', await ing.auth());
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/no credentials: its orders are posted to it/);
    expect((await ing.store(passive)).sync).toBeNull();
    const partial = await request(ing.svc.app)
      .post('/v1/stores')
      .set('Authorization', await ing.auth())
      .send({ channel: 'ebay', name: 'Half', credentials: { clientId: CREDS.clientId } });
    expect(partial.status).toBe(422);
    expect(partial.body.error.details).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^credentials\.clientSecret is required for ebay/),
        expect.stringMatching(/^credentials\.refreshToken is required for ebay/),
      ]),
    );
  });

  it('the test orders are eBay Orders by its own schema (and a wrong one is caught)', () => {
    expect(() => checked({ orderId: 5, buyer: { username: 'x' } })).toThrow(/orderId must be string/);
  });

  it('first sync: every order once, by lastmodifieddate with encoded brackets, offset pages, through a 429 and a 500', async () => {
    ebay.faults = { throttleOnce: true, failListCallOnce: 2 };
    const job = await ing.sync(storeId);
    expect(job).toMatchObject({
      status: 'succeeded',
      counts: { created: 5, updated: 0, unchanged: 0, rejected: 0 },
    });
    const calls = ebay.listRequests();
    expect(calls.map((r) => r.status)).toEqual([429, 200, 500, 200, 200]);
    for (const c of calls) {
      expect(c.rawQuery).toMatch(
        /^filter=lastmodifieddate:%5B\d{4}-\d\d-\d\dT[\d:.]+Z\.\.\d{4}-\d\d-\d\dT[\d:.]+Z%5D&limit=200&offset=\d+$/,
      );
      expect(c.rawQuery).not.toContain('creationdate');
    }
    expect(calls.filter((c) => c.status === 200).map((c) => c.query.offset)).toEqual(['0', '2', '4']);
    // one access token for the whole sync, minted from the refresh token
    expect(ebay.tokensIssued).toBe(1);
    const { orders, total } = await ing.orders(storeId);
    expect(total).toBe(5);
    const a1 = orders.find((o) => o.orderKey === '11-00001-00001')!;
    expect(a1).toMatchObject({
      orderNumber: '11-00001-00001',
      orderDate: '2026-10-01T12:00:00.000Z',
      orderStatus: 'awaiting_shipment',
      customerUsername: 'alice_buys',
      customerEmail: 'a1b2c3d4e5@members.ebay.com',
      buyer: { name: 'Alice Martin', phone: '+1 415 555 0100' },
      orderTotal: 21.5,
      currency: 'USD',
      billTo: {
        name: 'Alice Martin',
        street1: '1 Market St',
        city: 'San Francisco',
        state: 'CA',
        postalCode: '94105',
        country: 'US',
      },
      shipTo: { name: 'Alice Martin', street1: '1 Market St', country: 'US' },
    });
    const events = await ing.importedCount(storeId, 5);
    // R1.2: the eBay buyer key is the username
    expect(events.map((e) => e.payload.buyer.username).sort()).toEqual([
      'alice_buys',
      'alice_buys',
      'bob.collects',
      'bob.collects',
      'carol_c',
    ]);
    expect(events[0]!.payload.tags).toEqual(['ebay', 'Acme eBay']);
    const store = await ing.store(storeId);
    expect(store.sync.watermark).toBe(job.window.to);
  });

  it('incremental sync: a changed order is updated, a new one created, the rest unchanged', async () => {
    ebay.put({
      ...ebay.order('11-00002-00002'),
      orderFulfillmentStatus: 'FULFILLED',
      lastModifiedDate: new Date(Date.now() - 1000).toISOString(),
    });
    ebay.put(
      order('11-00006-00006', bob, 6, { lastModifiedDate: new Date(Date.now() - 1000).toISOString() }),
    );
    const before = ing.imported(storeId).length;
    const job = await ing.sync(storeId);
    expect(job).toMatchObject({ status: 'succeeded', counts: { created: 1, updated: 1, rejected: 0 } });
    const events = (await ing.importedCount(storeId, before + 2)).slice(before);
    expect(
      events.map((e) => [
        e.payload.order.storeOrderId,
        e.payload.order.orderStatus,
        e.payload.order.revision,
      ]),
    ).toEqual(
      expect.arrayContaining([
        ['11-00002-00002', 'shipped', 2],
        ['11-00006-00006', 'awaiting_shipment', 1],
      ]),
    );
    // the access token is reused across syncs until it nears its end
    expect(ebay.tokensIssued).toBe(1);
  });

  it('an order changed mid-sync leaves the window; the orders behind it move forward and none is skipped', async () => {
    const recent = (i: number) => new Date(Date.now() - 60_000 + i * 1000).toISOString();
    for (let i = 1; i <= 5; i++)
      ebay.put(order(`22-0000${i}-00000`, { username: `mid_${i}` }, 10 + i, { lastModifiedDate: recent(i) }));
    let moved = false;
    ebay.beforeListPage = (offset) => {
      if (offset === 2 && !moved) {
        moved = true;
        // the newest order (first page) changes again now: it leaves this sync's window
        ebay.put({
          ...ebay.order('22-00005-00000'),
          lastModifiedDate: new Date(Date.now() + 60_000).toISOString(),
        });
      }
    };
    const calls = ebay.listRequests().length;
    const job = await ing.sync(storeId);
    ebay.beforeListPage = undefined;
    expect(job.status).toBe('succeeded');
    // the page at offset 2 reported one order fewer: it was read again one place earlier
    expect(
      ebay
        .listRequests()
        .slice(calls)
        .map((r) => r.query.offset)
        .slice(0, 4),
    ).toEqual(['0', '2', '1', '3']);
    const keys = (await ing.orders(storeId)).orders.map((o) => o.orderKey);
    for (let i = 1; i <= 5; i++) expect(keys).toContain(`22-0000${i}-00000`);
    expect(job.counts.created).toBe(5);
  });

  it('R1.2: a renamed buyer stays one buyer key — the old order read again under the new name (or the immutable id) makes it an alias', async () => {
    // one page: the renamed buyer's new order comes first (newest), the old order that reveals the rename after it
    ebay.pageSize = 200;
    const before = ing.imported(storeId).length;
    const renamed = { ...alice, username: 'alice_2026' };
    // eBay shows the buyer's current name on old orders too: order 1 changes (shipped) under the new name
    ebay.put({
      ...order('11-00001-00001', renamed, 1, { fulfillment: 'FULFILLED' }),
      lastModifiedDate: new Date(Date.now() - 2000).toISOString(),
    });
    // …and the renamed buyer orders again
    ebay.put(
      order('11-00007-00007', renamed, 7, { lastModifiedDate: new Date(Date.now() - 1000).toISOString() }),
    );
    const job = await ing.sync(storeId);
    expect(job.counts).toMatchObject({ created: 1, updated: 1, rejected: 0 });
    const events = (await ing.importedCount(storeId, before + 2)).slice(before);
    expect(events.map((e) => e.payload.buyer.username)).toEqual(['alice_buys', 'alice_buys']);
    const rows: Array<{ alias: string; username: string }> = await ing.svc.db.dataSource.query(
      'SELECT alias, username FROM buyer_aliases',
    );
    expect(rows).toEqual([{ alias: 'alice_2026', username: 'alice_buys' }]);

    // some developers get an immutable user id in place of the username: the same rule holds
    const immutable = { ...renamed, username: '2a8b5c1e9f' };
    ebay.put({
      ...order('11-00003-00003', immutable, 3, { fulfillment: 'FULFILLED', note: 'please gift wrap' }),
      lastModifiedDate: new Date(Date.now() - 2000).toISOString(),
    });
    ebay.put(
      order('11-00008-00008', immutable, 8, { lastModifiedDate: new Date(Date.now() - 1000).toISOString() }),
    );
    const n = ing.imported(storeId).length;
    await ing.sync(storeId);
    const later = (await ing.importedCount(storeId, n + 2)).slice(n);
    expect(later.map((e) => e.payload.buyer.username)).toEqual(['alice_buys', 'alice_buys']);
    const { orders } = await ing.orders(storeId);
    expect(
      orders
        .filter((o) => o.customerUsername === 'alice_buys')
        .map((o) => o.orderKey)
        .sort(),
    ).toEqual(['11-00001-00001', '11-00003-00003', '11-00007-00007', '11-00008-00008']);
  });

  it('contact data eBay drops later (email after 14 days, name and phone after 90) is never blanked by a later sync', async () => {
    const { orders } = await ing.orders(storeId);
    const first = orders.find((o) => o.orderKey === '11-00004-00004')!;
    // 90 days on: the registration address is gone; the order changes (refunded)
    const stripped = ebayOrder({
      orderId: '11-00004-00004',
      buyer: { username: 'bob.collects' },
      creationDate: new Date(Date.UTC(2026, 9, 4, 12)).toISOString(),
      lastModifiedDate: new Date(Date.now() - 1000).toISOString(),
      total: '24.50',
      payment: 'FULLY_REFUNDED',
    });
    ebay.put(checked(stripped));
    const n = ing.imported(storeId).length;
    const job = await ing.sync(storeId);
    expect(job.counts).toMatchObject({ updated: 1, rejected: 0 });
    const after = await ing.order(first.orderId);
    expect(after).toMatchObject({
      orderStatus: 'cancelled',
      customerEmail: 'f6g7h8i9j0@members.ebay.com',
      buyer: { name: 'Bob Stone' },
      billTo: { name: 'Bob Stone', street1: '20 Elm Rd', city: 'Austin' },
      shipTo: { name: 'Bob Stone', street1: '20 Elm Rd' },
      revision: 2,
    });
    const event = (await ing.importedCount(storeId, n + 1)).at(-1)!;
    expect(event.payload.buyer).toMatchObject({
      username: 'bob.collects',
      email: 'f6g7h8i9j0@members.ebay.com',
      name: 'Bob Stone',
    });
  });

  it('what is accepted is stored: an address line longer than the contracts allow rejects that order only, with a reason', async () => {
    ebay.put(
      order('11-00009-00009', { ...bob, address: { ...bob.address!, addressLine1: 'x'.repeat(191) } }, 9, {
        lastModifiedDate: new Date(Date.now() - 1000).toISOString(),
      }),
    );
    ebay.put(
      order('11-00010-00010', bob, 10, { lastModifiedDate: new Date(Date.now() - 1000).toISOString() }),
    );
    const job = await ing.sync(storeId);
    expect(job.counts).toMatchObject({ created: 1, rejected: 1 });
    expect(job.errors).toEqual([
      expect.stringContaining(
        'order 11-00009-00009: shipTo.street1 is 191 characters long; at most 190 are stored',
      ),
    ]);
  });

  it('an access token refused before its time is minted again once; a refused refresh token needs a person', async () => {
    ebay.expireTokens();
    const ok = await ing.sync(storeId);
    expect(ok.status).toBe('succeeded');
    expect(ebay.tokensIssued).toBe(2);

    ebay.expireTokens();
    ebay.creds = { ...CREDS, refreshToken: 'v^1.1#revoked-by-the-seller-0000' };
    const failed = await ing.sync(storeId);
    expect(failed.status).toBe('failed');
    const store = await ing.store(storeId);
    expect(store).toMatchObject({ status: 'needs_attention' });
    expect(store.statusMessage).toMatch(
      /refresh token was refused \(invalid_grant: the provided authorization refresh token is invalid/,
    );
    // the seller grants again: new credentials make the store active and it syncs
    const patched = await request(ing.svc.app)
      .patch(`/v1/stores/${storeId}`)
      .set('Authorization', await ing.auth())
      .send({ credentials: { refreshToken: 'v^1.1#revoked-by-the-seller-0000' } });
    expect(patched.body).toMatchObject({ status: 'active' });
    expect((await ing.sync(storeId)).status).toBe('succeeded');
  });
});
