#!/usr/bin/env node
// `npm run bench -- <scenario> [--orders N] [--json] [...]`: benchmark programs, not timed tests.
// Each scenario starts what it needs, runs, checks the resulting data against the generator's
// expectation (a mismatch fails the run), and prints a short table; with --json, one JSON object
// per line, the last line summing up the run. Scenarios: ingest, http, embedded, start, search,
// export and pages (issue 14: --customers N, --fresh to seed the database again), order-pages
// (order-ingest's list pages and an erasure at --orders N, default 1,000,000), outbox (the outbox's
// MariaDB cost per event, a row per event against batch rows, --orders N events), and any scenario module
// beside this file, e.g. csv.mjs.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { machine } from './lib/machine.mjs';
import { fmt, reporter } from './lib/report.mjs';
import { root, serviceNodeOptions, sizeMariadb } from './lib/services.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    orders: { type: 'string' },
    json: { type: 'boolean', default: false },
    seed: { type: 'string', default: '42' },
    partitions: { type: 'string', default: '3' },
    accounts: { type: 'string' },
    offered: { type: 'string', default: '5000' },
    'latency-seconds': { type: 'string', default: '10' },
    keep: { type: 'boolean', default: false },
    rows: { type: 'string' },
    customers: { type: 'string' },
    fresh: { type: 'boolean', default: false },
  },
});
const scenario = positionals[0] ?? 'ingest';
const report = reporter(values.json);
const DEFAULT_ORDERS = {
  ingest: 200_000,
  http: 100_000,
  embedded: 100_000,
  start: 0,
  'order-pages': 1_000_000,
  outbox: 100_000,
};

const scenarios = {
  ingest: async () => (await import('./scenarios/ingest.mjs')).ingest,
  http: async () => (await import('./scenarios/http.mjs')).http,
  embedded: async () => (await import('./scenarios/embedded.mjs')).embedded,
  start: async () => (await import('./scenarios/start.mjs')).start,
  search: async () => (await import('./scenarios/search.mjs')).search,
  export: async () => (await import('./scenarios/export.mjs')).exportScenario,
  pages: async () => (await import('./scenarios/pages.mjs')).pages,
  'order-pages': async () => (await import('./scenarios/order-pages.mjs')).orderPages,
  outbox: async () => (await import('./scenarios/outbox.mjs')).outbox,
};
for (const extra of ['csv', 'search', 'export']) {
  const file = resolve(import.meta.dirname, `${extra}.mjs`);
  if (existsSync(file)) scenarios[extra] = async () => (await import(file))[extra];
}
if (!scenarios[scenario]) {
  process.stderr.write(`unknown scenario ${scenario}; one of: ${Object.keys(scenarios).join(', ')}\n`);
  process.exit(2);
}

const needsInfra = !['embedded', 'start'].includes(scenario);
if (needsInfra && (!process.env.KAFKA_BROKERS || !process.env.MYSQL_URL)) {
  execFileSync('bash', [resolve(root, 'infra/local/up.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
}
const ctx = {
  N: Number(values.orders ?? DEFAULT_ORDERS[scenario] ?? 100_000),
  rows: values.rows ? Number(values.rows) : undefined,
  customers: values.customers ? Number(values.customers) : undefined,
  fresh: values.fresh,
  seed: Number(values.seed),
  partitions: Number(values.partitions),
  accounts: values.accounts ? Number(values.accounts) : undefined,
  offered: Number(values.offered),
  latencySeconds: Number(values['latency-seconds']),
  keep: values.keep,
  json: values.json,
  brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  mysqlBase: (process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/+$/, ''),
  tag: `bench_${Date.now().toString(36)}`,
  report,
};
const m = machine();
report.note(`scenario ${scenario} on ${m}`);
report.note(`services' Node flags: ${serviceNodeOptions() || '(none: default heap)'}`);
// csv.mjs sizes MariaDB itself (it also runs alone, as `npm run bench:csv`).
const mariadb =
  needsInfra && scenario !== 'csv' ? await sizeMariadb(ctx.mysqlBase, (s) => report.note(s)) : undefined;
const result = {
  ...(await (
    await scenarios[scenario]()
  )(ctx)),
  ...(mariadb ? { mariadb } : {}),
  machine: m,
  serviceNodeOptions: serviceNodeOptions(),
};
report.table(
  `${scenario}: results`,
  Object.entries(result).map(([k, v]) => [
    k,
    typeof v === 'number'
      ? fmt(v, Number.isInteger(v) ? 0 : 3)
      : typeof v === 'object'
        ? JSON.stringify(v)
        : String(v),
  ]),
);
report.line(result);
if (result.data_check && result.data_check !== 'ok') {
  process.stderr.write(`\n!! DATA CHECK FAILED: ${result.data_check}\n`);
  process.exit(1);
}
process.exit(0);
