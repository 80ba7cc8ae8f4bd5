// `export`: customer-service (its own process, dist/main.js) on a MariaDB holding N customers in one
// account (default 1,000,000, the same seeded database as `search`) streams them all as CSV through
// GET /v1/customers/export. Reports rows/s (first byte → last byte, read by this client as fast as
// it can) and the service's peak RSS while streaming (sampled every 100 ms) against its RSS before.
// Data check: a BOM, the header row, exactly N data rows. Target (issue 14): ≥ 50,000 rows/s at
// ≤ 300 MB.
import mysql from 'mysql2/promise';
import { signDevToken } from '@crp/platform/auth';
import { BIG_ACCOUNT, seededCustomerDatabase } from '../lib/customer-seed.mjs';
import { cpuMeter, findPid, rssMb, rssSampler } from '../lib/machine.mjs';
import { SECRET, freePort, startService } from '../lib/services.mjs';

export async function exportScenario(ctx) {
  const { report } = ctx;
  const n = ctx.customers ?? 1_000_000;
  const url = await seededCustomerDatabase({ mysqlBase: ctx.mysqlBase, n, fresh: ctx.fresh, report });
  const svc = await startService(
    'customer-service',
    { DATABASE_URL: url, BUS: 'in-process', DUPLICATE_SCAN_INTERVAL_MS: '0' },
    { port: freePort() },
  );
  try {
    const token = await signDevToken(SECRET, { accountId: BIG_ACCOUNT, role: 'member' });
    const rssBefore = Math.round(rssMb(svc.pid));
    const sampler = rssSampler(() => ({ 'customer-service': svc.pid }), 100);
    const cpu = cpuMeter({ 'customer-service': svc.pid, mariadb: findPid('mariadbd') });
    const t0 = performance.now();
    const res = await fetch(`${svc.url}/v1/customers/export?format=csv`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (!res.ok) throw new Error(`export answered ${res.status}: ${await res.text()}`);
    let lines = 0;
    let bytes = 0;
    let head = Buffer.alloc(0);
    let firstByte = null;
    for await (const chunk of res.body) {
      firstByte ??= performance.now();
      if (head.length < 4096) head = Buffer.concat([head, chunk.subarray(0, 4096)]);
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpuUse = cpu.stop();
    const peak = sampler.stop()['customer-service'];
    const rows = lines - 1;
    const rate = Math.round(rows / seconds);
    const problems = [];
    if (head[0] !== 0xef || head[1] !== 0xbb || head[2] !== 0xbf) problems.push('no UTF-8 BOM');
    if (!head.toString('utf8', 3, 40).startsWith('customerId,status,name,'))
      problems.push('unexpected header row');
    // Quoted cells with line breaks would add lines; the seeded data has none.
    if (rows !== n) problems.push(`${rows} data rows for ${n} customers`);
    report.note(
      `exported ${rows.toLocaleString()} rows (${(bytes / 2 ** 20).toFixed(0)} MB) in ${seconds.toFixed(1)} s: ${rate.toLocaleString()} rows/s; first byte after ${Math.round(firstByte - t0)} ms; RSS ${rssBefore} MB before, ${peak} MB peak`,
    );
    // Baseline: the export's statement alone (the same keyset pages of 2,000, page after page, no
    // read-ahead), run through mysql2 by this process: what the database and driver cost per row.
    const sql = await sqlBaseline(url, n);
    report.note(
      `baseline: the export's SQL alone (mysql2, pages of 2,000): ${sql.rows.toLocaleString()} rows in ${sql.seconds} s = ${sql.rows_per_s.toLocaleString()} rows/s`,
    );
    return {
      scenario: 'export',
      sql_only_rows_per_s: sql.rows_per_s,
      http_vs_sql_only: Number((rate / sql.rows_per_s).toFixed(2)),
      customers: n,
      rows,
      megabytes: Math.round(bytes / 2 ** 20),
      seconds: Number(seconds.toFixed(1)),
      rows_per_s: rate,
      first_byte_ms: Math.round(firstByte - t0),
      rss_before_mb: rssBefore,
      peak_rss_mb: peak,
      cpu: cpuUse,
      target: '≥ 50,000 rows/s at ≤ 300 MB',
      target_met: rate >= 50_000 && peak <= 300,
      data_check: problems.length ? `FAILED: ${problems.join('; ')}` : 'ok',
    };
  } finally {
    await svc.stop();
  }
}

// The statements customer-service's exportPage sends for a status-only page
// (customer-repository.ts: the page names idx_customers_account_status_id, see scanHint; its
// identities are read by the range of its ids).
const EXPORT_SQL = `SELECT c.id, c.status, c.merged_into_id, c.name, c.first_name, c.last_name, c.company,
  c.email, c.phone, c.birth_date, c.shipping_address, c.billing_address, c.postal_address, c.notes, c.tags,
  c.consent, c.order_count, c.total_spent, CAST(c.first_order_date AS CHAR) AS first_order_date,
  CAST(c.last_order_date AS CHAR) AS last_order_date, CAST(c.created_at AS CHAR) AS created_at,
  CAST(c.updated_at AS CHAR) AS updated_at
  FROM customers c FORCE INDEX (idx_customers_account_status_id)
  WHERE c.account_id = ? AND c.status = ? AND c.id > ? ORDER BY c.id LIMIT ?`;
const IDENTITIES_SQL = `SELECT customer_id, store_id, username, id, CAST(created_at AS CHAR) AS created_at
  FROM customer_identities WHERE account_id = ? AND customer_id > ? AND customer_id <= ?`;

async function sqlBaseline(url, n) {
  const conn = await mysql.createConnection({ uri: url, timezone: 'Z' });
  let rows = 0;
  let after = '';
  const t0 = performance.now();
  try {
    for (;;) {
      const [page] = await conn.query(EXPORT_SQL, [BIG_ACCOUNT, 'active', after, 2000]);
      if (page.length === 0) break;
      const last = page[page.length - 1].id;
      await conn.query(IDENTITIES_SQL, [BIG_ACCOUNT, after, last]);
      rows += page.length;
      after = last;
      if (page.length < 2000 || rows >= n) break;
    }
  } finally {
    await conn.end();
  }
  const seconds = (performance.now() - t0) / 1000;
  return { rows, seconds: Number(seconds.toFixed(1)), rows_per_s: Math.round(rows / seconds) };
}
