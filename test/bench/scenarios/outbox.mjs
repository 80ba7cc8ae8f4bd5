// `npm run bench -- outbox [--orders N]`: the outbox's cost per event on MariaDB (ADR 0033). N
// CustomerUpserted events (default 100,000), written as a customer import writes them (transactions
// of 2,400), published by the relay after each transaction (to a bus that only counts and checks
// the order per key), then purged — once with a row per event (`batchFrom: Infinity`, the
// baseline: what the outbox did before batch rows) and once as it does now (batch rows),
// alternated over 3 rounds. Figures: MariaDB's CPU and this process's CPU per 100,000 events, and
// the wall time, each the median of the rounds; ratios are batch rows ÷ a row per event.
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import mysql from 'mysql2/promise';
import { cpuSeconds, findPid } from '../lib/machine.mjs';
import { fmt } from '../lib/report.mjs';
import { root } from '../lib/services.mjs';

const TX_EVENTS = 2400;
const ROUNDS = 3;

export async function outbox(ctx) {
  const { report } = ctx;
  const n = ctx.N;
  const require = createRequire(resolve(root, 'packages/messaging/package.json'));
  const { Outbox, OutboxRelay } = require('@crp/messaging/outbox');
  const { messagingEntities, messagingMigrations } = require('@crp/messaging/tables');
  const { openDatabase } = require('@crp/platform/db');
  const { newEvent } = require('@crp/contracts/new-event');
  const { CustomerUpserted } = require('@crp/contracts/events/customer-upserted');
  const silent = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

  const database = `${ctx.tag}_outbox`;
  const admin = await mysql.createConnection({ uri: ctx.mysqlBase });
  await admin.query(`CREATE DATABASE \`${database}\``);
  const db = await openDatabase({
    url: `${ctx.mysqlBase}/${database}`,
    entities: messagingEntities,
    migrations: messagingMigrations,
  });
  const mariadbPid = findPid('mariadbd') ?? findPid('mysqld');
  const ownCpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };

  /** Events like an import batch's: one per customer, the contract's example with its own ids. */
  const events = (from, count) =>
    Array.from({ length: count }, (_, i) => {
      const payload = structuredClone(CustomerUpserted.example.payload);
      payload.customer.customerId = `cus_bench_${from + i}`;
      payload.customer.email = `customer${from + i}@example.com`;
      payload.customer.version = 1;
      return newEvent(CustomerUpserted, { accountId: 'acme', correlationId: `corr-${from}` }, payload);
    });

  const run = async (mode) => {
    const outbox = new Outbox(mode === 'rows' ? { batchFrom: Infinity } : {});
    let published = 0;
    let disorder = 0;
    const last = new Map();
    const bus = {
      async publish(messages) {
        for (const m of messages) {
          const i = Number(m.key.slice('cus_bench_'.length));
          if ((last.get(m.key) ?? -1) >= i) disorder++;
          last.set(m.key, i);
          published++;
        }
      },
    };
    const relay = new OutboxRelay({ db, bus, outbox, logger: silent, retentionMs: 1 });
    const t0 = performance.now();
    const db0 = cpuSeconds(mariadbPid);
    const me0 = ownCpu();
    for (let from = 0; from < n; from += TX_EVENTS) {
      const batch = events(from, Math.min(TX_EVENTS, n - from));
      await db.transaction((tx) => outbox.addMany(tx, batch));
      while ((await relay.publishPending()) > 0);
    }
    const purged = await relay.purge(Date.now() + 1000);
    const rows = Number(
      (await admin.query(`SELECT COUNT(*) AS c FROM \`${database}\`.outbox_events`))[0][0].c,
    );
    await relay.stop();
    const per = 100_000 / n;
    return {
      mariadbCpu: (cpuSeconds(mariadbPid) - db0) * per,
      nodeCpu: (ownCpu() - me0) * per,
      wall: ((performance.now() - t0) / 1000) * per,
      purgedRows: purged.outbox,
      check:
        published === n && disorder === 0 && rows === 0
          ? 'ok'
          : `published ${published} of ${n}, ${disorder} out of order, ${rows} rows left`,
    };
  };

  const results = { rows: [], batch: [] };
  try {
    for (let r = 0; r < ROUNDS; r++) {
      for (const mode of ['rows', 'batch']) {
        const res = await run(mode);
        results[mode].push(res);
        report.note(
          `round ${r + 1} ${mode === 'rows' ? 'a row per event' : 'batch rows     '}: MariaDB ${fmt(res.mariadbCpu, 2)} s CPU, node ${fmt(res.nodeCpu, 2)} s CPU, ${fmt(res.wall, 2)} s wall per 100,000 events; ${fmt(res.purgedRows)} rows purged; ${res.check}`,
        );
      }
    }
  } finally {
    await db.close();
    if (!ctx.keep) await admin.query(`DROP DATABASE \`${database}\``);
    await admin.end();
  }
  const median = (list, k) => [...list.map((x) => x[k])].sort((a, b) => a - b)[Math.floor(list.length / 2)];
  const fig = (mode) => ({
    mariadbCpu: median(results[mode], 'mariadbCpu'),
    nodeCpu: median(results[mode], 'nodeCpu'),
    wall: median(results[mode], 'wall'),
  });
  const rows = fig('rows');
  const batch = fig('batch');
  const bad = [...results.rows, ...results.batch].find((x) => x.check !== 'ok');
  return {
    events: n,
    eventsPerTransaction: TX_EVENTS,
    rowPerEvent_mariadbCpuPer100k: rows.mariadbCpu,
    rowPerEvent_nodeCpuPer100k: rows.nodeCpu,
    rowPerEvent_wallPer100k: rows.wall,
    batchRows_mariadbCpuPer100k: batch.mariadbCpu,
    batchRows_nodeCpuPer100k: batch.nodeCpu,
    batchRows_wallPer100k: batch.wall,
    ratio_mariadbCpu: batch.mariadbCpu / rows.mariadbCpu,
    ratio_nodeCpu: batch.nodeCpu / rows.nodeCpu,
    ratio_wall: batch.wall / rows.wall,
    data_check: bad ? bad.check : 'ok',
  };
}
