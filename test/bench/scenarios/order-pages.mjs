// `order-pages`: order-ingest's list pages and an erasure in one big account. A fresh database gets
// N orders (default 1,000,000, `--orders N`) in one account through multi-row INSERT … SELECT from
// MariaDB's sequence engine (5 stores; 88 % shipped, 8 % awaiting shipment, 3.5 % cancelled,
// 0.5 % on hold; 200,000 customers of 5 orders each), 5 % more in another account, and a delegation
// of each of the big account's orders: three in four to one 3PL, 1 in 200 to a small one, and
// 20,000 of the first 41,000 to a 3PL whose orders all came early. order-ingest (its own process)
// is asked, one request at a time, for the page of 50 after a cursor at 0, 50, 90 and 99 % of the
// account, unfiltered and by store and by status (common and rare), by store and status, by
// updated-at (alone, with a store, a status, both), and each 3PL for its
// delegations at the same depths (median of 5 reads per cell). Then 200 customers and 200 buyer
// identities are erased through the CustomerRedacted handler's repository (rolled back: the
// figure is the statements'). Data check: every order page holds only matches, ascending after
// its cursor, the whole page where the account has that many; the total is 1,000 with
// totalRelation gte; every delegation page holds only the 3PL's. The database is dropped at the
// end unless --keep.
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import mysql from 'mysql2/promise';
import { signDevToken } from '@crp/platform/auth';
import { SECRET, freePort, root, startService } from '../lib/services.mjs';

const DEPTHS = [0, 50, 90, 99];
const READS = 5;
const LIMIT = 50;
const BIG = 'bench_big';
const id = (n) => `ord_${String(n).padStart(22, '0')}`;
const EARLY_CURSORS = { 0: undefined, 50: id(21_000), 90: id(37_000), 99: id(40_920) };
/** Every order's updated-at is its creation time, 2025-01-01 + its number in seconds (see seed). */
const SINCE = '2025-01-01T00:00:00.000Z';
const updatedCursor = (orderId) =>
  Buffer.from(
    JSON.stringify([orderId, new Date(Date.parse(SINCE) + Number(orderId.slice(4)) * 1000).toISOString()]),
  ).toString('base64url');

export async function orderPages(ctx) {
  const { report } = ctx;
  const n = ctx.N;
  const database = `${ctx.tag}_orders`;
  const url = `${ctx.mysqlBase}/${database}`;
  const admin = await mysql.createConnection({ uri: ctx.mysqlBase, multipleStatements: false });
  await admin.query(`CREATE DATABASE \`${database}\``);
  const conn = await mysql.createConnection({ uri: url, timezone: 'Z' });
  let svc;
  try {
    // Its own migrations make the schema, as a deployment's first start does.
    svc = await startService(
      'order-ingest-service',
      {
        DATABASE_URL: url,
        BUS: 'in-process',
        CHANNEL_CREDENTIALS_KEY: 'a'.repeat(64),
        RATE_LIMIT_REQUESTS: '0',
      },
      { port: freePort() },
    );
    const t0 = performance.now();
    await seed(conn, n);
    report.note(
      `seeded ${n} orders and ${n} delegations in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    const problems = [];
    const token = (accountId) => signDevToken(SECRET, { accountId, role: 'member' });
    const cell = async (accountId, path) => {
      const auth = { authorization: `Bearer ${await token(accountId)}` };
      const times = [];
      let body;
      for (let k = 0; k < READS; k++) {
        const t = performance.now();
        const res = await fetch(`${svc.url}${path}`, { headers: auth });
        body = await res.json();
        times.push(performance.now() - t);
        if (res.status !== 200) problems.push(`${path}: ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
      }
      times.sort((a, b) => a - b);
      return { ms: Math.round(times[Math.floor(READS / 2)] * 10) / 10, body };
    };
    const cursorAt = (d) => (d === 0 ? undefined : id(Math.floor((n * d) / 100)));

    const orderFilters = {
      none: {},
      store: { storeId: 'st_1' },
      status_common: { status: 'shipped' },
      status_rare: { status: 'on_hold' },
      store_status: { storeId: 'st_0', status: 'cancelled' },
      updated: { updatedSince: SINCE },
      updated_store: { updatedSince: SINCE, storeId: 'st_1' },
      updated_status: { updatedSince: SINCE, status: 'on_hold' },
      updated_store_status: { updatedSince: SINCE, storeId: 'st_0', status: 'cancelled' },
    };
    const results = {};
    for (const [name, filter] of Object.entries(orderFilters)) {
      const cells = [];
      for (const d of DEPTHS) {
        const cursor = cursorAt(d);
        // By updated-at the cursor is the last order's (id, updated-at), as the API returns it.
        const sent = cursor && filter.updatedSince ? updatedCursor(cursor) : cursor;
        const qs = new URLSearchParams({
          ...filter,
          limit: String(LIMIT),
          ...(sent ? { cursor: sent } : {}),
        });
        const { ms, body } = await cell(BIG, `/v1/orders?${qs}`);
        cells.push(ms);
        problems.push(...checkOrderPage(name, filter, cursor, body));
      }
      results[`orders_${name}`] = Object.fromEntries(DEPTHS.map((d, i) => [`${d}%`, cells[i]]));
    }
    for (const provider of ['tpl_big', 'tpl_small', 'tpl_early']) {
      const cells = [];
      for (const d of DEPTHS) {
        // The early 3PL's delegations end at 4.1 % of the account: at 99 % is its last page (40).
        const cursor = provider === 'tpl_early' ? EARLY_CURSORS[d] : cursorAt(d);
        const qs = new URLSearchParams({
          side: 'provider',
          limit: String(LIMIT),
          ...(cursor ? { cursor } : {}),
        });
        const { ms, body } = await cell(provider, `/v1/delegations?${qs}`);
        cells.push(ms);
        const wrong = (body.delegations ?? []).filter((x) => x.providerAccountId !== provider);
        if (wrong.length) problems.push(`${provider}: ${wrong.length} delegations of another 3PL`);
      }
      results[`delegations_${provider}`] = Object.fromEntries(DEPTHS.map((d, i) => [`${d}%`, cells[i]]));
    }
    for (const [name, cells] of Object.entries(results))
      report.note(
        `${name.padEnd(24)} ${Object.entries(cells)
          .map(([d, ms]) => `${d}: ${String(ms).padStart(7)} ms`)
          .join('  ')}`,
      );

    const erasure = await timeErasure(url);
    report.note(
      `erasure of 200 customers + 200 identities: ${erasure.ms} ms, ${erasure.orders} orders (rolled back)`,
    );
    if (erasure.orders !== 2000) problems.push(`erasure found ${erasure.orders} orders, not 2,000`);
    return {
      scenario: 'order-pages',
      orders: n,
      page_size: LIMIT,
      reads_per_cell: READS,
      median_ms_by_depth: results,
      erasure_ms: erasure.ms,
      data_check: problems.length ? `FAILED: ${problems.slice(0, 5).join('; ')}` : 'ok',
    };
  } finally {
    await svc?.stop();
    await conn.end();
    if (!ctx.keep) await admin.query(`DROP DATABASE \`${database}\``);
    await admin.end();
  }
}

/** Multi-row INSERT … SELECT in batches of 100,000 (MariaDB's seq_1_to_N tables). */
async function seed(conn, n) {
  const orders = async (account, prefix, from, to) =>
    conn.query(
      `INSERT INTO orders (id, account_id, store_id, store_order_id, order_number, order_date, order_status,
         customer_username, customer_email, buyer_name, ship_to, bill_to, items, notes, total, currency,
         revision, content_hash, customer_id, created_at, updated_at)
       SELECT CONCAT(?, LPAD(seq, 22, '0')), ?, CONCAT('st_', seq % 5), CONCAT('so-', seq), CONCAT('#', seq),
         TIMESTAMP('2025-01-01') + INTERVAL seq SECOND,
         CASE WHEN seq % 200 = 0 THEN 'on_hold' WHEN seq % 25 = 0 THEN 'cancelled'
              WHEN seq % 10 = 0 THEN 'awaiting_shipment' ELSE 'shipped' END,
         CONCAT('buyer', seq % 200000), CONCAT('buyer', seq % 200000, '@example.com'), CONCAT('Buyer ', seq % 200000),
         '{"name":"Buyer","street1":"1 High St","city":"London","postalCode":"N1 1AA","country":"GB"}', NULL,
         '[{"sku":"SKU-1","name":"Widget","quantity":1,"unitPrice":10}]', '["Ring twice"]', 10.00, 'GBP', 1,
         REPEAT('a', 64), CONCAT('cus_', LPAD(seq % 200000, 10, '0')),
         TIMESTAMP('2025-01-01') + INTERVAL seq SECOND, TIMESTAMP('2025-01-01') + INTERVAL seq SECOND
       FROM seq_${from}_to_${to}`,
      [prefix, account],
    );
  for (let b = 0; b < n; b += 100_000) await orders(BIG, 'ord_', b + 1, Math.min(n, b + 100_000));
  await orders('bench_other', 'ordx_', 1, Math.max(1, Math.floor(n / 20)));
  for (let b = 0; b < n; b += 100_000)
    await conn.query(
      `INSERT INTO order_delegations (order_id, client_account_id, provider_account_id, connection_id,
         provider_order_id, delegated_by, rule_id, delegated_at)
       SELECT CONCAT('ord_', LPAD(seq, 22, '0')), ?,
         CASE WHEN seq BETWEEN 1001 AND 41000 AND seq % 2 = 0 THEN 'tpl_early'
              WHEN seq % 200 = 1 THEN 'tpl_small' WHEN seq % 4 = 0 THEN 'tpl_other' ELSE 'tpl_big' END,
         'con_1', CONCAT('ordp_', MD5(seq)), 'user', NULL, TIMESTAMP('2025-06-01') + INTERVAL seq SECOND
       FROM seq_${b + 1}_to_${Math.min(n, b + 100_000)}`,
      [BIG],
    );
  await conn.query('ANALYZE TABLE orders, order_delegations');
}

/** The page's orders match its filter and follow its cursor; a deep enough account fills the page. */
function checkOrderPage(name, filter, cursor, body) {
  const out = [];
  const orders = body.orders ?? [];
  const ids = orders.map((o) => o.orderId);
  if (ids.some((x, i) => (i > 0 && !(ids[i - 1] < x)) || (cursor !== undefined && !(x > cursor))))
    out.push(`${name}: page not ascending after its cursor`);
  if (filter.status && orders.some((o) => o.orderStatus !== filter.status))
    out.push(`${name}: an order of another status`);
  if (filter.storeId && orders.some((o) => o.advancedOptions?.storeId !== filter.storeId))
    out.push(`${name}: an order of another store`);
  if (orders.length !== LIMIT && body.nextCursor !== null)
    out.push(`${name}: a short page with a next cursor`);
  if (body.total !== 1000 || body.totalRelation !== 'gte')
    out.push(`${name}: total ${body.total} ${body.totalRelation}, not 1000 gte`);
  return out;
}

/** orderRepository.redact of the built service on the bench database, in a transaction rolled back. */
async function timeErasure(url) {
  const dir = resolve(root, 'services', 'order-ingest-service');
  const require = createRequire(resolve(dir, 'package.json'));
  const { openDatabase } = require('@crp/platform/db');
  const { definition } = require(resolve(dir, 'dist/composition-root.js'));
  const { orderRepository } = require(resolve(dir, 'dist/infra/db/order-repository.js'));
  const db = await openDatabase({ url, entities: definition.entities, migrations: [] });
  const who = {
    customerIds: Array.from({ length: 200 }, (_, i) => `cus_${String(i + 1).padStart(10, '0')}`),
    identities: Array.from({ length: 200 }, (_, i) => ({
      storeId: `st_${(1001 + i) % 5}`,
      username: `buyer${1001 + i}`,
    })),
  };
  let ms = 0;
  let orders = 0;
  try {
    await db
      .transaction(async (tx) => {
        const t = performance.now();
        orders = await orderRepository.redact(tx, BIG, who, new Date());
        ms = Math.round(performance.now() - t);
        throw new Error('rolled back');
      })
      .catch((e) => {
        if (e.message !== 'rolled back') throw e;
      });
  } finally {
    await db.close();
  }
  return { ms, orders };
}
