#!/usr/bin/env node
// `npm run bench -- [--orders 2000] [--concurrency 8] [--latency-samples 50]`
// The order → customer pipeline, measured in one run on this machine, with its baselines:
//   1. raw Kafka: publish + consume the same number of OrderImported-sized messages (no database)
//   2. the pipeline on real Kafka + MariaDB: HTTP accept rate, end-to-end rate, per-order latency
//   3. the same pipeline on the zero-setup default (in-process bus + SQLite)
// Figures are printed with the machine they ran on; ratios compare runs of this same invocation.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '8' },
    'latency-samples': { type: 'string', default: '50' },
    'skip-sqlite': { type: 'boolean', default: false },
  },
});
const N = Number(values.orders);
const C = Number(values.concurrency);
const SAMPLES = Number(values['latency-samples']);
const root = resolve(import.meta.dirname, '..', '..');
const SECRET = 'bench-secret-bench-secret-bench';

const { KafkaBus } = await import('@crp/messaging/kafka-bus');
const { InProcessBus } = await import('@crp/messaging/in-process-bus');
const { OrderImported } = await import('@crp/contracts/events/order-imported');
const { signDevToken } = await import('@crp/platform/auth');
const { serve } = await import('@crp/platform/lifecycle');
const { createLogger } = await import('@crp/platform/logger');
const { createMysqlDatabase, dropMysqlDatabase } = await import('@crp/platform/db');
const { createCustomerService } = await import('@crp/customer-service/composition-root');
const customerConfig = (await import('@crp/customer-service/config')).loadConfig;
const { createOrderIngestService } = await import('@crp/order-ingest-service/composition-root');
const orderConfig = (await import('@crp/order-ingest-service/config')).loadConfig;

const silent = createLogger('bench', 'silent');
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const mysqlBase = (process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/+$/, '');
if (!process.env.KAFKA_BROKERS || !process.env.MYSQL_URL) {
  execFileSync('bash', [resolve(root, 'infra/local/up.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
}
const tag = `bench_${Date.now().toString(36)}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) =>
  xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

function order(i, email) {
  return {
    orderNumber: `B-${i}`,
    orderKey: `bench-${i}`,
    orderDate: new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString(),
    customerEmail: email,
    billTo: { name: `Buyer ${i}`, phone: null },
    shipTo: {
      name: `Buyer ${i}`,
      street1: `${i} Main St`,
      city: 'Springfield',
      state: 'IL',
      postalCode: '62701',
      country: 'US',
    },
    items: [{ sku: 'SKU-1', quantity: 1, unitPrice: 10 }],
    orderTotal: 10,
  };
}

async function rawKafka() {
  const prefix = `${tag}_raw.`;
  const bus = new KafkaBus({
    brokers: brokers.split(','),
    clientId: 'bench-raw',
    topicPrefix: prefix,
    logger: silent,
  });
  await bus.ensureTopics(['OrderImported']);
  const value = JSON.stringify(OrderImported.example);
  const t0 = performance.now();
  for (let i = 0; i < N; i += 500) {
    const batch = [];
    for (let j = i; j < Math.min(N, i + 500); j++) {
      batch.push({
        topic: 'OrderImported',
        key: `bench-${j % 10}`,
        value: value.replace(OrderImported.example.eventId, randomUUID()),
      });
    }
    await bus.publish(batch);
  }
  const produced = performance.now() - t0;
  let got = 0;
  const t1 = performance.now();
  const sub = await bus.subscribe({
    groupId: `${tag}_raw_reader`,
    topics: ['OrderImported'],
    eachBatch: async (msgs, ctl) => {
      for (const m of msgs) ctl.ack(m);
      got += msgs.length;
    },
  });
  while (got < N) await sleep(5);
  const consumed = performance.now() - t1;
  await sub.stop();
  await bus.close();
  return { produceRate: N / (produced / 1000), consumeRate: N / (consumed / 1000), bytes: value.length };
}

async function pipeline(kind) {
  const real = kind === 'kafka';
  const dbs = real
    ? [`${tag}_cust`, `${tag}_ord`].map((d) => `${mysqlBase}/${d}`)
    : ['sqlite::memory:', 'sqlite::memory:'];
  if (real) for (const url of dbs) await createMysqlDatabase(url);
  const bus = real ? undefined : new InProcessBus();
  const env = (url) => ({
    DATABASE_URL: url,
    BUS: real ? 'kafka' : 'in-process',
    KAFKA_BROKERS: brokers,
    KAFKA_TOPIC_PREFIX: `${tag}_${kind}.`,
    AUTH_JWT_SECRET: SECRET,
    OUTBOX_POLL_MS: '50',
    LOG_LEVEL: 'silent',
  });
  const customers = await createCustomerService(customerConfig(env(dbs[0])), { bus, logger: silent });
  const orders = await createOrderIngestService(orderConfig(env(dbs[1])), { bus, logger: silent });
  const running = [
    await serve(customers, {
      port: 0,
      host: '127.0.0.1',
      logger: silent,
      shutdownTimeoutMs: 10000,
      exitOnShutdown: false,
    }),
    await serve(orders, {
      port: 0,
      host: '127.0.0.1',
      logger: silent,
      shutdownTimeoutMs: 10000,
      exitOnShutdown: false,
    }),
  ];
  const base = `http://127.0.0.1:${running[1].port}`;
  const tokens = await Promise.all(
    Array.from({ length: 10 }, (_, a) => signDevToken(SECRET, { accountId: `bench-${a}` })),
  );
  const post = async (i, email) => {
    const res = await fetch(`${base}/v1/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[i % 10]}` },
      body: JSON.stringify(order(i, email)),
    });
    if (res.status !== 201) throw new Error(`POST /v1/orders ${res.status}: ${await res.text()}`);
  };
  const count = async () =>
    Number((await customers.db.dataSource.query('SELECT COUNT(*) AS n FROM customers'))[0].n);

  // warm-up: consumer group joined, connections open
  await post(1_000_000, 'warmup@example.com');
  while ((await count()) < 1) await sleep(10);

  // latency: one order at a time, POST → customer row committed
  const lat = [];
  for (let s = 0; s < SAMPLES; s++) {
    const email = `lat${s}@example.com`;
    const t = performance.now();
    await post(2_000_000 + s, email);
    const sql = 'SELECT 1 FROM customers WHERE email_normalized = ?';
    while ((await customers.db.dataSource.query(sql, [email])).length === 0) await sleep(1);
    lat.push(performance.now() - t);
  }

  // throughput: N orders, C at a time, distinct buyers across 10 accounts
  const before = await count();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: C }, async () => {
      while (next < N) {
        const i = next++;
        await post(i, `buyer${i}@example.com`);
      }
    }),
  );
  const accepted = performance.now() - t0;
  while ((await count()) < before + N) await sleep(20);
  const endToEnd = performance.now() - t0;

  for (const r of running.reverse()) await r.shutdown('bench done');
  await bus?.close();
  if (real) for (const url of dbs) await dropMysqlDatabase(url);
  return {
    acceptRate: N / (accepted / 1000),
    endToEndRate: N / (endToEnd / 1000),
    p50: pct(lat, 50),
    p95: pct(lat, 95),
    max: Math.max(...lat),
  };
}

const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
console.log(
  `machine: ${os.cpus().length} × ${cpu}, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB, ${os.platform()} ${os.release()}, node ${process.version}`,
);
console.log(
  `run: ${new Date().toISOString()}  orders=${N} concurrency=${C} latency-samples=${SAMPLES}  kafka=${brokers}  mysql=${mysqlBase.replace(/\/\/[^@]*@/, '//…@')}\n`,
);

const raw = await rawKafka();
console.log(`baseline  raw Kafka (${raw.bytes}-byte OrderImported, no database)`);
console.log(`          produce ${fmt(raw.produceRate)} msg/s   consume ${fmt(raw.consumeRate)} msg/s\n`);

const kafka = await pipeline('kafka');
const line = (name, r) =>
  console.log(
    `${name}\n          HTTP accepted ${fmt(r.acceptRate)} orders/s   end-to-end ${fmt(r.endToEndRate)} orders/s\n` +
      `          latency order → customer: p50 ${fmt(r.p50, 1)} ms  p95 ${fmt(r.p95, 1)} ms  max ${fmt(r.max, 1)} ms\n`,
  );
line('pipeline  order-ingest → Kafka → customer-service, MariaDB', kafka);
let sqlite;
if (!values['skip-sqlite']) {
  sqlite = await pipeline('sqlite');
  line('pipeline  zero-setup default: in-process bus, SQLite (sql.js)', sqlite);
}
console.log('ratios (same run)');
console.log(
  `          pipeline end-to-end / raw Kafka consume:  ${fmt(kafka.endToEndRate / raw.consumeRate, 3)}`,
);
console.log(
  `          pipeline end-to-end / HTTP accept rate:   ${fmt(kafka.endToEndRate / kafka.acceptRate, 2)}`,
);
if (sqlite)
  console.log(
    `          Kafka+MariaDB / in-process+SQLite (e2e):  ${fmt(kafka.endToEndRate / sqlite.endToEndRate, 2)}`,
  );
process.exit(0);
