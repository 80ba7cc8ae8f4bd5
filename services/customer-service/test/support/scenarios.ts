import request from 'supertest';
import { OrderImported, type OrderImportedV1 } from '@crp/contracts/events/order-imported';
import { newEvent } from '@crp/contracts/new-event';
import type { Bus } from '@crp/messaging/bus';
import { signDevToken, type Role } from '@crp/platform/auth';
import { newId } from '@crp/platform/ids';
import { uniqueName } from '@crp/testing/real-infra';
import { TEST_SECRET } from '@crp/testing/service-env';
import { waitFor } from '@crp/testing/wait';
import type { CustomerView } from '../../src/app/customer-view';
import type { createCustomerService } from '../../src/composition-root';
import { emptyCustomer } from '../../src/domain/customer';
import type { CustomerRecord } from '../../src/domain/records';

/** HS256 secret of the test services: 32 characters. */
export const SECRET = TEST_SECRET;

export type CustomerServiceHandle = Awaited<ReturnType<typeof createCustomerService>>;

export interface Env {
  svc: CustomerServiceHandle;
  /** The bus the test publishes on (the service's own in-process bus, or a Kafka producer). */
  bus: Bus;
  publishOrder(event: OrderImportedV1): Promise<void>;
  /** Dead letters of OrderImported so far: the event id (when the value is an event) and the reason. */
  deadLetters(): Promise<Array<{ eventId: string | null; reason: string }>>;
}

type Payload = OrderImportedV1['payload'];
type Buyer = Payload['buyer'];
type Address = NonNullable<Payload['shipTo']>;

export interface OrderOverrides {
  order?: Partial<Payload['order']>;
  buyer?: Partial<Buyer>;
  shipTo?: Payload['shipTo'];
  billTo?: Payload['billTo'];
  tags?: string[];
  source?: Payload['source'];
}

/** One store of the account (SPEC §0): what an order says about where it came from. */
export const stores = {
  shopify: { storeId: 'st_shopify_1', storeType: 'shopify', storeName: 'Acme Shopify' },
  ebay: { storeId: 'st_ebay_1', storeType: 'ebay', storeName: 'Acme eBay' },
  woo: { storeId: 'st_woo_1', storeType: 'woocommerce', storeName: 'Acme Woo' },
  etsy: { storeId: 'st_etsy_1', storeType: 'etsy', storeName: 'Acme Etsy' },
  amazon: { storeId: 'st_amazon_1', storeType: 'amazon', storeName: 'Acme Amazon' },
} as const satisfies Record<string, Pick<Payload['order'], 'storeId' | 'storeType' | 'storeName'>>;

/** An order date in November 2026, `n` days in. */
export const day = (n: number) => `2026-11-${String(n).padStart(2, '0')}T10:00:00.000Z`;

export function address(name: string, street1: string, extra: Partial<Address> = {}): Address {
  return {
    name,
    company: null,
    street1,
    street2: null,
    street3: null,
    city: 'Louisville',
    state: 'KY',
    postalCode: '40202',
    country: 'US',
    phone: null,
    ...extra,
  };
}

/** A buyer with nothing the service could link on (R1.1). */
export const anonymousBuyer: Buyer = {
  username: null,
  email: null,
  phone: null,
  name: null,
  firstName: null,
  lastName: null,
  company: null,
  birthDate: null,
  marketingConsent: {},
};

let seq = 0;

/**
 * A valid OrderImported event for `accountId`, built with `newEvent` (so it passes the contract).
 * Each call is a new store order (its own storeOrderId and orderId) unless `order` says otherwise.
 * Defaults: the Shopify store, Bob Norman as buyer, no extra tags (so R1.8's tags must come from
 * the store, not from the order).
 */
export function orderEvent(accountId: string, o: OrderOverrides = {}): OrderImportedV1 {
  seq += 1;
  const n = `${Date.now().toString(36)}${seq}`;
  const payload: Payload = {
    order: {
      orderId: `ord_${n}`,
      ...stores.shopify,
      storeOrderId: `so-${n}`,
      orderNumber: `#${1000 + seq}`,
      orderDate: day(20),
      orderStatus: 'awaiting_shipment',
      total: 100,
      currency: 'USD',
      revision: 1,
      ...o.order,
    },
    buyer: {
      username: '207119551',
      email: 'bob.norman@mail.example.com',
      phone: '+16136120707',
      name: 'Bob Norman',
      firstName: 'Bob',
      lastName: 'Norman',
      company: null,
      birthDate: null,
      marketingConsent: { email: { state: 'not_subscribed', changedAt: null } },
      ...o.buyer,
    },
    shipTo: o.shipTo !== undefined ? o.shipTo : address('Bob Norman', 'Chestnut Street 92'),
    billTo: o.billTo !== undefined ? o.billTo : null,
    tags: o.tags ?? [],
    source: o.source ?? 'store',
  };
  return newEvent(OrderImported, { accountId, correlationId: uniqueName('corr') }, payload);
}

/** The same payload as a brand-new event (new eventId): what a re-import looks like on the bus. */
export function reissue(event: OrderImportedV1, payload: Payload = event.payload): OrderImportedV1 {
  return newEvent(OrderImported, { accountId: event.accountId, correlationId: uniqueName('corr') }, payload);
}

/** A buyer whose email, username and phone are all its own. */
export function buyer(key: string, extra: Partial<Buyer> = {}): Partial<Buyer> {
  return {
    username: `user-${key}`,
    email: `${key}@buyers.example`,
    phone: null,
    name: `${key} Buyer`,
    firstName: key,
    lastName: 'Buyer',
    ...extra,
  };
}

/** Tests that pin a src bug seen in one environment only (see customerScenarios). */

interface CustomerList {
  customers: CustomerView[];
  total: number;
  nextCursor: string | null;
}
type Customer = CustomerView & {
  history: CustomerView['history'] & {
    orders?: Array<{ storeId: string; storeOrderId: string; total: number; orderDate: string }>;
  };
  possibleDuplicates?: string[];
};

/** The consumer works asynchronously: give Kafka time to join the group on the first test. */
const WAIT = { timeoutMs: 20000, intervalMs: 50 };

/**
 * SPEC §1 (and R2.8, R2.11) seen from outside: an OrderImported goes on the bus, the outcome is read
 * through the HTTP API. Run by the SQLite/in-process component test and the MariaDB/Kafka
 * integration test. Every test works in its own account, so a shared service is fine.
 */
export function customerScenarios(getEnv: () => Env) {
  const auth = async (accountId: string, role: Role = 'admin') =>
    `Bearer ${await signDevToken(SECRET, { accountId, role })}`;
  const get = async (
    accountId: string,
    path: string,
    role: Role = 'admin',
    query: Record<string, string | number> = {},
  ) =>
    request(getEnv().svc.app)
      .get(path)
      .query(query)
      .set('Authorization', await auth(accountId, role));
  const put = async (accountId: string, path: string, body: unknown, role: Role = 'admin') =>
    request(getEnv().svc.app)
      .put(path)
      .set('Authorization', await auth(accountId, role))
      .send(body as object);

  const publish = async (...events: OrderImportedV1[]) => {
    for (const e of events) await getEnv().publishOrder(e);
  };

  async function list(accountId: string, query: Record<string, string | number> = {}): Promise<CustomerList> {
    const res = await get(accountId, '/v1/customers', 'admin', query);
    expect(res.status).toBe(200);
    return res.body as CustomerList;
  }

  async function customer(accountId: string, id: string): Promise<Customer> {
    const res = await get(accountId, `/v1/customers/${id}`);
    expect(res.status).toBe(200);
    return res.body as Customer;
  }

  /** Polls the list until `ok` holds. */
  const listUntil = (
    accountId: string,
    ok: (l: CustomerList) => boolean,
    what: string,
    query: Record<string, string | number> = {},
  ) =>
    waitFor(
      async () => {
        const l = await list(accountId, query);
        return ok(l) ? l : undefined;
      },
      { ...WAIT, what },
    );

  /** Polls one customer until `ok` holds. */
  const customerUntil = (accountId: string, id: string, ok: (c: Customer) => boolean, what: string) =>
    waitFor(
      async () => {
        const c = await customer(accountId, id);
        return ok(c) ? c : undefined;
      },
      { ...WAIT, what },
    );

  /** Publishes `event` and waits for the one customer of a fresh account that it creates. */
  async function firstCustomer(event: OrderImportedV1): Promise<Customer> {
    await publish(event);
    const l = await listUntil(event.accountId, (x) => x.total === 1, 'the first customer of the account');
    return customer(event.accountId, l.customers[0]!.customerId);
  }

  async function setSettings(accountId: string, body: Record<string, unknown>) {
    const res = await put(accountId, '/v1/settings', body);
    expect(res.status).toBe(200);
    return res.body as Record<string, unknown>;
  }

  const usernames = (c: CustomerView) =>
    c.marketplaceUsernames.map((m) => `${m.marketplaceId}:${m.username}`).sort();

  it('R1.1/R1.2/R1.8/R1.11: an order with an email and a username creates a customer holding the identity, the store tags and a one-order history', async () => {
    const acct = uniqueName('acct');
    const ev = orderEvent(acct, {
      order: { ...stores.shopify, total: 598.94, orderDate: day(20) },
      buyer: {
        username: '207119551',
        email: 'bob.norman@mail.example.com',
        phone: '+16136120707',
        name: 'Bob Norman',
        firstName: 'Bob',
        lastName: 'Norman',
        company: 'Norman & Sons',
        birthDate: '1980-02-29',
        marketingConsent: { email: { state: 'subscribed', changedAt: '2026-11-19T08:00:00.000Z' } },
      },
      shipTo: address('Bob Norman', 'Chestnut Street 92'),
      billTo: address('Bob Norman', '1 Billing Road', { city: 'Lexington' }),
    });
    const c = await firstCustomer(ev);
    expect(c).toMatchObject({
      status: 'active',
      firstName: 'Bob',
      lastName: 'Norman',
      name: 'Bob Norman',
      company: 'Norman & Sons',
      email: 'bob.norman@mail.example.com',
      phone: '+16136120707',
      street1: 'Chestnut Street 92',
      city: 'Louisville',
      countryCode: 'US',
    });
    expect(c.birthDate).toBe('1980-02-29');
    expect(c.addresses.billing).toMatchObject({ street1: '1 Billing Road', city: 'Lexington' });
    expect(c.marketingConsent.email).toMatchObject({
      state: 'subscribed',
      changedAt: '2026-11-19T08:00:00.000Z',
    });
    expect(c.marketplaceUsernames).toEqual([
      expect.objectContaining({
        customerId: c.customerId,
        marketplaceId: 'st_shopify_1',
        marketplace: 'shopify',
        storeName: 'Acme Shopify',
        username: '207119551',
      }),
    ]);
    expect(c.tags.map((t) => t.name)).toEqual(expect.arrayContaining(['shopify', 'Acme Shopify']));
    expect(c.history).toMatchObject({
      orderCount: 1,
      totalSpent: 598.94,
      firstOrderDate: day(20),
      lastOrderDate: day(20),
    });
    expect(c.history.orders).toEqual([
      expect.objectContaining({
        storeId: 'st_shopify_1',
        storeOrderId: ev.payload.order.storeOrderId,
        total: 598.94,
        orderDate: day(20),
      }),
    ]);
  });

  it('R1.2: an order with an email but no username (Amazon) keys the identity by the email', async () => {
    const acct = uniqueName('acct');
    const c = await firstCustomer(
      orderEvent(acct, {
        order: { ...stores.amazon },
        buyer: { ...buyer('ann'), username: null, email: 'ann@buyers.example' },
      }),
    );
    expect(c.marketplaceUsernames).toEqual([
      expect.objectContaining({ marketplaceId: 'st_amazon_1', username: 'ann@buyers.example' }),
    ]);
    expect(c.email).toBe('ann@buyers.example');
  });

  it("ADR 0029: an OrderImported an older order-ingest published with a status spelling or a channel's own word still links its buyer (order-ingest can no longer publish it); a status that is no text is dead-lettered with the reason", async () => {
    const acct = uniqueName('acct');
    // As published before the status was defined once: the status as it was stored.
    const legacy = (status: unknown, who: string) => {
      const e = JSON.parse(JSON.stringify(orderEvent(acct, { buyer: buyer(who) }))) as OrderImportedV1;
      (e.payload.order as { orderStatus: unknown }).orderStatus = status;
      return e;
    };
    const spelled = legacy('Awaiting Shipment', 'ann');
    const channelWord = legacy('wc-awaiting-pickup', 'ben');
    const poison = legacy(42, 'cid');
    expect(() => reissue(spelled)).toThrow(/\/payload\/order\/orderStatus must be one of/);
    expect(() => reissue(channelWord)).toThrow(/\/payload\/order\/orderStatus must be one of/);
    await publish(spelled, channelWord, poison);
    const l = await listUntil(acct, (x) => x.total === 2, 'the two buyers of the older events');
    expect(l.customers.map((c) => c.email).sort()).toEqual(
      [spelled.payload.buyer.email, channelWord.payload.buyer.email].sort(),
    );
    const dead = await waitFor(
      async () => {
        const all = (await getEnv().deadLetters()).filter((d) => d.eventId === poison.eventId);
        return all.length ? all : undefined;
      },
      { ...WAIT, what: 'the event whose status is no text dead-lettered' },
    );
    expect(dead[0]!.reason).toMatch(/\/payload\/order\/orderStatus must be a string or null/);
    expect(
      (await getEnv().deadLetters()).filter((d) =>
        [spelled.eventId, channelWord.eventId].includes(d.eventId!),
      ),
    ).toEqual([]);
  });

  it('R1.1/R2.8: an order with neither email nor username creates no customer; with a default customer set, such an order joins its history', async () => {
    const acct = uniqueName('acct');
    const anonymous = orderEvent(acct, {
      buyer: { ...anonymousBuyer, phone: '+1 613-555-0100', name: 'Walk In' },
      order: { total: 7, orderDate: day(10) },
    });
    const sentinel = orderEvent(acct, { buyer: buyer('sentinel'), order: { total: 20, orderDate: day(11) } });
    await publish(anonymous, sentinel);
    // Same account, same partition: once the later sentinel shows, the anonymous order was handled.
    const before = await listUntil(
      acct,
      (l) => l.customers.some((c) => c.email === 'sentinel@buyers.example'),
      'the sentinel customer',
    );
    expect(before.total).toBe(1);
    expect(before.customers.map((c) => c.email)).toEqual(['sentinel@buyers.example']);
    const fallback = before.customers[0]!;
    expect(fallback.history.orderCount).toBe(1);

    expect(await setSettings(acct, { defaultCustomerId: fallback.customerId })).toMatchObject({
      defaultCustomerId: fallback.customerId,
    });
    // Same store, newer, with a ship-to and a name: still it must not rewrite the default record.
    const anonymous2 = orderEvent(acct, {
      buyer: { ...anonymousBuyer, name: 'Someone Else' },
      shipTo: address('Someone Else', '1 Elsewhere Road'),
      order: { total: 42, orderDate: day(12) },
    });
    await publish(anonymous2);
    const after = await customerUntil(
      acct,
      fallback.customerId,
      (c) => c.history.orderCount === 2,
      'the anonymous order on the default customer',
    );
    expect(after.history.totalSpent).toBe(62);
    expect(after.history.orders!.map((o) => o.storeOrderId).sort()).toEqual(
      [sentinel.payload.order.storeOrderId, anonymous2.payload.order.storeOrderId].sort(),
    );
    // The default customer takes no new identity, and no details, from an order that had none.
    expect(usernames(after)).toEqual(['st_shopify_1:user-sentinel']);
    expect(after.name).toBe(fallback.name);
    expect(after.street1).toBe(fallback.street1);
    expect((await list(acct)).total).toBe(1);
  });

  it('R1.3: a second order from the same store and username links to the same customer, even with another email', async () => {
    const acct = uniqueName('acct');
    const first = await firstCustomer(
      orderEvent(acct, {
        order: { ...stores.ebay, orderDate: day(10) },
        buyer: { ...buyer('bidder'), username: 'bidder42', email: 'old@mail.example', phone: null },
      }),
    );
    await publish(
      orderEvent(acct, {
        order: { ...stores.ebay, orderDate: day(12) },
        buyer: { ...buyer('bidder'), username: 'bidder42', email: 'new@other.example', phone: null },
      }),
    );
    const c = await customerUntil(
      acct,
      first.customerId,
      (x) => x.history.orderCount === 2,
      'second order on the same customer',
    );
    expect(usernames(c)).toEqual(['st_ebay_1:bidder42']);
    expect((await list(acct)).total).toBe(1);
  });

  it('R1.4/R1.5: an order from another store whose email differs only by case and whitespace matches the customer (one record, two identities)', async () => {
    const acct = uniqueName('acct');
    const c = await firstCustomer(
      orderEvent(acct, {
        order: { ...stores.shopify, orderDate: day(10) },
        buyer: { ...buyer('ada'), username: 'shop-ada', email: 'ada@example.com', phone: null },
      }),
    );
    await publish(
      orderEvent(acct, {
        order: { ...stores.ebay, orderDate: day(11) },
        buyer: { ...buyer('ada'), username: 'ada-ebay', email: '  ADA@Example.COM ', phone: null },
      }),
    );
    const after = await customerUntil(
      acct,
      c.customerId,
      (x) => x.history.orderCount === 2,
      'second store order on the customer',
    );
    expect(usernames(after)).toEqual(['st_ebay_1:ada-ebay', 'st_shopify_1:shop-ada']);
    expect((await list(acct)).total).toBe(1);
  });

  it('R1.4/R1.5: with no email match, a phone written (613)555-1212 matches +1 613-555-1212 (default country US)', async () => {
    const acct = uniqueName('acct');
    expect((await get(acct, '/v1/settings')).body.defaultCountry).toBe('US');
    const c = await firstCustomer(
      orderEvent(acct, {
        order: { ...stores.shopify, orderDate: day(10) },
        buyer: { ...buyer('ada'), username: 'shop-ada', email: 'ada@example.com', phone: '(613)555-1212' },
      }),
    );
    await publish(
      orderEvent(acct, {
        order: { ...stores.woo, orderDate: day(11) },
        buyer: {
          ...buyer('ada'),
          username: 'ada-woo',
          email: 'ada.lovelace@work.example',
          phone: '+1 613-555-1212',
        },
      }),
    );
    const after = await customerUntil(
      acct,
      c.customerId,
      (x) => x.history.orderCount === 2,
      'phone-matched order on the customer',
    );
    expect(usernames(after)).toEqual(['st_shopify_1:shop-ada', 'st_woo_1:ada-woo']);
    expect((await list(acct)).total).toBe(1);
  });

  it("R1.4: with matchPolicy 'email', the same phone does not match and a second customer is created", async () => {
    const acct = uniqueName('acct');
    const c = await firstCustomer(
      orderEvent(acct, {
        order: { ...stores.shopify, orderDate: day(10) },
        buyer: { ...buyer('ada'), username: 'shop-ada', email: 'ada@example.com', phone: '(613)555-1212' },
      }),
    );
    expect(await setSettings(acct, { matchPolicy: 'email' })).toMatchObject({ matchPolicy: 'email' });
    await publish(
      orderEvent(acct, {
        order: { ...stores.etsy, orderDate: day(11) },
        buyer: {
          ...buyer('ada'),
          username: 'ada-etsy',
          email: 'ada.l@other.example',
          phone: '+1 613-555-1212',
        },
      }),
    );
    const l = await listUntil(acct, (x) => x.total === 2, 'a second customer');
    const other = l.customers.find((x) => x.customerId !== c.customerId)!;
    expect(usernames(other)).toEqual(['st_etsy_1:ada-etsy']);
    expect((await customer(acct, c.customerId)).history.orderCount).toBe(1);
  });

  it('R1.6: when two customers share an email, the next order links to the oldest and the other is listed as its possible duplicate', async () => {
    const acct = uniqueName('acct');
    await setSettings(acct, { matchPolicy: 'phone' });
    const oldest = await firstCustomer(
      orderEvent(acct, {
        order: { ...stores.shopify, orderDate: day(10) },
        buyer: { ...buyer('pos'), username: 'pos-1', email: 'front@desk.example', phone: '+1 613-555-0101' },
      }),
    );
    await publish(
      orderEvent(acct, {
        order: { ...stores.ebay, orderDate: day(11) },
        buyer: { ...buyer('pos'), username: 'pos-2', email: 'front@desk.example', phone: '+1 613-555-0102' },
      }),
    );
    const two = await listUntil(acct, (l) => l.total === 2, 'a second customer with the same email');
    const younger = two.customers.find((c) => c.customerId !== oldest.customerId)!;
    expect(younger.email).toBe('front@desk.example');

    await setSettings(acct, { matchPolicy: 'email,phone' });
    await publish(
      orderEvent(acct, {
        order: { ...stores.woo, orderDate: day(12) },
        buyer: { ...buyer('pos'), username: 'pos-3', email: 'Front@Desk.example', phone: null },
      }),
    );
    const matched = await customerUntil(
      acct,
      oldest.customerId,
      (c) => c.history.orderCount === 2,
      'the third order on the oldest customer',
    );
    expect(usernames(matched)).toEqual(['st_shopify_1:pos-1', 'st_woo_1:pos-3']);
    expect(matched.possibleDuplicates).toEqual([younger.customerId]);
    expect((await customer(acct, younger.customerId)).history.orderCount).toBe(1);
    expect((await list(acct)).total).toBe(2);
  });

  it('R1.7: a newer order with another address replaces the shipping address; an older order arriving later does not', async () => {
    const acct = uniqueName('acct');
    const base = { ...buyer('mover'), username: 'mover' };
    const c = await firstCustomer(
      orderEvent(acct, {
        order: { orderDate: day(10) },
        buyer: base,
        shipTo: address('Mover', '1 First Street'),
      }),
    );
    expect(c.street1).toBe('1 First Street');
    await publish(
      orderEvent(acct, {
        order: { orderDate: day(15) },
        buyer: base,
        shipTo: address('Mover', '2 Second Avenue', { city: 'Frankfort' }),
      }),
    );
    const moved = await customerUntil(acct, c.customerId, (x) => x.history.orderCount === 2, 'newer order');
    expect(moved).toMatchObject({ street1: '2 Second Avenue', city: 'Frankfort' });
    await publish(
      orderEvent(acct, {
        order: { orderDate: day(5) },
        buyer: base,
        shipTo: address('Mover', '0 Old Road', { city: 'Paducah' }),
      }),
    );
    const late = await customerUntil(
      acct,
      c.customerId,
      (x) => x.history.orderCount === 3,
      'late older order',
    );
    expect(late).toMatchObject({ street1: '2 Second Avenue', city: 'Frankfort' });
    expect(late.addresses.shipping).toMatchObject({ street1: '2 Second Avenue' });
    expect(late.history).toMatchObject({ firstOrderDate: day(5), lastOrderDate: day(15) });
  });

  it('R1.9: the same store order re-published with a new eventId never counts twice; a higher revision updates the total but not the count', async () => {
    const acct = uniqueName('acct');
    const first = orderEvent(acct, { buyer: buyer('repeat'), order: { total: 100, revision: 1 } });
    const c = await firstCustomer(first);
    expect(c.history).toMatchObject({ orderCount: 1, totalSpent: 100 });

    const replay = reissue(first);
    expect(replay.eventId).not.toBe(first.eventId);
    await publish(replay, orderEvent(acct, { buyer: buyer('sentinel-1') }));
    await listUntil(acct, (l) => l.total === 2, 'the first sentinel customer');
    const unchanged = await customer(acct, c.customerId);
    expect(unchanged.history).toMatchObject({ orderCount: 1, totalSpent: 100 });
    expect(unchanged.history.orders).toHaveLength(1);
    expect(unchanged.version).toBe(c.version);

    const revised = reissue(first, {
      ...first.payload,
      order: { ...first.payload.order, revision: 2, total: 150 },
    });
    await publish(revised);
    const updated = await customerUntil(
      acct,
      c.customerId,
      (x) => x.history.totalSpent === 150,
      'the revised total',
    );
    expect(updated.history.orderCount).toBe(1);
    expect(updated.history.orders).toEqual([
      expect.objectContaining({ storeOrderId: first.payload.order.storeOrderId, total: 150 }),
    ]);

    // A stale revision arriving late changes nothing either.
    await publish(reissue(first), orderEvent(acct, { buyer: buyer('sentinel-2') }));
    await listUntil(acct, (l) => l.total === 3, 'the second sentinel customer');
    expect((await customer(acct, c.customerId)).history).toMatchObject({ orderCount: 1, totalSpent: 150 });
  });

  it('R1.11: order count, total spent, first and last order date stay what the history adds up to through new orders, a revised total, re-imports that move the first or the last order inwards, a merge, and a re-import taken from an archived record', async () => {
    const acct = uniqueName('acct');
    const ann = buyer('totals-ann');
    const bob = buyer('totals-bob');
    /** What the record's history rows add up to (every row: fewer than 100 here). */
    const summed = (c: Customer) => {
      const rows = c.history.orders ?? [];
      const dates = rows.map((o) => o.orderDate).sort();
      return {
        orderCount: rows.length,
        totalSpent: Math.round(rows.reduce((n, o) => n + o.total, 0) * 100) / 100,
        firstOrderDate: dates[0] ?? null,
        lastOrderDate: dates[dates.length - 1] ?? null,
      };
    };
    const exact = (c: Customer, want: ReturnType<typeof summed>) => {
      expect(c.history).toMatchObject(want);
      expect(summed(c)).toEqual(want);
    };
    const o10 = orderEvent(acct, { buyer: ann, order: { orderDate: day(10), total: 10 } });
    const o15 = orderEvent(acct, { buyer: ann, order: { orderDate: day(15), total: 20 } });
    const o20 = orderEvent(acct, { buyer: ann, order: { orderDate: day(20), total: 30 } });
    const c = await firstCustomer(o10);
    await publish(o15, o20);
    const untilSpent = (spent: number, what: string, also: (x: Customer) => boolean = () => true) =>
      customerUntil(acct, c.customerId, (x) => x.history.totalSpent === spent && also(x), what);
    exact(await untilSpent(60, 'three orders'), {
      orderCount: 3,
      totalSpent: 60,
      firstOrderDate: day(10),
      lastOrderDate: day(20),
    });
    const revise = (e: OrderImportedV1, order: Partial<OrderImportedV1['payload']['order']>) =>
      reissue(e, { ...e.payload, order: { ...e.payload.order, ...order } });
    // A revised total: the difference.
    await publish(revise(o15, { revision: 2, total: 25 }));
    exact(await untilSpent(65, 'the revised total'), {
      orderCount: 3,
      totalSpent: 65,
      firstOrderDate: day(10),
      lastOrderDate: day(20),
    });
    // The last order moved inwards: the last date is the 15th now, which only the history knows.
    await publish(revise(o20, { revision: 2, orderDate: day(12), total: 31 }));
    exact(await untilSpent(66, 'the last order moved to the 12th'), {
      orderCount: 3,
      totalSpent: 66,
      firstOrderDate: day(10),
      lastOrderDate: day(15),
    });
    // The first order moved inwards past the others: first the 12th, last the 16th.
    await publish(revise(o10, { revision: 2, orderDate: day(16) }));
    exact(
      await untilSpent(66, 'the first order moved to the 16th', (x) => x.history.lastOrderDate === day(16)),
      { orderCount: 3, totalSpent: 66, firstOrderDate: day(12), lastOrderDate: day(16) },
    );
    // A merge counts the survivor's history again, and empties the merged record's.
    const b25 = orderEvent(acct, { buyer: bob, order: { orderDate: day(25), total: 2 } });
    await publish(orderEvent(acct, { buyer: bob, order: { orderDate: day(3), total: 1.5 } }), b25);
    const other = await listUntil(
      acct,
      (l) => l.customers.some((x) => x.customerId !== c.customerId && x.history.orderCount === 2),
      "the other buyer's two orders",
    );
    const bobId = other.customers.find((x) => x.customerId !== c.customerId)!.customerId;
    const merged = await request(getEnv().svc.app)
      .post('/v1/customers/merge')
      .set('Authorization', await auth(acct))
      .send({ survivorId: c.customerId, mergedIds: [bobId] });
    expect(merged.status).toBe(200);
    exact(await customer(acct, c.customerId), {
      orderCount: 5,
      totalSpent: 69.5,
      firstOrderDate: day(3),
      lastOrderDate: day(25),
    });
    expect((await customer(acct, bobId)).history).toMatchObject({
      orderCount: 0,
      totalSpent: 0,
      firstOrderDate: null,
      lastOrderDate: null,
    });
    // Archived, the survivor takes no orders: a re-import of its last order goes to a new record,
    // and the survivor's last date is its next order's again.
    const archived = await request(getEnv().svc.app)
      .post(`/v1/customers/${c.customerId}/archive`)
      .set('Authorization', await auth(acct));
    expect(archived.status).toBe(200);
    await publish(revise(b25, { revision: 2, total: 3 }));
    exact(
      await customerUntil(
        acct,
        c.customerId,
        (x) => x.history.orderCount === 4,
        'the order gone to a new record',
      ),
      { orderCount: 4, totalSpent: 67.5, firstOrderDate: day(3), lastOrderDate: day(16) },
    );
  });

  it('R1.10: with protectNames on, a newer order with another name keeps the first and last name (and without it, the name follows)', async () => {
    const run = async (protectNames: boolean) => {
      const acct = uniqueName('acct');
      await setSettings(acct, { protectNames });
      const who = { username: 'ada', phone: null };
      const c = await firstCustomer(
        orderEvent(acct, {
          order: { orderDate: day(10) },
          buyer: {
            ...who,
            email: 'ada@example.com',
            name: 'Ada Lovelace',
            firstName: 'Ada',
            lastName: 'Lovelace',
          },
        }),
      );
      await publish(
        orderEvent(acct, {
          order: { orderDate: day(15) },
          buyer: {
            ...who,
            email: 'ada.king@example.com',
            name: 'Augusta King',
            firstName: 'Augusta',
            lastName: 'King',
          },
        }),
      );
      // The newer order did apply (its email is kept), so only the name rule can hold the name back.
      return customerUntil(
        acct,
        c.customerId,
        (x) => x.history.orderCount === 2 && x.email === 'ada.king@example.com',
        'the newer order applied',
      );
    };
    expect(await run(true)).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace' });
    expect(await run(false)).toMatchObject({ firstName: 'Augusta', lastName: 'King' });
  });

  it("tenancy: another account gets 404 on the customer and an empty list, and never sees or matches account A's customers", async () => {
    const a = uniqueName('acctA');
    const b = uniqueName('acctB');
    const who = { ...buyer('shared'), username: 'shared-user', email: 'shared@example.com' };
    const ca = await firstCustomer(orderEvent(a, { buyer: who }));

    const foreign = await get(b, `/v1/customers/${ca.customerId}`);
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('NOT_FOUND');
    expect(await list(b)).toEqual({ customers: [], total: 0, totalRelation: 'eq', nextCursor: null });
    expect((await list(b, { q: 'shared' })).total).toBe(0);

    // The same store id, username and email in account B make a customer of B, not a link to A's.
    await publish(orderEvent(b, { buyer: who }));
    const lb = await listUntil(b, (l) => l.total === 1, "account B's own customer");
    expect(lb.customers[0]!.customerId).not.toBe(ca.customerId);
    const la = await list(a);
    expect(la.customers.map((c) => c.customerId)).toEqual([ca.customerId]);
    expect((await customer(a, ca.customerId)).history.orderCount).toBe(1);
    expect((await get(a, `/v1/customers/${lb.customers[0]!.customerId}`)).status).toBe(404);
  });

  it('R2.11: listing pages through nextCursor once each in id order; q finds by name, email and username; tag and storeId filter', async () => {
    const acct = uniqueName('acct');
    const people = [
      {
        store: stores.shopify,
        b: { username: 'ada1815', email: 'ada@example.com', name: 'Ada Lovelace' },
        tags: ['vip'],
      },
      {
        store: stores.ebay,
        b: { username: 'ghopper', email: 'grace@navy.example', name: 'Grace Hopper' },
        tags: ['vip'],
      },
      {
        store: stores.shopify,
        b: { username: 'aturing', email: 'alan@bletchley.example', name: 'Alan Turing' },
        tags: [],
      },
      {
        store: stores.ebay,
        b: { username: 'ewd', email: 'edsger@tue.example', name: 'Edsger Dijkstra' },
        tags: [],
      },
      {
        store: stores.shopify,
        b: { username: 'bliskov', email: 'barbara@mit.example', name: 'Barbara Liskov' },
        tags: [],
      },
    ];
    await publish(
      ...people.map((p) =>
        orderEvent(acct, {
          order: { ...p.store },
          buyer: { ...p.b, phone: null, firstName: null, lastName: null },
          tags: p.tags,
        }),
      ),
    );
    const all = await listUntil(acct, (l) => l.total === 5, 'five customers');
    const ids = all.customers.map((c) => c.customerId);
    expect(ids).toEqual([...ids].sort());

    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const page: CustomerList = await list(acct, { limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.total).toBe(5);
      sizes.push(page.customers.length);
      seen.push(...page.customers.map((c) => c.customerId));
      cursor = page.nextCursor;
    } while (cursor && sizes.length < 10);
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen).toEqual(ids);

    const names = async (query: Record<string, string>) =>
      (await list(acct, query)).customers.map((c) => c.name).sort();
    expect(await names({ q: 'lovel' })).toEqual(['Ada Lovelace']);
    expect(await names({ q: 'HOPPER' })).toEqual(['Grace Hopper']);
    expect(await names({ q: 'alan@bletchley.example' })).toEqual(['Alan Turing']);
    expect(await names({ q: 'ewd' })).toEqual(['Edsger Dijkstra']); // only the username says "ewd"
    expect(await names({ q: 'bliskov' })).toEqual(['Barbara Liskov']);
    expect(await names({ tag: 'vip' })).toEqual(['Ada Lovelace', 'Grace Hopper']);
    expect(await names({ tag: 'Acme eBay' })).toEqual(['Edsger Dijkstra', 'Grace Hopper']);
    expect(await names({ storeId: 'st_ebay_1' })).toEqual(['Edsger Dijkstra', 'Grace Hopper']);
    expect(await names({ storeId: 'st_shopify_1', tag: 'vip' })).toEqual(['Ada Lovelace']);
    expect(await names({ q: 'nobody-at-all' })).toEqual([]);
  });

  it("R2.11 search with _ or %: q and tag containing '_' match it literally (not as a wildcard)", async () => {
    const acct = uniqueName('acct');
    await publish(
      orderEvent(acct, {
        buyer: { ...buyer('ada'), username: 'ada_1815', email: 'ada_l@example.com', name: 'Ada Lovelace' },
        tags: ['big_spender'],
      }),
      orderEvent(acct, {
        buyer: { ...buyer('alan'), username: 'adaX1815', email: 'adaXl@example.com', name: 'Alan Turing' },
        tags: ['bigXspender'],
      }),
    );
    await listUntil(acct, (l) => l.total === 2, 'two customers');
    const names = async (query: Record<string, string>) =>
      (await list(acct, query)).customers.map((c) => c.name).sort();
    // Alan's keys differ from Ada's only where hers have '_': a wildcard '_' would find both.
    expect(await names({ q: 'ada_1815' })).toEqual(['Ada Lovelace']); // username
    expect(await names({ q: 'ada_l@example.com' })).toEqual(['Ada Lovelace']); // email
    expect(await names({ tag: 'big_spender' })).toEqual(['Ada Lovelace']);
  });

  it('R1.4/R1.5/R1.10/R2.8 settings: defaults; members may not change them; bad values are refused and change nothing', async () => {
    const acct = uniqueName('acct');
    const defaults = {
      matchPolicy: 'email,phone',
      defaultCountry: 'US',
      protectNames: false,
      defaultCustomerId: null,
    };
    const read = async () => {
      const res = await get(acct, '/v1/settings');
      expect(res.status).toBe(200);
      return res.body as Record<string, unknown>;
    };
    expect(await read()).toEqual(defaults);
    expect((await get(acct, '/v1/settings', 'member')).status).toBe(200);

    const member = await put(acct, '/v1/settings', { protectNames: true }, 'member');
    expect(member.status).toBe(403);
    expect(member.body.error.code).toBe('FORBIDDEN');

    const badPolicy = await put(acct, '/v1/settings', { matchPolicy: 'name' });
    expect(badPolicy.status).toBe(400);
    expect(badPolicy.body.error.code).toBe('VALIDATION_FAILED');

    // Another account's customer is not this account's default customer.
    const other = uniqueName('acct');
    const foreign = await firstCustomer(orderEvent(other, { buyer: buyer('elsewhere') }));
    const foreignDefault = await put(acct, '/v1/settings', { defaultCustomerId: foreign.customerId });
    expect(foreignDefault.status).toBe(400);
    expect(foreignDefault.body.error.message).toContain(foreign.customerId);
    expect((await put(acct, '/v1/settings', { defaultCustomerId: 'cus_nope' })).status).toBe(400);
    // R1.5: a default country whose numbers cannot be read would silently stop phone matching.
    const badCountry = await put(acct, '/v1/settings', { defaultCountry: 'ZZ' });
    expect(badCountry.status).toBe(400);
    expect(badCountry.body.error.message).toMatch(/defaultCountry ZZ/);
    expect(await read()).toEqual(defaults);
    // An empty defaultCustomerId means "none", not the id "".
    expect((await setSettings(acct, { defaultCustomerId: '' })).defaultCustomerId).toBeNull();

    const saved = await setSettings(acct, {
      matchPolicy: 'phone,email',
      defaultCountry: 'ca',
      protectNames: true,
    });
    expect(saved).toEqual({
      matchPolicy: 'phone,email',
      defaultCountry: 'CA',
      protectNames: true,
      defaultCustomerId: null,
    });
    expect(await read()).toEqual(saved);
    // ...and the other account's settings did not move.
    expect((await get(other, '/v1/settings')).body).toEqual(defaults);
  });

  describe('batches (one transaction for many orders)', () => {
    // Events published together reach the consumer as one delivery: one account, one partition.
    const publishAll = (events: OrderImportedV1[]) =>
      getEnv().bus.publish(
        events.map((e) => ({ topic: 'OrderImported', key: e.accountId, value: JSON.stringify(e) })),
      );

    it('R1.3/R1.5/R1.7/R1.11: several orders of one buyer in one batch, phones written differently, end on one customer: each order counted once, the address of the newest order date', async () => {
      const acct = uniqueName('acct');
      const who = { ...buyer('batchy'), username: 'batchy' };
      const events = [
        orderEvent(acct, {
          buyer: { ...who, phone: '(613) 555-0142' },
          order: { orderDate: day(12), total: 30 },
          shipTo: address('Bat Chy', '12 Newest Rd'),
        }),
        orderEvent(acct, {
          buyer: { ...who, phone: '+1 613-555-0142' },
          order: { orderDate: day(3), total: 5 },
          shipTo: address('Bat Chy', '3 Oldest Ln'),
        }),
        orderEvent(acct, {
          buyer: { ...who, phone: '6135550142', username: null },
          order: { orderDate: day(7), total: 12.5 },
          shipTo: address('Bat Chy', '7 Middle Ave'),
        }),
      ];
      await publishAll(events);
      const l = await listUntil(
        acct,
        (x) => x.total === 1 && x.customers[0]!.history.orderCount === 3,
        'one customer with three orders',
      );
      const c = await customer(acct, l.customers[0]!.customerId);
      expect(c.history).toMatchObject({
        orderCount: 3,
        totalSpent: 47.5,
        firstOrderDate: day(3),
        lastOrderDate: day(12),
      });
      expect(c.street1).toBe('12 Newest Rd');
      expect(c.history.orders).toHaveLength(3);
    });

    it('two new buyers sharing an email in one batch end as one customer with both identities (R1.4)', async () => {
      const acct = uniqueName('acct');
      await publishAll([
        orderEvent(acct, {
          order: { ...stores.shopify },
          buyer: { ...buyer('pat'), username: 'pat-shop', email: 'Pat@Example.com' },
        }),
        orderEvent(acct, {
          order: { ...stores.ebay },
          buyer: { ...buyer('pat'), username: 'pat-ebay', email: 'pat@example.com' },
        }),
      ]);
      const l = await listUntil(
        acct,
        (x) => x.total === 1 && x.customers[0]!.history.orderCount === 2,
        'one customer, two orders',
      );
      expect(usernames(l.customers[0]!)).toEqual(['st_ebay_1:pat-ebay', 'st_shopify_1:pat-shop']);
    });

    it('a delivery that comes again (same events) and re-imports of the same store orders (new events) change nothing (inbox + R1.9)', async () => {
      const acct = uniqueName('acct');
      const events = [1, 2, 3, 4].map((n) =>
        orderEvent(acct, { buyer: buyer(`r${n}`), order: { total: n } }),
      );
      await publishAll(events);
      await publishAll(events);
      await publishAll(events.map((e) => reissue(e)));
      const sentinel = orderEvent(acct, { buyer: buyer('after'), order: { total: 100 } });
      await publish(sentinel);
      const l = await listUntil(
        acct,
        (x) => x.customers.some((c) => c.email === 'after@buyers.example'),
        'the sentinel',
      );
      expect(l.total).toBe(5);
      expect(l.customers.map((c) => c.history.orderCount)).toEqual([1, 1, 1, 1, 1]);
      expect(l.customers.reduce((t, c) => t + c.history.totalSpent, 0)).toBe(110);
    });
  });

  it('ADR 0026: field sources are stored once per stamp; a record stored in the per-field form of before reads the same, keeps its store lock (R2.1) and is stored compact again by its next order', async () => {
    const acct = uniqueName('acct');
    const storedSources = async (id: string) => {
      const [row] = (await getEnv().svc.db.transaction((tx) =>
        tx.query('SELECT field_sources FROM customers WHERE account_id = ? AND id = ?', [acct, id]),
      )) as Array<{ field_sources: string }>;
      return JSON.parse(row!.field_sources) as Record<string, unknown>;
    };
    const first = await firstCustomer(
      orderEvent(acct, { buyer: buyer('fs'), order: { orderDate: day(10) } }),
    );
    const shopify10 = ['store', stores.shopify.storeId, stores.shopify.storeName, day(10)];
    expect(await storedSources(first.customerId)).toEqual({
      stamps: [shopify10],
      fields: Object.fromEntries(Object.keys(first.fieldSources).map((f) => [f, 0])),
    });
    expect(first.fieldSources.email).toEqual({
      source: 'store',
      storeId: stores.shopify.storeId,
      storeName: stores.shopify.storeName,
      at: day(10),
    });

    // The form every row had before: the domain's map itself, here with the email owned by eBay.
    const ebay10 = {
      source: 'store',
      storeId: stores.ebay.storeId,
      storeName: stores.ebay.storeName,
      at: day(10),
    };
    const old = { ...first.fieldSources, email: ebay10 };
    await getEnv().svc.db.transaction((tx) =>
      tx.query('UPDATE customers SET field_sources = ? WHERE account_id = ? AND id = ?', [
        JSON.stringify(old),
        acct,
        first.customerId,
      ]),
    );
    expect((await customer(acct, first.customerId)).fieldSources).toEqual(old);

    // A newer Shopify order: it fills the phone, but may not take the eBay-owned email (R2.1).
    await publish(
      orderEvent(acct, {
        buyer: buyer('fs', { email: 'fs-new@buyers.example', phone: '+16135550101' }),
        order: { orderDate: day(12) },
      }),
    );
    const after = await customerUntil(acct, first.customerId, (c) => c.phone !== null, 'the second order');
    expect(after.email).toBe('fs@buyers.example');
    expect(after.fieldSources.email).toEqual(ebay10);
    expect(after.fieldSources.phone).toEqual({
      source: 'store',
      storeId: stores.shopify.storeId,
      storeName: stores.shopify.storeName,
      at: day(12),
    });
    const stored = (await storedSources(first.customerId)) as {
      stamps: unknown[][];
      fields: Record<string, number>;
    };
    expect(stored.stamps[stored.fields.email!]).toEqual([
      'store',
      stores.ebay.storeId,
      stores.ebay.storeName,
      day(10),
    ]);
    expect(stored.stamps[stored.fields.phone!]).toEqual([...shopify10.slice(0, 3), day(12)]);
    expect(stored.stamps[stored.fields.name!]).toEqual(shopify10);
    expect(stored.stamps).toHaveLength(3);
  });
}

/** An active customer record to write directly, where how orders make one is not under test. */
export function activeCustomer(accountId: string, extra: Partial<CustomerRecord> = {}): CustomerRecord {
  const now = new Date();
  return {
    ...emptyCustomer(),
    id: newId('cus'),
    accountId,
    status: 'active',
    mergedIntoId: null,
    emailNormalized: null,
    phoneE164: null,
    orderCount: 0,
    totalSpent: 0,
    firstOrderDate: null,
    lastOrderDate: null,
    erasedAt: null,
    version: 1,
    createdAt: now,
    updatedAt: now,
    ...extra,
  };
}
