#!/usr/bin/env node
// `npm run bench:sync -- [--channel shopify|ebay|amazon|bigcommerce] [--orders 5000] [--page-size 250] [--skip-mysql]`
// Store sync throughput: order-ingest pulls N Shopify orders (Bob's published 2025-07 order,
// copied with their own ids and customers) from the local fake Shopify, 250 a page, each page
// one transaction through ingestBatch; measured on the embedded SQLite default and on MariaDB
// (in-process bus in both: this measures the pull, mapping and storage, not Kafka). A second
// sync of the same orders (all unchanged) is measured too. `--channel` pulls from the fake eBay
// (orders built in eBay's shape, offset pages of at most 200), Amazon (copies of its published
// 2026-01-01 example, searchOrders pages of at most 100; the fake grants a fast usage plan) or
// BigCommerce (copies of its published v2 order, plus one shipping-address call per order).
import os from 'node:os';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '5000' },
    'page-size': { type: 'string', default: '250' },
    'skip-mysql': { type: 'boolean', default: false },
    channel: { type: 'string', default: 'shopify' },
  },
});
const CHANNEL = values.channel;
if (!['shopify', 'ebay', 'amazon', 'bigcommerce'].includes(CHANNEL))
  throw new Error(`--channel must be shopify, ebay, amazon or bigcommerce, not ${CHANNEL}`);
const N = Number(values.orders);
const PAGE = Number(values['page-size']);
const SECRET = 'bench-secret-bench-secret-bench';

const { InProcessBus } = await import('@crp/messaging/in-process-bus');
const { signDevToken } = await import('@crp/platform/auth');
const { createLogger } = await import('@crp/platform/logger');
const { createMysqlDatabase, dropMysqlDatabase } = await import('@crp/platform/db');
const { FakeShopify } = await import('@crp/testing/fake-channels');
const market = await import('@crp/testing/fake-marketplaces');
const { readFixtureJson } = await import('@crp/testing/fixtures');

/** The fake channel with N orders, the environment pointing order-ingest at it, and the store to connect. */
async function fakeChannel() {
  const day = (i) => new Date(Date.UTC(2026, 0, 1) + i * 1000);
  if (CHANNEL === 'ebay') {
    const creds = {
      clientId: 'BenchApp-PRD-000001',
      clientSecret: 'PRD-bench-000000001',
      refreshToken: 'v^1.1#bench-refresh-0001',
    };
    const fake = await new market.FakeEbay(creds, Math.min(PAGE, 200)).start();
    fake.seed(
      Array.from({ length: N }, (_, i) =>
        market.ebayOrder({
          orderId: `10-${String(i).padStart(5, '0')}-00000`,
          buyer: {
            username: `buyer_${i}`,
            fullName: `Buyer ${i}`,
            email: `b${i}@members.ebay.com`,
            address: {
              addressLine1: `${i} Main St`,
              city: 'Austin',
              stateOrProvince: 'TX',
              postalCode: '78701',
              countryCode: 'US',
            },
          },
          creationDate: day(i).toISOString(),
          total: '19.99',
        }),
      ),
    );
    return {
      fake,
      env: { CHANNEL_EBAY_BASE_URL: fake.url },
      store: { channel: 'ebay', credentials: creds, settings: {} },
    };
  }
  if (CHANNEL === 'amazon') {
    const creds = {
      clientId: 'amzn1.application-oa2-client.bench000000000000000000000000001',
      clientSecret: 'amzn1.oa2-cs.v1.bench0001',
      refreshToken: 'Atzr|bench-refresh-token-0001',
    };
    const fake = await new market.FakeAmazon(creds, Math.min(PAGE, 100)).start();
    fake.rateLimits = {
      getOrders: '1000',
      getOrderBuyerInfo: '1000',
      getOrderAddress: '1000',
      searchOrders: '1000',
    };
    const sample = readFixtureJson('amazon', 'searchOrders-response-example-orders_2026-01-01.json')
      .orders[0];
    for (let i = 0; i < N; i++)
      fake.put(
        market.amazon2026Order(sample, {
          id: `100-${String(i).padStart(7, '0')}-0000000`,
          createdTime: day(i).toISOString(),
          buyer: {
            email: `b${i}@marketplace.amazon.com`,
            name: `Buyer ${i}`,
            address: {
              name: `Buyer ${i}`,
              line1: `${i} Main St`,
              city: 'Seattle',
              state: 'WA',
              postalCode: '98101',
              country: 'US',
            },
          },
        }),
      );
    return {
      fake,
      env: { CHANNEL_AMAZON_BASE_URL: fake.url, CHANNEL_AMAZON_LWA_URL: `${fake.url}/auth/o2/token` },
      store: { channel: 'amazon', credentials: creds, settings: { marketplaceIds: 'ATVPDKIKX0DER' } },
    };
  }
  if (CHANNEL === 'bigcommerce') {
    const fake = await new market.FakeBigCommerce('bench0001', 'benchbigcommercetoken000001').start();
    fake.quota = { perWindow: 1_000_000, windowMs: 30_000, otherAppsUse: 0, resetMs: 0 };
    const sample = readFixtureJson('bigcommerce', 'order-218-v2-sample.json');
    const ship = readFixtureJson('bigcommerce', 'order-shipping-address-v2-sample.json');
    for (let i = 0; i < N; i++)
      fake.put(
        market.bigCommerceOrder(sample, {
          id: 1000 + i,
          customerId: i % 2 ? 0 : 100 + i,
          email: `b${i}@example.com`,
          firstName: 'Buyer',
          lastName: String(i),
          created: day(i),
          total: '19.9900',
        }),
        [ship],
      );
    return {
      fake,
      env: {
        CHANNEL_BIGCOMMERCE_BASE_URL: `${fake.url}/stores/{storeHash}`,
        CHANNEL_BIGCOMMERCE_PAGE_SIZE: String(Math.min(PAGE, 250)),
      },
      store: {
        channel: 'bigcommerce',
        credentials: { accessToken: 'benchbigcommercetoken000001' },
        settings: { storeHash: 'bench0001' },
      },
    };
  }
  const fake = await new FakeShopify({ accessToken: 'shpat_bench_000001', pageSize: PAGE })
    .seedPublished(N - 3)
    .start();
  return {
    fake,
    env: { CHANNEL_SHOPIFY_BASE_URL: fake.url },
    store: {
      channel: 'shopify',
      credentials: { accessToken: 'shpat_bench_000001' },
      settings: { shop: 'bench' },
    },
  };
}
const { createOrderIngestService } = await import('@crp/order-ingest-service/composition-root');
const { loadConfig } = await import('@crp/order-ingest-service/config');

async function run(label, databaseUrl) {
  const channel = await fakeChannel();
  const bus = new InProcessBus();
  const svc = await createOrderIngestService(
    loadConfig({
      DATABASE_URL: databaseUrl,
      BUS: 'in-process',
      AUTH_JWT_SECRET: SECRET,
      LOG_LEVEL: 'silent',
      ...channel.env,
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
    ...channel.store,
    name: 'Bench',
    settings: { ...channel.store.settings, initialSyncFrom: '2000-01-01T00:00:00Z' },
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
  await channel.fake.stop();
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
  `channel sync bench (${CHANNEL}): ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, page size ${PAGE}\n`,
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
