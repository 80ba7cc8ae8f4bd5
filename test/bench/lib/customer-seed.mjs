// Customers written straight into customer-service's MariaDB schema with multi-row inserts, for
// the read benchmarks (search, export): the schema comes from the service's own migrations (the
// service is started once on the database), the rows from a seeded generator. One big account
// holds N customers; a small second account holds copies of some of the same emails, phones and
// usernames, so a lookup that crossed accounts would be seen (every big-account id starts `cus_a`).
// A seeded database is kept as custbench_<N> and reused by later runs (the other benchmarks purge
// bench_* databases); --fresh seeds it again.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import mysql from 'mysql2/promise';
import { createMysqlDatabase, dropMysqlDatabase } from '@crp/platform/db';
import { SECRET, freePort, root, startService } from './services.mjs';

const FIRST = [
  'Ada',
  'Alan',
  'Grace',
  'Edsger',
  'Barbara',
  'Donald',
  'Margaret',
  'Ken',
  'Dennis',
  'Frances',
  'John',
  'Mary',
  'Linus',
  'Radia',
  'Tim',
  'Sophie',
  'Zoë',
  'Jürgen',
  'Ingrid',
  'Chloé',
  'Mateo',
  'Lucía',
  'Hiro',
  'Aiko',
  'Olu',
  'Amara',
  'Ravi',
  'Priya',
  'Noah',
  'Emma',
  'Liam',
  'Olivia',
  'Lucas',
  'Mia',
  'Ethan',
  'Ava',
  'Leo',
  'Isla',
  'Omar',
  'Leila',
];
const LAST = [
  'Lovelace',
  'Turing',
  'Hopper',
  'Dijkstra',
  'Liskov',
  'Knuth',
  'Hamilton',
  'Thompson',
  'Ritchie',
  'Allen',
  'McCarthy',
  'Shaw',
  'Torvalds',
  'Perlman',
  'Berners-Lee',
  'Wilson',
  'Müller',
  'Schmidt',
  'Bergström',
  'Dubois',
  'García',
  'Fernández',
  'Tanaka',
  'Suzuki',
  'Okafor',
  'Mensah',
  'Patel',
  'Sharma',
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Miller',
  'Davis',
  'Martin',
  'Moore',
  'Taylor',
  'Anderson',
  'Thomas',
  'Jackson',
  'White',
  'Harris',
  'Clark',
  'Lewis',
  'Robinson',
  'Walker',
  'Young',
  'King',
  'Wright',
  'Scott',
  'Green',
  'Baker',
  'Adams',
  'Nelson',
  'Hill',
  'Campbell',
  'Mitchell',
  'Roberts',
  'Carter',
  'Phillips',
  'Evans',
  'Turner',
  'Torres',
  'Parker',
  'Collins',
  'Edwards',
  'Stewart',
  'Flores',
  'Morris',
  'Nguyen',
  'Murphy',
  'Rivera',
  'Cook',
  'Rogers',
  'Morgan',
  'Peterson',
  'Cooper',
  'Reed',
  'Bailey',
  'Bell',
  'Gomez',
  'Kelly',
  'Howard',
  'Ward',
  'Cox',
  'Diaz',
  'Richardson',
  'Wood',
  'Watson',
  'Brooks',
  'Bennett',
  'Gray',
  'James',
  'Reyes',
  'Cruz',
  'Hughes',
  'Price',
  'Myers',
  'Long',
];
const AREA = [613, 416, 212, 415, 312, 617, 206, 303, 512, 720, 604, 514, 404, 305, 702];
const STORES = [
  { storeId: 'st_shopify_1', storeType: 'shopify', storeName: 'Acme Shopify' },
  { storeId: 'st_ebay_1', storeType: 'ebay', storeName: 'Acme eBay' },
  { storeId: 'st_woo_1', storeType: 'woocommerce', storeName: 'Acme Woo' },
];
export const BIG_ACCOUNT = 'acct_bench_big';
export const OTHER_ACCOUNT = 'acct_bench_other';

/** Customer number i of the big account, as plain data (the same i always gives the same customer). */
export function benchCustomer(i) {
  const first = FIRST[i % FIRST.length];
  const last = LAST[Math.floor(i / FIRST.length) % LAST.length];
  const area = AREA[i % AREA.length];
  const exchange = 200 + (Math.floor(i / 10000) % 700);
  const ex = exchange % 100 === 11 ? exchange + 1 : exchange; // no N11 exchanges
  const line = String(i % 10000).padStart(4, '0');
  const ascii = (s) => s.normalize('NFKD').replace(/[^\w]/g, '').toLowerCase();
  return {
    i,
    id: `cus_a${String(i).padStart(10, '0')}`,
    first,
    last,
    email: `${ascii(first)}.${ascii(last)}.${i}@mail.example`,
    phoneWritten: `+1 ${area}-${ex}-${line}`,
    phoneOtherFormat: `(${area}) ${ex}-${line}`,
    phoneE164: `+1${area}${ex}${line}`,
    store: STORES[i % STORES.length],
    username: `buyer${i}`,
    vip: i % 10 === 0,
  };
}

function rowsFor(accountId, c, now) {
  const address = {
    name: `${c.first} ${c.last}`,
    company: null,
    street1: `${(c.i % 999) + 1} Main Street`,
    street2: null,
    street3: null,
    city: 'Ottawa',
    state: 'ON',
    postalCode: `K1A ${String(c.i % 1000).padStart(3, '0')}`,
    country: 'CA',
    phone: null,
  };
  const tags = [c.store.storeType, c.store.storeName, ...(c.vip ? ['VIP'] : [])];
  const at = new Date(now.getTime() - (1_000_000 - (c.i % 1_000_000)) * 1000);
  const source = {
    source: 'store',
    storeId: c.store.storeId,
    storeName: c.store.storeName,
    at: at.toISOString(),
  };
  return {
    customer: [
      c.id,
      accountId,
      'active',
      null,
      c.first,
      c.last,
      `${c.first} ${c.last}`,
      null,
      c.email,
      c.email,
      c.phoneWritten,
      c.phoneE164,
      null,
      JSON.stringify(address),
      null,
      null,
      at,
      at,
      JSON.stringify(tags),
      JSON.stringify({
        email: { state: 'not_subscribed', changedAt: null, source: 'store', storeId: c.store.storeId },
      }),
      JSON.stringify({
        firstName: source,
        lastName: source,
        name: source,
        email: source,
        phone: source,
        shippingAddress: source,
      }),
      1 + (c.i % 5),
      ((c.i % 50000) / 100 + 10).toFixed(2),
      at,
      at,
      1,
      at,
      at,
    ],
    identity: [
      `idn_${c.id.slice(4)}`,
      accountId,
      c.store.storeId,
      c.store.storeName,
      c.store.storeType,
      c.username,
      c.id,
      at,
      at,
    ],
    tags: [...new Set(tags.map((t) => t.trim().toLowerCase()))].map((t) => [accountId, c.id, t]),
  };
}

const CUSTOMER_COLUMNS = `id, account_id, status, merged_into_id, first_name, last_name, name, company,
  email, email_normalized, phone, phone_e164, birth_date, shipping_address, billing_address, postal_address,
  address_order_date, profile_order_date, tags, consent, field_sources, order_count, total_spent,
  first_order_date, last_order_date, version, created_at, updated_at`;

/**
 * The database URL of a customer-service database holding `n` customers in BIG_ACCOUNT (and a few
 * in OTHER_ACCOUNT), seeding it when it does not exist yet (or `fresh`).
 */
export async function seededCustomerDatabase({ mysqlBase, n, fresh, report }) {
  const url = `${mysqlBase}/custbench_${n}`;
  if (fresh) await dropMysqlDatabase(url);
  await createMysqlDatabase(url);
  const conn = await mysql.createConnection(url);
  try {
    const done = await conn.query("SELECT value FROM bench_seed WHERE name = 'customers'").then(
      ([rows]) => Number(rows[0]?.value ?? -1),
      () => -1,
    );
    if (done === n) {
      report.note(`reusing ${url} (${n.toLocaleString()} customers seeded earlier; --fresh to seed again)`);
      // Migrations added since the seed run here, however long they take on a million rows, not
      // inside the service's 60 s readiness wait.
      const t = performance.now();
      execFileSync(process.execPath, [resolve(root, 'services/customer-service/dist/migrate.js')], {
        env: {
          ...process.env,
          DATABASE_URL: url,
          BUS: 'in-process',
          AUTH_JWT_SECRET: SECRET,
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      const s = (performance.now() - t) / 1000;
      if (s > 5) report.note(`  migrations brought up to date in ${s.toFixed(0)} s`);
      return url;
    }
    if (done !== -1) throw new Error(`${url} holds a partial seed; run with --fresh`);
    // The schema: the service's own migrations, run by starting it once.
    const svc = await startService(
      'customer-service',
      { DATABASE_URL: url, BUS: 'in-process' },
      { port: freePort() },
    );
    await svc.stop();
    const now = new Date();
    const t0 = performance.now();
    const BATCH = 1000;
    const insertAll = async (accountId, from, to, pick = (i) => i) => {
      for (let i = from; i < to; i += BATCH) {
        const customers = [];
        const identities = [];
        const tags = [];
        for (let j = i; j < Math.min(to, i + BATCH); j++) {
          const c = benchCustomer(pick(j));
          const r = rowsFor(
            accountId,
            accountId === BIG_ACCOUNT ? c : { ...c, id: c.id.replace('cus_a', 'cus_b') },
            now,
          );
          customers.push(r.customer);
          identities.push(r.identity);
          tags.push(...r.tags);
        }
        await conn.beginTransaction();
        await conn.query(`INSERT INTO customers (${CUSTOMER_COLUMNS}) VALUES ?`, [customers]);
        await conn.query(
          'INSERT INTO customer_identities (id, account_id, store_id, store_name, store_type, username, customer_id, created_at, updated_at) VALUES ?',
          [identities],
        );
        await conn.query('INSERT INTO customer_tags (account_id, customer_id, tag_key) VALUES ?', [tags]);
        await conn.commit();
        if (accountId === BIG_ACCOUNT && (i / BATCH) % 100 === 0 && i > 0) {
          const s = (performance.now() - t0) / 1000;
          report.note(`  seeded ${i.toLocaleString()} customers (${Math.round(i / s).toLocaleString()}/s)`);
        }
      }
    };
    await insertAll(BIG_ACCOUNT, 0, n);
    // The other account: the same keys as every 100th customer of the big one.
    await insertAll(OTHER_ACCOUNT, 0, Math.max(1, Math.floor(n / 100)), (j) => j * 100);
    const seconds = (performance.now() - t0) / 1000;
    await conn.query('ANALYZE TABLE customers, customer_identities, customer_tags');
    await conn.query('CREATE TABLE bench_seed (name VARCHAR(32) PRIMARY KEY, value BIGINT NOT NULL)');
    await conn.query("INSERT INTO bench_seed VALUES ('customers', ?)", [n]);
    report.note(
      `seeded ${n.toLocaleString()} customers (+ identities and tags) into ${url} in ${seconds.toFixed(0)} s (${Math.round(n / seconds).toLocaleString()}/s)`,
    );
    return url;
  } finally {
    await conn.end();
  }
}
