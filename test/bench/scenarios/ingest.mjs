// `ingest`: N OrderImported events produced to Kafka → customers committed and CustomerUpserted
// published by customer-service (its own process, real Kafka + MariaDB). Baseline in the same
// run: the same customer and order rows written straight into MariaDB as batched multi-row
// INSERT … ON DUPLICATE KEY UPDATE through mysql2 (the ceiling). Then the latency at an offered
// load of 5,000 orders/s, measured as order produced → its CustomerUpserted consumed.
import { createMysqlDatabase, dropMysqlDatabase } from '@crp/platform/db';
import { KafkaBus } from '@crp/messaging/kafka-bus';
import { createLogger } from '@crp/platform/logger';
import mysql from 'mysql2/promise';
import {
  checkCustomerDatabase as checkCustomers,
  countRows,
  expectationTotals as totals,
  generateOrderStream as generate,
  orderImportedJson,
} from '@crp/testing/order-stream';
import { cpuMeter, findPid, rssSampler, writtenBytes } from '../lib/machine.mjs';
import { pct } from '../lib/report.mjs';
import { consumedEvents, freePort, histograms, sleep, startService } from '../lib/services.mjs';

const silent = createLogger('bench', 'silent');

export async function ingest(ctx) {
  const { N, brokers, mysqlBase, tag, report } = ctx;
  const { orders, expected } = generate({ orders: N, accounts: ctx.accounts ?? 24, seed: ctx.seed });
  const want = totals(expected);
  report.note(
    `generated ${N.toLocaleString()} orders (${want.orders.toLocaleString()} distinct, ${want.customers.toLocaleString()} expected customers, ${want.identities.toLocaleString()} identities) over ${Object.keys(expected).length} accounts`,
  );

  // 1. Ceiling: the same rows straight into MariaDB.
  const ceiling = await ceilingRun(`${mysqlBase}/${tag}_ceiling`, orders);
  report.note(`ceiling: ${Math.round(ceiling).toLocaleString()} orders/s straight into MariaDB`);

  // 2. The pipeline: events produced first, then customer-service consumes them all.
  const dbUrl = `${mysqlBase}/${tag}_cust`;
  await createMysqlDatabase(dbUrl);
  const prefix = `${tag}.`;
  const bus = new KafkaBus({
    brokers,
    clientId: 'bench',
    topicPrefix: prefix,
    logger: silent,
    partitions: ctx.partitions,
  });
  await bus.ensureTopics(['OrderImported', 'CustomerUpserted', 'OrderImported.DLT']);
  const tp = performance.now();
  for (let i = 0; i < orders.length; i += 2000) {
    await bus.publish(
      orders
        .slice(i, i + 2000)
        .map((o) => ({ topic: 'OrderImported', key: o.accountId, value: orderImportedJson(o) })),
    );
  }
  const produceRate = orders.length / ((performance.now() - tp) / 1000);
  report.note(
    `produced ${orders.length.toLocaleString()} events at ${Math.round(produceRate).toLocaleString()}/s`,
  );

  const env = {
    DATABASE_URL: dbUrl,
    BUS: 'kafka',
    KAFKA_BROKERS: brokers.join(','),
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_TOPIC_PARTITIONS: String(ctx.partitions),
    OUTBOX_POLL_MS: '20',
    ...(ctx.serviceEnv ?? {}),
  };
  let svc = null;
  const sampler = rssSampler(() => (svc ? { 'customer-service': svc.pid } : {}));
  const startedAt = performance.now();
  svc = await startService('customer-service', env, { port: freePort() });
  const conn = await mysql.createConnection(dbUrl);
  const cpu = cpuMeter({
    'customer-service': svc.pid,
    mariadb: findPid('mariadbd'),
    kafka: findPid('kafka.Kafka'),
  });
  const written0 = writtenBytes(svc.pid);
  let first = null;
  let done = null;
  const deadline = Date.now() + Math.max(120_000, N * 5);
  for (;;) {
    // The service's consumed-events counter is read while it works: a COUNT(*) of the history
    // every 25 ms cost MariaDB 7 s of CPU in a 37 s run of 100,000 orders, time taken from the
    // pipeline it measures. The tables are counted once every event is consumed.
    const consumed = await consumedEvents(svc.url, 'OrderImported');
    const now = performance.now();
    if (first === null && consumed > 0) first = now;
    if (consumed < orders.length) {
      if (Date.now() > deadline) throw new Error(`ingest stalled at ${consumed} of ${orders.length} events`);
      await sleep(consumed > 0 ? 25 : 100);
      continue;
    }
    const n = await countRows(conn, 'customer_orders');
    const pending = await countRows(conn, 'outbox_events', 'published_at IS NULL');
    if (n >= want.orders && pending === 0) {
      done = now;
      break;
    }
    if (Date.now() > deadline) throw new Error(`ingest stalled at ${n} of ${want.orders} orders`);
    await sleep(n > 0 ? 25 : 100);
  }
  const rate = want.orders / ((done - first) / 1000);
  const cpuUse = cpu.stop();
  const bytes = await byteFigures(conn, written0, writtenBytes(svc.pid), want.orders);
  const h = await histograms(svc.url, [
    'consumer_batch_size',
    'consumer_batch_seconds',
    'link_orders_phase_seconds',
  ]);
  const batches = {
    count: h.consumer_batch_size.count,
    mean_events: Math.round(h.consumer_batch_size.mean ?? 0),
    mean_ms: Math.round((h.consumer_batch_seconds.mean ?? 0) * 1000),
  };
  const phases = await phaseMeans(svc.url);
  const check = await checkCustomers(conn, expected);
  report.note(
    `pipeline: ${Math.round(rate).toLocaleString()} orders/s (first commit → last order committed and every CustomerUpserted published); service ready after ${Math.round(first - startedAt)} ms; data check ${check.ok ? 'ok' : 'FAILED'}`,
  );

  // 3. Latency at an offered load: fresh orders for fresh accounts, paced, while the service runs.
  const latency = await latencyRun({
    bus,
    conn,
    offered: ctx.offered ?? 5000,
    seconds: ctx.latencySeconds ?? 10,
    seed: ctx.seed + 1,
  });
  const rss = sampler.stop();
  await conn.end();
  await svc.stop();
  svc = null;
  await bus.close();
  if (!ctx.keep) {
    await dropMysqlDatabase(dbUrl);
    await dropMysqlDatabase(`${mysqlBase}/${tag}_ceiling`);
  }
  return {
    scenario: 'ingest',
    orders: N,
    distinct_orders: want.orders,
    customers: want.customers,
    produce_per_s: Math.round(produceRate),
    orders_per_s: Math.round(rate),
    ceiling_orders_per_s: Math.round(ceiling),
    ratio: Number((rate / ceiling).toFixed(3)),
    batches,
    cpu: cpuUse,
    link_phase_ms: phases,
    bytes,
    offered_per_s: latency.offered,
    achieved_per_s: latency.achieved,
    p50_ms: latency.p50,
    p99_ms: latency.p99,
    latency_samples: latency.samples,
    max_rss_mb: rss,
    data_check: check.ok ? 'ok' : `FAILED: ${check.problems.join('; ')}`,
  };
}

/** The same customer and order rows, straight into MariaDB: multi-row upserts, one commit per 1,000 orders. */
export async function ceilingRun(url, orders) {
  await createMysqlDatabase(url);
  const conn = await mysql.createConnection(url);
  await conn.query(`CREATE TABLE customers (
      account_id VARCHAR(64) NOT NULL, customer_key VARCHAR(190) NOT NULL, name VARCHAR(190), email VARCHAR(190),
      phone VARCHAR(64), shipping_address TEXT, order_count INT NOT NULL, total_spent DECIMAL(14,2) NOT NULL,
      updated_at DATETIME(3) NOT NULL, PRIMARY KEY (account_id, customer_key)) CHARACTER SET utf8mb4`);
  await conn.query(`CREATE TABLE customer_orders (
      account_id VARCHAR(64) NOT NULL, store_id VARCHAR(64) NOT NULL, store_order_id VARCHAR(190) NOT NULL,
      customer_key VARCHAR(190) NOT NULL, order_date DATETIME(3) NOT NULL, total DECIMAL(14,2) NOT NULL,
      PRIMARY KEY (account_id, store_id, store_order_id)) CHARACTER SET utf8mb4`);
  const t = performance.now();
  for (let i = 0; i < orders.length; i += 1000) {
    const batch = orders.slice(i, i + 1000);
    await conn.beginTransaction();
    await conn.query(
      `INSERT INTO customers VALUES ${batch.map(() => '(?,?,?,?,?,?,1,?,NOW(3))').join(',')}
         ON DUPLICATE KEY UPDATE name = VALUES(name), email = VALUES(email), phone = VALUES(phone),
           shipping_address = VALUES(shipping_address), order_count = order_count + 1,
           total_spent = total_spent + VALUES(total_spent), updated_at = VALUES(updated_at)`,
      batch.flatMap((o) => [
        o.accountId,
        o.email,
        o.name,
        o.email,
        o.phone,
        JSON.stringify(o.address),
        o.total,
      ]),
    );
    await conn.query(
      `INSERT INTO customer_orders VALUES ${batch.map(() => '(?,?,?,?,?,?)').join(',')}
         ON DUPLICATE KEY UPDATE total = VALUES(total)`,
      batch.flatMap((o) => [o.accountId, o.storeId, o.storeOrderId, o.email, new Date(o.orderDate), o.total]),
    );
    await conn.commit();
  }
  const rate = orders.length / ((performance.now() - t) / 1000);
  await conn.end();
  return rate;
}

async function latencyRun({ bus, conn, offered, seconds, seed }) {
  const n = offered * seconds;
  const { orders } = generate({ orders: n, accounts: 24, seed, prefix: 'lat', resendRate: 0 });
  const sentAt = new Map();
  const samples = [];
  const sub = await bus.subscribe({
    groupId: `latency-${Date.now()}`,
    topics: ['CustomerUpserted'],
    fromBeginning: false,
    eachBatch: async (messages, ctl) => {
      const now = performance.now();
      for (const m of messages) {
        ctl.ack(m);
        const orderId = JSON.parse(m.value.toString()).payload.orderId;
        const t = sentAt.get(orderId);
        if (t !== undefined) samples.push(now - t);
      }
    },
  });
  await sleep(2000); // the reader joins its group
  const before = await countRows(conn, 'customer_orders');
  const start = performance.now();
  const tick = 20; // ms: 100 orders per tick at 5,000/s
  const per = Math.max(1, Math.round((offered * tick) / 1000));
  for (let i = 0; i < n; i += per) {
    const due = start + (i / offered) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const slice = orders.slice(i, i + per);
    const now = performance.now();
    for (const o of slice) sentAt.set(`ord_${o.storeOrderId}`, now);
    await bus.publish(
      slice.map((o) => ({ topic: 'OrderImported', key: o.accountId, value: orderImportedJson(o) })),
    );
  }
  const sendSeconds = (performance.now() - start) / 1000;
  const deadline = Date.now() + 60_000;
  while ((await countRows(conn, 'customer_orders')) < before + n && Date.now() < deadline) await sleep(50);
  await sleep(1500);
  await sub.stop();
  return {
    offered,
    achieved: Math.round(n / sendSeconds),
    p50: samples.length ? Math.round(pct(samples, 50)) : null,
    p99: samples.length ? Math.round(pct(samples, 99)) : null,
    samples: samples.length,
  };
}

/**
 * Where the bytes go: what customer-service wrote (to MariaDB and Kafka sockets, /proc wchar) per
 * distinct order over the pipeline run, and the mean stored size of a customer row's JSON columns
 * and of an outbox payload.
 */
async function byteFigures(conn, before, after, orders) {
  const [[c]] = await conn.query(
    `SELECT AVG(LENGTH(field_sources)) AS fs,
            AVG(COALESCE(LENGTH(shipping_address), 0) + COALESCE(LENGTH(billing_address), 0)
              + COALESCE(LENGTH(postal_address), 0) + LENGTH(tags) + LENGTH(consent)
              + COALESCE(LENGTH(consent_history), 0) + LENGTH(field_sources)) AS js
       FROM customers`,
  );
  const [[o]] = await conn.query('SELECT AVG(LENGTH(payload)) AS p FROM outbox_events');
  return {
    written_per_order: before !== null && after !== null ? Math.round((after - before) / orders) : null,
    customer_field_sources: Math.round(Number(c.fs ?? 0)),
    customer_json_columns: Math.round(Number(c.js ?? 0)),
    outbox_payload: Math.round(Number(o.p ?? 0)),
  };
}

/** Mean milliseconds per batch of each link_orders phase (load, decide, persist). */
async function phaseMeans(url) {
  const text = await fetch(`${url}/metrics`).then(
    (r) => r.text(),
    () => '',
  );
  const out = {};
  for (const phase of ['load', 'decide', 'persist']) {
    const sum = Number(
      new RegExp(`link_orders_phase_seconds_sum\\{[^}]*phase="${phase}"[^}]*\\} (\\S+)`).exec(text)?.[1] ??
        NaN,
    );
    const count = Number(
      new RegExp(`link_orders_phase_seconds_count\\{[^}]*phase="${phase}"[^}]*\\} (\\S+)`).exec(text)?.[1] ??
        NaN,
    );
    out[phase] = count ? Math.round((sum / count) * 1000) : null;
  }
  return out;
}
