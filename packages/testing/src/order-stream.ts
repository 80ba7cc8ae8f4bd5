// A seeded generator of realistic order streams, with the expectation of what customer-service
// must end with (SPEC §1 under the default `email,phone` policy). Used by the benchmarks
// (test/bench) and by the end-to-end tests that check a whole stream against it.
//
// Every buyer has a unique email; households share one phone (unique per household), written in
// different formats (R1.5: one customer per household); 10–20 % of orders are repeat orders; some
// repeat orders come from the account's second store (a second identity on the same customer);
// and a few orders are re-sent unchanged (R1.9: they change nothing).
import { randomUUID } from 'node:crypto';

export interface StreamOrder {
  accountId: string;
  storeId: string;
  storeType: 'shopify' | 'ebay';
  storeName: string;
  storeOrderId: string;
  orderNumber: string;
  orderDate: string;
  total: number;
  username: string;
  email: string;
  phone: string;
  name: string;
  address: { street1: string; city: string; state: string; postalCode: string; country: string };
  resend?: boolean;
}

export interface AccountExpectation {
  customers: number;
  identities: number;
  orders: number;
}

export function prng(seed: number): () => number {
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
const CITIES: Array<[string, string, string, string]> = [
  ['Springfield', 'IL', '62701', '217'],
  ['Portland', 'OR', '97205', '503'],
  ['Austin', 'TX', '78701', '512'],
  ['Boston', 'MA', '02108', '617'],
  ['Denver', 'CO', '80202', '303'],
  ['Madison', 'WI', '53703', '608'],
  ['Raleigh', 'NC', '27601', '919'],
  ['Tucson', 'AZ', '85701', '520'],
];
const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;

/** The formats people type one number in (R1.5 makes them one). */
export function phoneFormats(area: string, exchange: string, line: string): string[] {
  return [
    `+1 ${area}-${exchange}-${line}`,
    `(${area}) ${exchange}-${line}`,
    `${area}${exchange}${line}`,
    `${area}.${exchange}.${line}`,
    `+1${area}${exchange}${line}`,
  ];
}

interface Household {
  area: string;
  exchange: string;
  line: string;
  street: string;
  city: string;
  st: string;
  zip: string;
}
interface Buyer {
  index: number;
  first: string;
  last: string;
  email: string;
  household: Household;
  homeStore: 0 | 1;
}

/** `orders` orders over `accounts` accounts, and what customer-service must end with per account. */
export function generateOrderStream(opts: {
  orders: number;
  accounts?: number;
  seed?: number;
  repeatRate?: number;
  householdRate?: number;
  resendRate?: number;
  prefix?: string;
}): { orders: StreamOrder[]; expected: Record<string, AccountExpectation> } {
  const {
    orders: n,
    accounts = 20,
    seed = 42,
    repeatRate = 0.15,
    householdRate = 0.08,
    resendRate = 0.01,
  } = opts;
  const prefix = opts.prefix ?? 'acct';
  const r = prng(seed);
  const accountIds = Array.from({ length: accounts }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);
  const state = accountIds.map(() => ({
    buyers: [] as Buyer[],
    households: [] as Household[],
    phones: new Set<string>(),
  }));
  const out: StreamOrder[] = [];
  const expected = new Map(
    accountIds.map((a) => [a, { customers: 0, identities: new Set<string>(), orders: 0 }]),
  );
  let orderSeq = 0;
  const t0 = Date.UTC(2026, 0, 1);
  while (out.length < n) {
    const ai = Math.floor(r() * accounts);
    const accountId = accountIds[ai]!;
    const s = state[ai]!;
    const exp = expected.get(accountId)!;
    if (out.length > 0 && r() < resendRate) {
      out.push({ ...out[Math.floor(r() * out.length)]!, resend: true });
      continue;
    }
    let buyer: Buyer;
    if (s.buyers.length > 0 && r() < repeatRate) {
      buyer = pick(r, s.buyers);
    } else {
      const first = pick(r, FIRST);
      const last = pick(r, LAST);
      const [city, st, zip, area] = pick(r, CITIES);
      let household: Household;
      if (s.households.length > 0 && r() < householdRate) {
        household = pick(r, s.households);
      } else {
        // One number per household: a number two households shared would make them one customer.
        let exchange: string;
        let line: string;
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
        };
        s.households.push(household);
        exp.customers += 1; // one customer per household (shared phone, R1.4/R1.5)
      }
      const index = s.buyers.length;
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
    // Most orders come from the buyer's usual store; some from the other one (a second identity).
    const store = r() < 0.9 ? buyer.homeStore : ((1 - buyer.homeStore) as 0 | 1);
    const storeId = `${accountId}-store-${store}`;
    const username = `${store === 0 ? 'shop' : 'ebay'}-${buyer.index}`;
    exp.identities.add(`${storeId}/${username}`);
    exp.orders += 1;
    orderSeq += 1;
    const h = buyer.household;
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
      phone: pick(r, phoneFormats(h.area, h.exchange, h.line)),
      name: `${buyer.first} ${buyer.last}`,
      address: { street1: h.street, city: h.city, state: h.st, postalCode: h.zip, country: 'US' },
    });
  }
  const summary: Record<string, AccountExpectation> = {};
  for (const [a, e] of expected)
    summary[a] = { customers: e.customers, identities: e.identities.size, orders: e.orders };
  return { orders: out, expected: summary };
}

export const expectationTotals = (expected: Record<string, AccountExpectation>): AccountExpectation =>
  Object.values(expected).reduce(
    (t, e) => ({
      customers: t.customers + e.customers,
      identities: t.identities + e.identities,
      orders: t.orders + e.orders,
    }),
    { customers: 0, identities: 0, orders: 0 },
  );

/** The order as an OrderImported v1 event (contracts/events/order-imported.ts), as JSON. */
export function orderImportedJson(o: StreamOrder, occurredAt = new Date()): string {
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
    correlationId: `stream-${o.storeOrderId}`,
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
export function shipStationOrder(o: StreamOrder) {
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

/** Something that runs SQL and answers `[rows]` (a mysql2 promise connection, or an adapter). */
export interface SqlRunner {
  query(sql: string): Promise<[Array<Record<string, unknown>>, ...unknown[]]>;
}

export async function countRows(conn: SqlRunner, table: string, where = '1 = 1'): Promise<number> {
  const [rows] = await conn.query(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`);
  return Number(rows[0]!.n);
}

/**
 * Checks a customer-service database against the stream's expectation: per account the number of
 * active customers, identities and history rows; every customer's order count equal to its
 * history rows; every identity linked. Returns the problems found (none when it matches).
 */
export async function checkCustomerDatabase(
  conn: SqlRunner,
  expected: Record<string, AccountExpectation>,
): Promise<{ ok: boolean; problems: string[] }> {
  const problems: string[] = [];
  const by = async (sql: string) => {
    const [rows] = await conn.query(sql);
    return new Map(rows.map((r) => [String(r.account_id), Number(r.n)]));
  };
  const customers = await by(
    "SELECT account_id, COUNT(*) AS n FROM customers WHERE status = 'active' GROUP BY account_id",
  );
  const identities = await by(
    'SELECT account_id, COUNT(*) AS n FROM customer_identities GROUP BY account_id',
  );
  const orders = await by('SELECT account_id, COUNT(*) AS n FROM customer_orders GROUP BY account_id');
  const counted = await by('SELECT account_id, SUM(order_count) AS n FROM customers GROUP BY account_id');
  for (const [account, e] of Object.entries(expected)) {
    const got = {
      customers: customers.get(account) ?? 0,
      identities: identities.get(account) ?? 0,
      orders: orders.get(account) ?? 0,
    };
    for (const k of ['customers', 'identities', 'orders'] as const) {
      if (got[k] !== e[k]) problems.push(`${account}: ${k} ${got[k]} (expected ${e[k]})`);
    }
    if ((counted.get(account) ?? 0) !== e.orders)
      problems.push(`${account}: sum of order counts ${counted.get(account) ?? 0} (expected ${e.orders})`);
  }
  const [mismatched] = await conn.query(
    // One grouped pass over the history, joined (a correlated COUNT per customer took 200 s and
    // more at 150,000 customers once the tables outgrew MariaDB's buffer pool).
    `SELECT COUNT(*) AS n FROM customers c
       LEFT JOIN (SELECT account_id, customer_id, COUNT(*) AS k FROM customer_orders
                  GROUP BY account_id, customer_id) o
         ON o.account_id = c.account_id AND o.customer_id = c.id
      WHERE c.order_count <> COALESCE(o.k, 0)`,
  );
  if (Number(mismatched[0]!.n) > 0)
    problems.push(`${mismatched[0]!.n} customers whose order count differs from their history`);
  const [unlinked] = await conn.query(
    'SELECT COUNT(*) AS n FROM customer_identities WHERE customer_id IS NULL',
  );
  if (Number(unlinked[0]!.n) > 0) problems.push(`${unlinked[0]!.n} identities without a customer`);
  return { ok: problems.length === 0, problems: problems.slice(0, 20) };
}
