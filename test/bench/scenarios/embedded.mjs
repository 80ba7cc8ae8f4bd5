// `embedded`: the `npm start` default — four services in one process, the in-process bus, SQLite
// files (better-sqlite3, WAL) in a fresh data directory — fed 100,000 orders through order-ingest's
// batch endpoint. Reports the end-to-end rate (orders committed on customer records) overall, for
// the first 10 % and for the last 10 % (does it hold its rate as the files grow?), and the RSS.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { checkCustomerDatabase, expectationTotals, generateOrderStream } from '@crp/testing/order-stream';
import { rssSampler } from '../lib/machine.mjs';
import { createStores, postOrders } from '../lib/http-load.mjs';
import { SECRET, consumedEvents, freePort, root, serviceNodeFlags, sleep } from '../lib/services.mjs';

export async function embedded(ctx) {
  const { N, report } = ctx;
  const { orders, expected } = generateOrderStream({
    orders: N,
    accounts: ctx.accounts ?? 24,
    seed: ctx.seed,
  });
  const want = expectationTotals(expected);
  const dataDir = mkdtempSync(join(tmpdir(), 'crp-embedded-'));
  const base = freePort();
  const ports = { order: base, customer: base + 1, csv: base + 2, tpl: base + 3 };
  const child = spawn(
    process.execPath,
    [...serviceNodeFlags('npm-start'), resolve(root, 'infra/local/start.mjs')],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        ...process.env,
        CRP_DATA_DIR: dataDir,
        AUTH_JWT_SECRET: SECRET,
        LOG_LEVEL: 'warn',
        ORDER_INGEST_SERVICE_PORT: String(ports.order),
        CUSTOMER_SERVICE_PORT: String(ports.customer),
        CSV_IMPORT_SERVICE_PORT: String(ports.csv),
        TPL_CONNECTION_SERVICE_PORT: String(ports.tpl),
      },
    },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const stop = () =>
    new Promise((r) => (child.exitCode !== null ? r() : (child.once('exit', r), child.kill('SIGTERM'))));
  process.on('exit', () => child.kill('SIGKILL'));
  try {
    const deadline = Date.now() + 60_000;
    for (const p of Object.values(ports)) {
      while (
        !(await fetch(`http://127.0.0.1:${p}/readyz`).then(
          (r) => r.ok,
          () => false,
        ))
      ) {
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error(`npm start did not come up:\n${stderr}`);
        await sleep(100);
      }
    }
    const sampler = rssSampler(() => ({ 'npm start (4 services)': child.pid }));
    const ingestUrl = `http://127.0.0.1:${ports.order}`;
    const stores = await createStores(ingestUrl, [...new Set(orders.map((o) => o.accountId))]);
    // Progress from customer-service's consumed-events counter: a COUNT(*) of the history every
    // 20 ms from this process grew with the file and, as a reader always open on it, kept SQLite
    // from checkpointing its WAL; the file is opened once everything is consumed, for the check.
    const customerUrl = `http://127.0.0.1:${ports.customer}`;
    const committed = () => consumedEvents(customerUrl, 'OrderImported');
    const marks = [0.1, 0.9].map((f) => Math.round(want.orders * f));
    const at = {};
    const t0 = performance.now();
    let sending = true;
    const poll = (async () => {
      for (;;) {
        const n = await committed();
        for (const m of marks) if (at[m] === undefined && n >= m) at[m] = performance.now();
        if (n >= want.orders) return performance.now();
        if (!sending && performance.now() - t0 > Math.max(600_000, N * 10))
          throw new Error(`stalled at ${n}`);
        await sleep(20);
      }
    })();
    const sent = await postOrders(ingestUrl, orders, stores, { batch: 1000, concurrency: 2 });
    sending = false;
    const done = await poll;
    const rss = sampler.stop();
    const customerDb = new Database(join(dataDir, 'customer-service.sqlite'), {
      readonly: true,
      fileMustExist: true,
    });
    const check = await checkCustomerDatabase(
      { query: async (sql) => [customerDb.prepare(sql).all()] },
      expected,
    );
    const tenth = want.orders * 0.1;
    const firstRate = tenth / ((at[marks[0]] - t0) / 1000);
    const lastRate = (want.orders - marks[1]) / ((done - at[marks[1]]) / 1000);
    const sizeMb = statSync(join(dataDir, 'customer-service.sqlite')).size / 2 ** 20;
    customerDb.close();
    report.note(
      `first 10 %: ${Math.round(firstRate)} orders/s, last 10 %: ${Math.round(lastRate)} orders/s; customer-service.sqlite ${sizeMb.toFixed(0)} MB`,
    );
    return {
      scenario: 'embedded',
      orders: N,
      distinct_orders: want.orders,
      answered: sent.counts,
      orders_per_s: Math.round(want.orders / ((done - t0) / 1000)),
      first_10pct_per_s: Math.round(firstRate),
      last_10pct_per_s: Math.round(lastRate),
      last_over_first: Number((lastRate / firstRate).toFixed(2)),
      customer_db_mb: Math.round(sizeMb),
      max_rss_mb: rss,
      data_check: check.ok ? 'ok' : `FAILED: ${check.problems.join('; ')}`,
    };
  } catch (err) {
    // Say what the process said: a service that died mid-run explains the failed request.
    if (stderr) process.stderr.write(`npm start's last output:\n${stderr}\n`);
    throw err;
  } finally {
    await stop();
    if (!ctx.keep) rmSync(dataDir, { recursive: true, force: true });
  }
}
