// `pages`: one page of 100 customers of a filtered list, read deep into a big account. On the
// database the `search` scenario seeds (N customers in one account, default 1,000,000),
// customer-service (its own process) is asked, one request at a time, for the page after a cursor
// at 0, 10, 50, 90 and 99 % of the account, for each kind of filter: none, a common tag (10 %),
// a tag a third carry, a store a third of them buy in, a store and a tag together, a created range,
// an updated range that only the newest 40 % match (the cursor then often sits where nothing
// matches), a tag with a created range, a name prefix. A query plan that flips at depth (the
// export once fell from 55,000 to 17,000 rows/s past 45 % of the account) shows here as one slow
// cell. Reports the median of 5 reads per cell and the slowest cell of each filter. Data check:
// every page holds only customers that match, in id order after the cursor, and skips none
// (counted between the cursor and the page's last id by a bounded statement of its own).
import mysql from 'mysql2/promise';
import { signDevToken } from '@crp/platform/auth';
import { BIG_ACCOUNT, seededCustomerDatabase } from '../lib/customer-seed.mjs';
import { SECRET, freePort, startService } from '../lib/services.mjs';

const DEPTHS = [0, 10, 50, 90, 99];
const READS = 5;
const LIMIT = 100;

export async function pages(ctx) {
  const { report } = ctx;
  const n = ctx.customers ?? 1_000_000;
  const url = await seededCustomerDatabase({ mysqlBase: ctx.mysqlBase, n, fresh: ctx.fresh, report });
  const conn = await mysql.createConnection({ uri: url, timezone: 'Z' });
  const svc = await startService(
    'customer-service',
    { DATABASE_URL: url, BUS: 'in-process', DUPLICATE_SCAN_INTERVAL_MS: '0', RATE_LIMIT_REQUESTS: '0' },
    { port: freePort() },
  );
  const token = await signDevToken(SECRET, { accountId: BIG_ACCOUNT, role: 'member' });
  const problems = [];
  try {
    const [[span]] = await conn.query(
      'SELECT MIN(created_at) AS lo, MAX(created_at) AS hi FROM customers WHERE account_id = ?',
      [BIG_ACCOUNT],
    );
    const at = (f) => new Date(span.lo.getTime() + f * (span.hi.getTime() - span.lo.getTime())).toISOString();
    const filters = {
      none: {},
      tag_10pct: { tag: 'vip' },
      tag_33pct: { tag: 'acme shopify' },
      store_33pct: { storeId: 'st_shopify_1' },
      store_and_tag: { storeId: 'st_ebay_1', tag: 'vip' },
      created_range: { createdFrom: at(0.1), createdTo: at(0.9) },
      updated_newest_40pct: { updatedFrom: at(0.6) },
      tag_and_created: { tag: 'vip', createdFrom: at(0.1) },
      name_prefix: { q: 'joh' },
    };
    const cursors = [];
    for (const d of DEPTHS) {
      if (d === 0) cursors.push(undefined);
      else {
        const [[row]] = await conn.query(
          `SELECT id FROM customers WHERE account_id = ? ORDER BY id LIMIT 1 OFFSET ${Math.floor((n * d) / 100)}`,
          [BIG_ACCOUNT],
        );
        cursors.push(row.id);
      }
    }
    const results = {};
    for (const [name, filter] of Object.entries(filters)) {
      const cells = [];
      for (const cursor of cursors) {
        const qs = new URLSearchParams({ ...filter, limit: String(LIMIT), ...(cursor ? { cursor } : {}) });
        const times = [];
        let body;
        for (let k = 0; k < READS; k++) {
          const t = performance.now();
          const res = await fetch(`${svc.url}/v1/customers?${qs}`, {
            headers: { authorization: `Bearer ${token}` },
          });
          body = await res.json();
          times.push(performance.now() - t);
          if (res.status !== 200)
            problems.push(`${name}: ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
        }
        times.sort((a, b) => a - b);
        cells.push(Math.round(times[Math.floor(READS / 2)]));
        const ids = (body.customers ?? []).map((c) => c.customerId);
        problems.push(...(await checkPage(conn, name, filter, cursor, ids)));
      }
      results[name] = Object.fromEntries(DEPTHS.map((d, i) => [`${d}%`, cells[i]]));
      report.note(
        `${name.padEnd(22)} ${DEPTHS.map((d, i) => `${d}%: ${String(cells[i]).padStart(5)} ms`).join('  ')}`,
      );
    }
    const slowest = Object.fromEntries(
      Object.entries(results).map(([k, v]) => [k, Math.max(...Object.values(v))]),
    );
    return {
      scenario: 'pages',
      customers: n,
      page_size: LIMIT,
      reads_per_cell: READS,
      median_ms_by_depth: results,
      slowest_ms: slowest,
      data_check: problems.length ? `FAILED: ${problems.slice(0, 5).join('; ')}` : 'ok',
    };
  } finally {
    await svc.stop();
    await conn.end();
  }
}

/**
 * The page holds only matches, ascending after the cursor, and every match between the cursor and
 * its last id (a statement bounded by that id range, read in id order).
 */
async function checkPage(conn, name, f, cursor, ids) {
  const out = [];
  if (ids.some((id, i) => (i > 0 && !(ids[i - 1] < id)) || (cursor !== undefined && !(id > cursor))))
    out.push(`${name}: page not ascending after its cursor`);
  if (ids.length === 0) return out;
  const where = ['c.account_id = ?', "c.status = 'active'", 'c.id <= ?'];
  const params = [BIG_ACCOUNT, ids[ids.length - 1]];
  if (cursor !== undefined) {
    where.push('c.id > ?');
    params.push(cursor);
  }
  if (f.tag) {
    where.push(
      'EXISTS (SELECT 1 FROM customer_tags t WHERE t.account_id = c.account_id AND t.tag_key = ? AND t.customer_id = c.id)',
    );
    params.push(f.tag);
  }
  if (f.storeId) {
    where.push(
      'EXISTS (SELECT 1 FROM customer_identities s WHERE s.account_id = c.account_id AND s.store_id = ? AND s.customer_id = c.id)',
    );
    params.push(f.storeId);
  }
  for (const [key, col, op] of [
    ['createdFrom', 'created_at', '>='],
    ['createdTo', 'created_at', '<'],
    ['updatedFrom', 'updated_at', '>='],
  ]) {
    if (!f[key]) continue;
    where.push(`c.${col} ${op} ?`);
    params.push(new Date(f[key]));
  }
  if (f.q) {
    where.push(
      '(c.name LIKE ? OR c.last_name LIKE ? OR c.email_normalized LIKE ? OR EXISTS (SELECT 1 FROM customer_identities u WHERE u.account_id = c.account_id AND u.username LIKE ? AND u.customer_id = c.id))',
    );
    params.push(...Array(4).fill(`${f.q}%`));
  }
  const [rows] = await conn.query(
    `SET STATEMENT optimizer_switch='semijoin=off' FOR SELECT c.id FROM customers c FORCE INDEX (idx_customers_account_status_id) WHERE ${where.join(' AND ')} ORDER BY c.id`,
    params,
  );
  const want = rows.map((r) => r.id);
  if (want.length !== ids.length || want.some((id, i) => id !== ids[i]))
    out.push(
      `${name} after ${cursor ?? 'the start'}: ${ids.length} ids, ${want.length} matches in their range`,
    );
  return out;
}
