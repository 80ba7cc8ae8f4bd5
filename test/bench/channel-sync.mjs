#!/usr/bin/env node
// `npm run bench:sync -- [--orders 5000] [--page-size 250] [--skip-mysql]`
// Store sync throughput: order-ingest pulls N Shopify orders (Bob's published 2025-07 order,
// copied with their own ids and customers) from the local fake Shopify, 250 a page, each page
// one transaction through ingestBatch; measured on the embedded SQLite default and on MariaDB
// (in-process bus in both: this measures the pull, mapping and storage, not Kafka). A second
// sync of the same orders (all unchanged) is measured too.
import os from 'node:os';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '5000' },
    'page-size': { type: 'string', default: '250' },
    'skip-mysql': { type: 'boolean', default: false },
  },
});
const N = Number(values.orders);
const PAGE = Number(values['page-size']);
const SECRET = 'bench-secret-bench-secret-bench';

const { InProcessBus } = await import('@crp/messaging/in-process-bus');
const { signDevToken } = await import('@crp/platform/auth');
const { createLogger } = await import('@crp/platform/logger');
const { createMysqlDatabase, dropMysqlDatabase } = await import('@crp/platform/db');
const { FakeShopify } = await import('@crp/testing/fake-channels');
const { createOrderIngestService } = await import('@crp/order-ingest-service/composition-root');
const { loadConfig } = await import('@crp/order-ingest-service/config');

async function run(label, databaseUrl) {
  const shop = await new FakeShopify({ accessToken: 'shpat_bench_000001', pageSize: PAGE })
    .seedPublished(N - 3)
    .start();
  const bus = new InProcessBus();
  const svc = await createOrderIngestService(
    loadConfig({
      DATABASE_URL: databaseUrl,
      BUS: 'in-process',
      AUTH_JWT_SECRET: SECRET,
      LOG_LEVEL: 'silent',
      CHANNEL_SHOPIFY_BASE_URL: shop.url,
      SYNC_SCHEDULER_TICK_MS: '0',
      // the second sync reads every order again (all unchanged): the re-read cost of an overlap
      SYNC_OVERLAP_MS: String(100 * 365 * 86_400_000),
    }),
    { bus, logger: createLogger('bench', 'silent') },
  );
  await svc.start();
  const token = `Bearer ${await signDevToken(SECRET, { accountId: 'bench', role: 'admin' })}`;
  const call = async (method, path, body) => {
    const res = await fetchApp(svc.app, method, path, token, body);
    return res;
  };
  const store = await call('POST', '/v1/stores', {
    channel: 'shopify',
    name: 'Bench',
    credentials: { accessToken: 'shpat_bench_000001' },
    settings: { shop: 'bench', initialSyncFrom: '2000-01-01T00:00:00Z' },
  });
  const timed = async () => {
    const t0 = process.hrtime.bigint();
    const job = await call('POST', `/v1/stores/${store.storeId}/sync`);
    let status;
    do {
      await new Promise((r) => setTimeout(r, 20));
      status = await call('GET', `/v1/stores/${store.storeId}/syncs/${job.jobId}`);
    } while (status.status === 'queued' || status.status === 'running');
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (status.status !== 'succeeded') throw new Error(`sync failed: ${status.errors.join('; ')}`);
    return { s, status };
  };
  const first = await timed();
  const second = await timed();
  await svc.stop();
  await bus.close();
  await shop.stop();
  const fmt = (r) =>
    `${(N / r.s).toFixed(0)} orders/s (${N} orders, ${r.status.pages} pages, ${r.s.toFixed(2)} s; created ${r.status.counts.created}, updated ${r.status.counts.updated}, unchanged ${r.status.counts.unchanged})`;
  process.stdout.write(
    `${label.padEnd(22)} first sync:  ${fmt(first)}\n${''.padEnd(22)} second sync: ${fmt(second)}\n`,
  );
}

/** The express app in-process, without a socket per request (supertest is a dev dependency of tests). */
async function fetchApp(app, method, path, token, body) {
  const server = app.listen(0);
  await new Promise((r) => server.once('listening', r));
  try {
    const res = await fetch(`http://127.0.0.1:${server.address().port}${path}`, {
      method,
      headers: { Authorization: token, 'Content-Type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    return await res.json();
  } finally {
    server.close();
  }
}

process.stdout.write(
  `channel sync bench: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, page size ${PAGE}\n`,
);
await run('SQLite (embedded)', `sqlite:${os.tmpdir()}/crp-bench-sync-${process.pid}.db`);
if (!values['skip-mysql']) {
  const url = `${(process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/+$/, '')}/bench_sync_${process.pid}`;
  await createMysqlDatabase(url);
  try {
    await run('MariaDB', url);
  } finally {
    await dropMysqlDatabase(url);
  }
}
