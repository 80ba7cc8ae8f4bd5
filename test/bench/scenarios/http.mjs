// `http`: the same order stream through order-ingest's batch endpoint, end to end — order-ingest
// and customer-service as two processes on real Kafka + MariaDB. Rate = distinct orders from the
// first request to the last customer row committed and every outbox drained. Baseline in the same
// run: the straight-to-MariaDB ceiling of the ingest scenario.
import mysql from 'mysql2/promise';
import { createMysqlDatabase, dropMysqlDatabase } from '@crp/platform/db';
import {
  checkCustomerDatabase,
  countRows,
  expectationTotals,
  generateOrderStream,
} from '@crp/testing/order-stream';
import { rssSampler } from '../lib/machine.mjs';
import { createStores, postOrders } from '../lib/http-load.mjs';
import { freePort, histograms, sleep, startService } from '../lib/services.mjs';
import { ceilingRun } from './ingest.mjs';

export async function http(ctx) {
  const { N, brokers, mysqlBase, tag, report } = ctx;
  const { orders, expected } = generateOrderStream({
    orders: N,
    accounts: ctx.accounts ?? 24,
    seed: ctx.seed,
  });
  const want = expectationTotals(expected);
  report.note(
    `generated ${N.toLocaleString()} orders (${want.orders.toLocaleString()} distinct, ${want.customers.toLocaleString()} expected customers)`,
  );
  const ceiling = await ceilingRun(`${mysqlBase}/${tag}_ceiling`, orders);
  report.note(`ceiling: ${Math.round(ceiling).toLocaleString()} orders/s straight into MariaDB`);

  const prefix = `${tag}.`;
  const urls = { cust: `${mysqlBase}/${tag}_cust`, ord: `${mysqlBase}/${tag}_ord` };
  for (const u of Object.values(urls)) await createMysqlDatabase(u);
  const common = {
    BUS: 'kafka',
    KAFKA_BROKERS: brokers.join(','),
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_TOPIC_PARTITIONS: String(ctx.partitions),
    OUTBOX_POLL_MS: '20',
    CHANNEL_CREDENTIALS_KEY: 'a'.repeat(64),
  };
  const svcs = {};
  const sampler = rssSampler(() => Object.fromEntries(Object.entries(svcs).map(([k, v]) => [k, v.pid])));
  svcs['customer-service'] = await startService(
    'customer-service',
    { ...common, DATABASE_URL: urls.cust },
    { port: freePort() },
  );
  svcs['order-ingest-service'] = await startService(
    'order-ingest-service',
    { ...common, DATABASE_URL: urls.ord },
    { port: freePort() },
  );
  const ingestUrl = svcs['order-ingest-service'].url;
  const accounts = [...new Set(orders.map((o) => o.accountId))];
  const stores = await createStores(ingestUrl, accounts);

  const cust = await mysql.createConnection(urls.cust);
  const ord = await mysql.createConnection(urls.ord);
  const t0 = performance.now();
  const sent = await postOrders(ingestUrl, orders, stores, {
    batch: 1000,
    concurrency: ctx.concurrency ?? 4,
  });
  const accepted = performance.now();
  const deadline = Date.now() + Math.max(180_000, N * 5);
  for (;;) {
    const n = await countRows(cust, 'customer_orders');
    const pending =
      (await countRows(cust, 'outbox_events', 'published_at IS NULL')) +
      (await countRows(ord, 'outbox_events', 'published_at IS NULL'));
    if (n >= want.orders && pending === 0) break;
    if (Date.now() > deadline) throw new Error(`http stalled at ${n} of ${want.orders} orders`);
    await sleep(50);
  }
  const done = performance.now();
  const check = await checkCustomerDatabase(cust, expected);
  const stored = await countRows(ord, 'orders');
  if (stored !== want.orders)
    check.problems.push(`order-ingest holds ${stored} orders (expected ${want.orders})`);
  if (sent.counts.created !== want.orders)
    check.problems.push(`order-ingest answered created ${sent.counts.created} (expected ${want.orders})`);
  const h = await histograms(svcs['customer-service'].url, ['consumer_batch_size']);
  const rss = sampler.stop();
  for (const s of Object.values(svcs)) await s.stop();
  await cust.end();
  await ord.end();
  if (!ctx.keep)
    for (const u of [...Object.values(urls), `${mysqlBase}/${tag}_ceiling`]) await dropMysqlDatabase(u);
  const rate = want.orders / ((done - t0) / 1000);
  report.note(
    `accepted ${Math.round(N / ((accepted - t0) / 1000)).toLocaleString()} orders/s over HTTP; end to end ${Math.round(rate).toLocaleString()} orders/s`,
  );
  return {
    scenario: 'http',
    orders: N,
    distinct_orders: want.orders,
    requests: sent.requests,
    answered: sent.counts,
    http_accept_per_s: Math.round(N / ((accepted - t0) / 1000)),
    orders_per_s: Math.round(rate),
    ceiling_orders_per_s: Math.round(ceiling),
    ratio: Number((rate / ceiling).toFixed(3)),
    consumer_mean_batch: Math.round(h.consumer_batch_size.mean ?? 0),
    max_rss_mb: rss,
    data_check: check.problems.length === 0 && check.ok ? 'ok' : `FAILED: ${check.problems.join('; ')}`,
  };
}
