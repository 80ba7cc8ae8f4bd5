import mysql from 'mysql2/promise';
import request from 'supertest';
import {
  ADDRESS_PARTS,
  ADDRESS_PART_LIMITS,
  MAILCHIMP_LIMITS,
  MONEY_LIMITS,
  TEXT_LIMITS,
  type TextLimitKey,
} from '@crp/contracts/limits';
import { describeReal, mysqlUrl } from '@crp/testing/real-infra';
import {
  postManualOrder,
  shipStationOrder,
  startRealSystem,
  waitForCustomer,
  type RealSystem,
} from './support/system';

// Issue #20, "the rule": one set of limits (packages/contracts limits.ts), matching the columns that
// store the values. The boundary inputs come from the same limits: a value at its limit travels from
// the HTTP door through Kafka into both databases; one character more is a 400 at the door and
// nothing is written. Findings 1–3 of the issue are each one case below.

/** Every column that stores a limited text, and the limit it must hold (service → table.column). */
const TEXT_COLUMNS: Record<'orders' | 'customers', Array<[string, string, TextLimitKey]>> = {
  orders: [
    ['orders', 'store_order_id', 'storeOrderId'],
    ['orders', 'order_number', 'orderNumber'],
    ['orders', 'order_status', 'orderStatus'],
    ['orders', 'customer_username', 'username'],
    ['orders', 'customer_email', 'email'],
    ['orders', 'buyer_name', 'name'],
    ['orders', 'buyer_first_name', 'name'],
    ['orders', 'buyer_last_name', 'name'],
    ['orders', 'buyer_phone', 'phone'],
    ['orders', 'currency', 'currency'],
    ['orders', 'store_id', 'storeId'],
    ['orders', 'account_id', 'accountId'],
  ],
  customers: [
    ['customers', 'first_name', 'name'],
    ['customers', 'last_name', 'name'],
    ['customers', 'name', 'name'],
    ['customers', 'company', 'company'],
    ['customers', 'email', 'email'],
    ['customers', 'email_normalized', 'email'],
    ['customers', 'phone', 'phone'],
    ['customers', 'account_id', 'accountId'],
    // TEXT: MariaDB reports 65,535 (bytes); TEXT_LIMITS.note characters take at most 20,000.
    ['customers', 'notes', 'note'],
    ['customer_identities', 'username', 'username'],
    ['customer_identities', 'store_id', 'storeId'],
    ['customer_identities', 'store_name', 'storeName'],
    ['customer_orders', 'store_order_id', 'storeOrderId'],
    ['customer_orders', 'order_number', 'orderNumber'],
    ['customer_orders', 'currency', 'currency'],
    ['customer_orders', 'store_id', 'storeId'],
  ],
};

const x = (n: number, c = 'x') => c.repeat(n);
/** An e-mail address exactly `n` characters long. */
const emailOf = (n: number, seed: string) =>
  `${seed}${x(n - seed.length - '@example.com'.length, 'e')}@example.com`;

describeReal('limits: what is accepted is stored (issue #20, MariaDB + Kafka)', () => {
  let sys: RealSystem;
  let db: mysql.Connection;
  const account = 'limits';

  beforeAll(async () => {
    sys = await startRealSystem('limits');
    db = await mysql.createConnection(mysqlUrl(''));
  });
  afterAll(async () => {
    await db?.end();
    await sys?.stop();
  });

  async function columns(database: string) {
    const [rows] = await db.query(
      'SELECT TABLE_NAME t, COLUMN_NAME c, CHARACTER_MAXIMUM_LENGTH len, NUMERIC_PRECISION p, NUMERIC_SCALE s FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ?',
      [database],
    );
    return new Map(
      (rows as Array<{ t: string; c: string; len: number | null; p: number | null; s: number | null }>).map(
        (r) => [`${r.t}.${r.c}`, r],
      ),
    );
  }

  const databaseOf = async (which: 'orders' | 'customers') => sys.databases[which];

  it('every column that stores a limited value holds at least its limit (a column and its limit cannot drift apart)', async () => {
    for (const which of ['orders', 'customers'] as const) {
      const cols = await columns(await databaseOf(which));
      for (const [table, column, key] of TEXT_COLUMNS[which]) {
        const col = cols.get(`${table}.${column}`);
        expect({ column: `${table}.${column}`, exists: !!col }).toEqual({
          column: `${table}.${column}`,
          exists: true,
        });
        expect({ column: `${table}.${column}`, holds: col!.len! >= TEXT_LIMITS[key] }).toEqual({
          column: `${table}.${column}`,
          holds: true,
        });
      }
      const money =
        which === 'orders' ? ['orders.total'] : ['customer_orders.total', 'customers.total_spent'];
      for (const m of money) {
        const col = cols.get(m)!;
        const integerDigits = col.p! - col.s!;
        const needed = m.endsWith('total_spent')
          ? MONEY_LIMITS.totalSpentPrecision - MONEY_LIMITS.scale
          : Math.floor(MONEY_LIMITS.orderTotalMax).toString().length;
        expect({ m, fits: integerDigits >= needed && col.s === MONEY_LIMITS.scale }).toEqual({
          m,
          fits: true,
        });
      }
    }
    // The Mailchimp connection (issue #19): the audience id and the webhook token as accepted.
    const cust = await columns(await databaseOf('customers'));
    for (const [column, limit] of [
      ['mailchimp_connections.audience_id', MAILCHIMP_LIMITS.audienceIdMax],
      ['mailchimp_connections.webhook_token', MAILCHIMP_LIMITS.webhookTokenMax],
    ] as const) {
      expect({ column, holds: (cust.get(column)?.len ?? 0) >= limit }).toEqual({ column, holds: true });
    }
  });

  it('an order with every value at its limit is accepted, and the customer is stored with those values', async () => {
    const email = emailOf(TEXT_LIMITS.email, 'edge');
    const address = Object.fromEntries(
      ADDRESS_PARTS.map((p) => [
        p,
        p === 'country' ? 'GB' : x(ADDRESS_PART_LIMITS[p], p === 'phone' ? '7' : 'a'),
      ]),
    );
    const res = await postManualOrder(sys, account, {
      ...shipStationOrder('edge', email),
      orderNumber: x(TEXT_LIMITS.orderNumber, 'N'),
      orderKey: x(TEXT_LIMITS.storeOrderId, 'K'),
      // The longest order status: any other text is no status (a 400, below), however short.
      orderStatus: 'rejected_fulfillment',
      billTo: address,
      shipTo: address,
      orderTotal: MONEY_LIMITS.orderTotalMax,
      customerNotes: x(TEXT_LIMITS.note, 'n'),
    });
    expect(res.status).toBe(201);
    const [customer] = await waitForCustomer(sys, account, email, 30000);
    expect(customer.company).toHaveLength(ADDRESS_PART_LIMITS.company);
    expect(customer.phone).toHaveLength(ADDRESS_PART_LIMITS.phone);
    // Twice the largest total still fits the customer's total.
    const again = await postManualOrder(sys, account, {
      ...shipStationOrder('edge2', email),
      orderTotal: MONEY_LIMITS.orderTotalMax,
    });
    expect(again.status).toBe(201);
    const token = await sys.token(account);
    let spent = 0;
    for (let i = 0; i < 300 && spent !== MONEY_LIMITS.orderTotalMax * 2; i++) {
      const c = await request(sys.customers.app)
        .get(`/v1/customers/${customer.customerId}`)
        .set('Authorization', `Bearer ${token}`);
      spent = c.body.history?.totalSpent;
      if (spent !== MONEY_LIMITS.orderTotalMax * 2) await new Promise((r) => setTimeout(r, 100));
    }
    expect(spent).toBe(MONEY_LIMITS.orderTotalMax * 2);
  });

  // Findings 1–3 of issue #20: each was a 201 followed by a dead letter, a 500, or silently changed data.
  const over: Array<[string, Record<string, unknown>, RegExp]> = [
    [
      'shipTo.phone of 65 characters (finding 1)',
      { shipTo: { name: 'A', phone: x(65, '5') } },
      /shipTo\.phone/,
    ],
    [
      'billTo.company of 200 characters (finding 1)',
      { billTo: { name: 'A', company: x(200) } },
      /billTo\.company/,
    ],
    ['orderStatus of 33 characters (finding 2)', { orderStatus: x(33) }, /orderStatus/],
    [
      'an orderStatus that is no status (GET /v1/orders?status= could never find it)',
      { orderStatus: 'Delivered' },
      /orderStatus \\"Delivered\\" is not an order status/,
    ],
    ['orderTotal 1000000000000 (finding 2)', { orderTotal: 1e12 }, /orderTotal/],
    ['shipTo.name of 191 characters (finding 2)', { shipTo: { name: x(191) } }, /shipTo\.name/],
    ['notes over 64 KB (finding 2)', { customerNotes: x(70_000) }, /customerNotes/],
    ['orderDate 2026-02-30 (finding 3)', { orderDate: '2026-02-30T10:00:00Z' }, /orderDate/],
    ['orderTotal -5 (finding 3)', { orderTotal: -5 }, /orderTotal/],
    ['items over 60 KB', { items: [{ sku: 'a', name: x(70_000) }] }, /line items/],
  ];

  it.each(over)('%s: 400 with the field named, nothing written', async (_, change, reason) => {
    const before = await countOrders();
    const res = await postManualOrder(sys, account, {
      ...shipStationOrder('over', 'over@example.com'),
      ...change,
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(reason);
    expect(await countOrders()).toBe(before);
  });

  it('orderTotal 1e309 (finding 2: was a 500 on both databases) is a 400', async () => {
    const body = JSON.stringify(shipStationOrder('inf', 'inf@example.com')).replace(
      '"orderTotal":99.98',
      '"orderTotal":1e309',
    );
    const res = await request(sys.orders.app)
      .post('/v1/orders')
      .set('Authorization', `Bearer ${await sys.token(account)}`)
      .set('Content-Type', 'application/json')
      .send(body);
    expect(res.status).toBe(400);
  });

  it.each(['a@', 'x@y@z.com', '<script>@x.com', 'not-an-email', 'a b@example.com', 'a@example'])(
    'the malformed email %s is kept on the order and said back as a warning (finding 3)',
    async (bad) => {
      const res = await postManualOrder(sys, account, shipStationOrder(`bad-${bad}`, bad));
      expect(res.status).toBe(201);
      expect(res.body.warnings?.[0]).toMatch(/is not an e-mail address/);
    },
  );

  async function countOrders() {
    const [rows] = await db.query(`SELECT COUNT(*) n FROM \`${await databaseOf('orders')}\`.orders`);
    return Number((rows as Array<{ n: number }>)[0]!.n);
  }
});
