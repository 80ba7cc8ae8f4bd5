// `search`: customer-service (its own process, dist/main.js) on a MariaDB holding N customers in one
// account (default 1,000,000, seeded straight into its tables with multi-row inserts), asked by 50
// concurrent connections (autocannon) for: an exact email, an exact phone written in another format
// than stored (`(613) 234-0042` for `+1 613-234-0042`), a name prefix, and the first page of the
// unfiltered list. Reports p50/p99 latency and requests/s per kind. Data check: sampled answers
// hold exactly the customer asked for and nothing of the other account, and EXPLAIN shows the exact
// lookups and the name prefix reading their indexes. Target (issue 14): p99 ≤ 20 ms for the exact
// lookups.
import autocannon from 'autocannon';
import mysql from 'mysql2/promise';
import { signDevToken } from '@crp/platform/auth';
import { BIG_ACCOUNT, benchCustomer, seededCustomerDatabase } from '../lib/customer-seed.mjs';
import { cpuMeter, findPid, rssSampler } from '../lib/machine.mjs';
import { SECRET, freePort, startService } from '../lib/services.mjs';

const PREFIXES = ['lov', 'tur', 'hop', 'smi', 'gar', 'mül', 'ber', 'joh', 'wil', 'tan'];

export async function search(ctx) {
  const { report } = ctx;
  const n = ctx.customers ?? 1_000_000;
  const url = await seededCustomerDatabase({ mysqlBase: ctx.mysqlBase, n, fresh: ctx.fresh, report });
  const svc = await startService(
    'customer-service',
    // One account sends every request: the per-account budget (6,000 a minute by default) would
    // answer most of them 429, so it is off here.
    { DATABASE_URL: url, BUS: 'in-process', DUPLICATE_SCAN_INTERVAL_MS: '0', RATE_LIMIT_REQUESTS: '0' },
    { port: freePort() },
  );
  const sampler = rssSampler(() => ({ 'customer-service': svc.pid }));
  const token = await signDevToken(SECRET, { accountId: BIG_ACCOUNT, role: 'member' });
  const headers = { authorization: `Bearer ${token}` };
  const problems = [];
  try {
    let seq = ctx.seed;
    const pick = () => {
      seq = (seq * 1103515245 + 12345) % 2 ** 31;
      return benchCustomer(seq % n);
    };
    const kinds = {
      // Baseline: the same server, connections and load generator, no database and no auth.
      healthz: () => '/healthz',
      email: () => `/v1/customers?email=${encodeURIComponent(pick().email)}`,
      phone: () => `/v1/customers?phone=${encodeURIComponent(pick().phoneOtherFormat)}`,
      q_email: () => `/v1/customers?q=${encodeURIComponent(pick().email)}`,
      name_prefix: () => `/v1/customers?q=${encodeURIComponent(PREFIXES[seq++ % PREFIXES.length])}`,
      list_first_page: () => '/v1/customers',
    };

    // Correctness first: a few of each exact lookup answer exactly the customer asked for.
    for (let k = 0; k < 20; k++) {
      const c = pick();
      for (const [kind, path] of [
        ['email', `/v1/customers?email=${encodeURIComponent(c.email)}`],
        ['phone', `/v1/customers?phone=${encodeURIComponent(c.phoneOtherFormat)}`],
      ]) {
        const body = await fetch(`${svc.url}${path}`, { headers }).then((r) => r.json());
        const ids = (body.customers ?? []).map((x) => x.customerId);
        if (ids.length !== 1 || ids[0] !== c.id)
          problems.push(`${kind} ${path} answered ${JSON.stringify(ids)}`);
      }
    }
    problems.push(...(await plansUseIndexes(url)));

    const results = {};
    const cpu = cpuMeter({ 'customer-service': svc.pid, mariadb: findPid('mariadbd') });
    for (const [kind, next] of Object.entries(kinds)) {
      const r = await autocannon({
        url: svc.url,
        connections: 50,
        duration: ctx.latencySeconds ?? 10,
        headers,
        requests: [{ setupRequest: (req) => ({ ...req, path: next() }) }],
      });
      results[kind] = {
        req_per_s: Math.round(r.requests.average),
        p50_ms: r.latency.p50,
        p99_ms: r.latency.p99,
        non_2xx: r.non2xx,
        errors: r.errors + r.timeouts,
      };
      if (r.non2xx || r.errors) problems.push(`${kind}: ${r.non2xx} non-2xx, ${r.errors} errors`);
      report.note(
        `${kind.padEnd(16)} ${results[kind].req_per_s.toLocaleString().padStart(6)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms`,
      );
    }
    // Baseline: the exact email lookup's two statements (the page, then its identities) sent
    // straight through a mysql2 pool of the service's size by 50 concurrent callers, no HTTP.
    results.sql_email = await sqlBaseline(url, pick, ctx.latencySeconds ?? 10);
    report.note(
      `${'sql_email'.padEnd(16)} ${results.sql_email.req_per_s.toLocaleString().padStart(6)} req/s  p50 ${results.sql_email.p50_ms} ms  p99 ${results.sql_email.p99_ms} ms  (mysql2 pool of 10, no HTTP)`,
    );
    const cpuUse = cpu.stop();
    return {
      scenario: 'search',
      customers: n,
      connections: 50,
      seconds_per_kind: ctx.latencySeconds ?? 10,
      ...Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v])),
      exact_p99_target_ms: 20,
      exact_p99_met: results.email.p99_ms <= 20 && results.phone.p99_ms <= 20,
      cpu: cpuUse,
      max_rss_mb: sampler.stop(),
      data_check: problems.length ? `FAILED: ${problems.slice(0, 5).join('; ')}` : 'ok',
    };
  } finally {
    await svc.stop();
  }
}

/** 50 callers on a mysql2 pool of 10 (the service's pool size) running the exact email lookup's statements. */
async function sqlBaseline(url, pick, seconds) {
  const pool = mysql.createPool({ uri: url, connectionLimit: 10, timezone: 'Z' });
  const lat = [];
  const end = performance.now() + seconds * 1000;
  try {
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (performance.now() < end) {
          const t = performance.now();
          const [rows] = await pool.query(
            'SELECT c.* FROM customers c WHERE c.account_id = ? AND c.status = ? AND c.email_normalized = ? ORDER BY c.id LIMIT ?',
            [BIG_ACCOUNT, 'active', pick().email, 51],
          );
          await pool.query(
            'SELECT * FROM customer_identities WHERE account_id = ? AND customer_id IN (?) ORDER BY created_at, id',
            [BIG_ACCOUNT, rows.length ? rows.map((r) => r.id) : ['-']],
          );
          lat.push(performance.now() - t);
        }
      }),
    );
  } finally {
    await pool.end();
  }
  lat.sort((a, b) => a - b);
  const at = (q) => Math.round(lat[Math.min(lat.length - 1, Math.floor(q * lat.length))] * 10) / 10;
  return {
    req_per_s: Math.round(lat.length / seconds),
    p50_ms: at(0.5),
    p99_ms: at(0.99),
    non_2xx: 0,
    errors: 0,
  };
}

/** EXPLAIN of the statements the service runs for each kind: the exact lookups and the name prefix read indexes. */
async function plansUseIndexes(url) {
  const conn = await mysql.createConnection(url);
  const problems = [];
  try {
    const c = benchCustomer(12345);
    const checks = [
      [
        'email',
        'SELECT c.* FROM customers c WHERE c.account_id = ? AND c.status = ? AND c.email_normalized = ? ORDER BY c.id LIMIT 51',
        [BIG_ACCOUNT, 'active', c.email],
        'idx_customers_account_email',
      ],
      [
        'phone',
        'SELECT c.* FROM customers c WHERE c.account_id = ? AND c.status = ? AND c.phone_e164 = ? ORDER BY c.id LIMIT 51',
        [BIG_ACCOUNT, 'active', c.phoneE164],
        'idx_customers_account_phone',
      ],
      [
        'name prefix',
        "SELECT id FROM customers WHERE account_id = ? AND name LIKE ? ESCAPE '!'",
        [BIG_ACCOUNT, 'lov%'],
        'idx_customers_account_name',
      ],
      [
        'last-name prefix',
        "SELECT id FROM customers WHERE account_id = ? AND last_name LIKE ? ESCAPE '!'",
        [BIG_ACCOUNT, 'lov%'],
        'idx_customers_account_last_name',
      ],
      [
        'username',
        'SELECT customer_id FROM customer_identities WHERE account_id = ? AND username = ?',
        [BIG_ACCOUNT, c.username],
        'idx_identity_username',
      ],
    ];
    for (const [what, sql, params, index] of checks) {
      const [plan] = await conn.query(`EXPLAIN ${sql}`, params);
      const keys = plan.map((p) => p.key).filter(Boolean);
      if (!keys.includes(index))
        problems.push(`${what} does not read ${index} (plan keys: ${keys.join(', ') || 'none'})`);
    }
  } finally {
    await conn.end();
  }
  return problems;
}
