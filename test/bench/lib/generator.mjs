// A seeded generator of realistic order streams, with the expectation of what customer-service
// must end with (SPEC §1 under the default `email,phone` policy): every buyer has a unique email,
// households share one phone written in different formats (R1.5: one customer per household),
// 10–20 % of orders are repeat orders, some repeat orders come from the account's second store
// (a second identity on the same customer), and a few orders are re-sent unchanged (R1.9).
import { randomUUID } from 'node:crypto';

export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = [
  'Ada',
  'Alan',
  'Grace',
  'Linus',
  'Margaret',
  'Ken',
  'Barbara',
  'Dennis',
  'Frances',
  'John',
  'Radia',
  'Tim',
  'Hedy',
  'Edsger',
  'Katherine',
  'Claude',
  'Joan',
  'Donald',
  'Sophie',
  'Niklaus',
  'Lucía',
  'Björn',
  'Zoë',
  'Chloé',
  'Mateo',
  'Aiko',
  'Priya',
  'Olúwadámilọ́lá',
  'Søren',
  'Ines',
];
const LAST = [
  'Lovelace',
  'Turing',
  'Hopper',
  'Torvalds',
  'Hamilton',
  'Thompson',
  'Liskov',
  'Ritchie',
  'Allen',
  'McCarthy',
  'Perlman',
  'Berners-Lee',
  'Lamarr',
  'Dijkstra',
  'Johnson',
  'Shannon',
  'Clarke',
  'Knuth',
  'Wilson',
  'Wirth',
  'García',
  'Müller',
  "O'Brien",
  'Nguyen',
  'Kowalski',
  'Tanaka',
  'Patel',
  'Adébáyọ̀',
  'Kierkegaard',
  'Duarte',
];
const STREETS = [
  'Main St',
  'Oak Ave',
  'Maple Dr',
  'Cedar Ln',
  'Elm St',
  'Pine Rd',
  'Washington Blvd',
  'Lake View Ter',
  'Sunset Ave',
  'Hillcrest Rd',
  'River Rd',
  'Park Pl',
];
const CITIES = [
  ['Springfield', 'IL', '62701', '217'],
  ['Portland', 'OR', '97205', '503'],
  ['Austin', 'TX', '78701', '512'],
  ['Boston', 'MA', '02108', '617'],
  ['Denver', 'CO', '80202', '303'],
  ['Madison', 'WI', '53703', '608'],
  ['Raleigh', 'NC', '27601', '919'],
  ['Tucson', 'AZ', '85701', '520'],
];
const pick = (r, list) => list[Math.floor(r() * list.length)];

/** The formats people type one number in (R1.5 makes them one). */
export function phoneFormats(area, exchange, line) {
  return [
    `+1 ${area}-${exchange}-${line}`,
    `(${area}) ${exchange}-${line}`,
    `${area}${exchange}${line}`,
    `${area}.${exchange}.${line}`,
    `+1${area}${exchange}${line}`,
  ];
}

/**
 * `orders` orders over `accounts` accounts, as plain order facts (no transport format yet).
 * Returns { orders, expected } where expected is per account { customers, identities, orders }.
 */
export function generate({
  orders: n,
  accounts = 20,
  seed = 42,
  repeatRate = 0.15,
  householdRate = 0.08,
  resendRate = 0.01,
  prefix = 'acct',
}) {
  const r = prng(seed);
  const accountIds = Array.from({ length: accounts }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);
  const state = accountIds.map(() => ({ buyers: [], households: [], phones: new Set() }));
  const out = [];
  const expected = new Map(accountIds.map((a) => [a, { customers: 0, identities: new Set(), orders: 0 }]));
  let orderSeq = 0;
  const t0 = Date.UTC(2026, 0, 1);
  while (out.length < n) {
    const ai = Math.floor(r() * accounts);
    const accountId = accountIds[ai];
    const s = state[ai];
    const exp = expected.get(accountId);
    // A re-sent order: same store order, same content (R1.9: changes nothing).
    if (out.length > 0 && r() < resendRate) {
      const prev = out[Math.floor(r() * out.length)];
      out.push({ ...prev, resend: true });
      continue;
    }
    let buyer;
    if (s.buyers.length > 0 && r() < repeatRate) {
      buyer = pick(r, s.buyers);
    } else {
      const first = pick(r, FIRST);
      const last = pick(r, LAST);
      const [city, st, zip, area] = pick(r, CITIES);
      const index = s.buyers.length;
      let household;
      if (s.households.length > 0 && r() < householdRate) {
        household = pick(r, s.households);
      } else {
        // One number per household: a number two households shared would make them one customer.
        let exchange;
        let line;
        do {
          exchange = String(200 + Math.floor(r() * 700)).replace(/^555$/, '556');
          line = String(Math.floor(r() * 10000)).padStart(4, '0');
        } while (s.phones.has(`${area}${exchange}${line}`));
        s.phones.add(`${area}${exchange}${line}`);
        household = {
          area,
          exchange,
          line,
          street: `${1 + Math.floor(r() * 9999)} ${pick(r, STREETS)}`,
          city,
          st,
          zip,
          id: s.households.length,
        };
        s.households.push(household);
        exp.customers += 1; // one customer per household (shared phone, R1.4/R1.5)
      }
      buyer = {
        index,
        first,
        last,
        email: `${first}.${last}.${accountId}.${index}@example.com`
          .toLowerCase()
          .normalize('NFKD')
          .replace(/[^\x20-\x7e]/g, ''),
        household,
        homeStore: r() < 0.5 ? 0 : 1,
      };
      s.buyers.push(buyer);
    }
    // Most orders come from the buyer's usual store; some from the other one (second identity).
    const store = r() < 0.9 ? buyer.homeStore : 1 - buyer.homeStore;
    const storeId = `${accountId}-store-${store}`;
    const username = `${store === 0 ? 'shop' : 'ebay'}-${buyer.index}`;
    exp.identities.add(`${storeId}/${username}`);
    exp.orders += 1;
    orderSeq += 1;
    const h = buyer.household;
    const formats = phoneFormats(h.area, h.exchange, h.line);
    out.push({
      accountId,
      storeId,
      storeType: store === 0 ? 'shopify' : 'ebay',
      storeName: store === 0 ? `${accountId} Shopify` : `${accountId} eBay`,
      storeOrderId: `SO-${orderSeq}`,
      orderNumber: `#${100000 + orderSeq}`,
      orderDate: new Date(t0 + orderSeq * 60_000 + Math.floor(r() * 3_600_000)).toISOString(),
      total: Math.round(r() * 50000) / 100 + 1,
      username,
      email: buyer.email,
      phone: pick(r, formats),
      name: `${buyer.first} ${buyer.last}`,
      address: { street1: h.street, city: h.city, state: h.st, postalCode: h.zip, country: 'US' },
    });
  }
  const summary = {};
  for (const [a, e] of expected)
    summary[a] = { customers: e.customers, identities: e.identities.size, orders: e.orders };
  return { orders: out, expected: summary };
}

export const totals = (expected) =>
  Object.values(expected).reduce(
    (t, e) => ({
      customers: t.customers + e.customers,
      identities: t.identities + e.identities,
      orders: t.orders + e.orders,
    }),
    { customers: 0, identities: 0, orders: 0 },
  );

/** The order as an OrderImported event (contracts/events/order-imported.ts), as JSON. */
export function orderImportedJson(o, occurredAt = new Date()) {
  const address = {
    name: o.name,
    company: null,
    street1: o.address.street1,
    street2: null,
    street3: null,
    city: o.address.city,
    state: o.address.state,
    postalCode: o.address.postalCode,
    country: 'US',
    phone: o.phone,
  };
  return JSON.stringify({
    eventId: randomUUID(),
    eventType: 'OrderImported',
    eventVersion: 1,
    occurredAt: occurredAt.toISOString(),
    accountId: o.accountId,
    correlationId: `bench-${o.storeOrderId}`,
    causationId: null,
    payload: {
      order: {
        orderId: `ord_${o.storeOrderId}`,
        storeId: o.storeId,
        storeType: o.storeType,
        storeName: o.storeName,
        storeOrderId: o.storeOrderId,
        orderNumber: o.orderNumber,
        orderDate: o.orderDate,
        orderStatus: 'awaiting_shipment',
        total: o.total,
        currency: 'USD',
        revision: 1,
      },
      buyer: {
        username: o.username,
        email: o.email,
        phone: o.phone,
        name: o.name,
        firstName: null,
        lastName: null,
        company: null,
        birthDate: null,
        marketingConsent: { email: { state: 'not_subscribed', changedAt: null } },
      },
      shipTo: address,
      billTo: address,
      tags: [],
      source: 'store',
    },
  });
}

/** The order in ShipStation's Order JSON, for order-ingest's batch endpoint. */
export function shipStationOrder(o) {
  const address = {
    name: o.name,
    street1: o.address.street1,
    city: o.address.city,
    state: o.address.state,
    postalCode: o.address.postalCode,
    country: 'US',
    phone: o.phone,
  };
  return {
    orderNumber: o.orderNumber,
    orderKey: o.storeOrderId,
    orderDate: o.orderDate,
    orderStatus: 'awaiting_shipment',
    customerUsername: o.username,
    customerEmail: o.email,
    billTo: address,
    shipTo: address,
    items: [{ sku: 'SKU-1', name: 'Widget', quantity: 1, unitPrice: o.total }],
    orderTotal: o.total,
  };
}
