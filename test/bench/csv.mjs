#!/usr/bin/env node
// The `csv` benchmark: a generated customer CSV (1,000,000 rows, about 150 MB, by default)
// imported end to end through csv-import-service until the job reports completed, on real Kafka +
// MariaDB; baseline in the same run: csv-parse alone reading the same file. Also the peak RSS of
// the csv-import-service process (sampled from /proc every 250 ms).
//
// customer-service is played by its TEST DOUBLE (services/csv-import-service/test/support/
// customer-service-double.ts, compiled here with swc): it answers every chunk through a real
// inbox/outbox on MariaDB, but keeps its customers in memory. The figures measure csv-import-service
// and the bus, not customer-service's real handler. With `--customer-service real` the real
// customer-service (its dist/main.js, from `--customer-service-root`, default this repository) runs
// as a process of its own instead, and its peak RSS is sampled too. `--dry-run` uploads the file as
// a dry run (every row answered with its would-be outcome and changes, nothing written).
//
// Each service's consumer batches per topic are printed too (where the time goes);
// BENCH_PROFILE_DIR=<dir> writes a V8 CPU profile per service, BENCH_NODE_OPTIONS passes Node flags
// to both services (e.g. '--max-old-space-size=256').
//
// `--read-seconds S` makes it a partial run, for files too large to import within a session (the
// issue's uploads of 1 GB and more: `--rows 7500000` is 1.04 GB): the upload (MB/s, the file stored
// whole, csv-import-service's peak RSS during it), then S seconds of reading (rows, bytes, RSS and
// ETA every 5 s), then the job is cancelled; no csv-parse baseline.
//
// Alone:  npm run bench:csv -- [--rows 1000000] [--dry-run] [--customer-service double|real]
//                             [--customer-service-root DIR] [--json out.json] [--keep]
//                             [--read-seconds S]
// Or:     npm run bench -- csv [--rows N] [--json]   (bench.mjs calls `csv(ctx)` below)
import { execFileSync, spawn } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  openAsBlob,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { serviceNodeFlags, serviceNodeOptions, sizeMariadb } from './lib/services.mjs';
import { cpuMeter, findPid } from './lib/machine.mjs';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..', '..');
const service = resolve(root, 'services', 'csv-import-service');
const SECRET = 'bench-secret-bench-secret-bench';
const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A customer CSV of `rows` rows: names, email, phone, a shipping address, tags, consent. */
async function generate(path, rows) {
  const out = createWriteStream(path);
  const write = (s) => (out.write(s) ? null : new Promise((r) => out.once('drain', r)));
  await write(
    'First Name,Last Name,Email,Phone,Company,Shipping Address Street 1,Shipping Address City,Shipping Address Postal Code,Shipping Address Country,Tags,Email Consent\r\n',
  );
  const cities = ['London', 'Paris', 'Berlin', 'Madrid', 'Rome', 'Lisbon', 'Dublin', 'Vienna'];
  let buf = '';
  for (let i = 1; i <= rows; i++) {
    const city = cities[i % cities.length];
    buf += `Customer${i},Family${i % 9973},customer${i}@example.com,+44 20 7946 ${String(i % 10000).padStart(4, '0')},Company ${i % 5000} Ltd,${i % 999} High Street,${city},AB${i % 100} ${i % 10}CD,GB,"vip, wave-${i % 7}",${i % 3 ? 'yes' : 'no'}\r\n`;
    if (buf.length > 1 << 20) {
      await write(buf);
      buf = '';
    }
  }
  await write(buf);
  await new Promise((r) => out.end(r));
}

async function csvParseAlone(path) {
  const require = createRequire(join(service, 'package.json'));
  const { parse } = require('csv-parse');
  const { createReadStream } = await import('node:fs');
  const t = performance.now();
  let n = 0;
  for await (const _ of createReadStream(path, { highWaterMark: 256 * 1024 }).pipe(parse({ delimiter: ',' })))
    n++;
  return { rows: n - 1, seconds: (performance.now() - t) / 1000 };
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** Per topic: batches handled, mean events per batch, mean and total seconds per batch (its metrics). */
async function consumerBatches(base) {
  const text = await fetch(`${base}/metrics`).then(
    (r) => r.text(),
    () => '',
  );
  const out = {};
  for (const m of text.matchAll(
    /^consumer_batch_(seconds|size)_(sum|count)\{[^}]*topic="([^"]+)"[^}]*\} (\S+)$/gm,
  )) {
    const [, what, agg, topic, value] = m;
    const t = topic.replace(/^csvbench_[^.]+\./, '');
    out[t] ??= {};
    out[t][`${what}_${agg}`] = Number(value);
  }
  return Object.fromEntries(
    Object.entries(out).map(([topic, h]) => [
      topic,
      {
        batches: h.seconds_count ?? 0,
        meanEvents: h.size_count ? Math.round((h.size_sum / h.size_count) * 10) / 10 : null,
        meanSeconds: h.seconds_count ? Math.round((h.seconds_sum / h.seconds_count) * 1000) / 1000 : null,
        totalSeconds: Math.round((h.seconds_sum ?? 0) * 10) / 10,
      },
    ]),
  );
}

function rssOf(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The customer-service test double, compiled from its TypeScript source with swc. */
async function loadDouble() {
  const require = createRequire(join(root, 'package.json'));
  const swc = require('@swc/core');
  const src = join(service, 'test', 'support', 'customer-service-double.ts');
  const outDir = join(service, 'test', 'support', '.bench');
  mkdirSync(outDir, { recursive: true });
  const { code } = swc.transformFileSync(src, {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  const out = join(outDir, 'customer-service-double.cjs');
  writeFileSync(out, code);
  return createRequire(out)(out).CustomerServiceDouble;
}

export async function csvBench({
  rows = 1_000_000,
  keep = false,
  dryRun = false,
  customerService = 'double',
  customerServiceRoot = root,
  readSeconds = null,
  log = (s) => process.stderr.write(`${s}\n`),
} = {}) {
  if (!['double', 'real'].includes(customerService)) throw new Error('--customer-service: double or real');
  const customerMain = join(customerServiceRoot, 'services', 'customer-service', 'dist', 'main.js');
  if (customerService === 'real' && !existsSync(customerMain))
    throw new Error(`build first: ${customerMain}`);
  if (!process.env.KAFKA_BROKERS || !process.env.MYSQL_URL) {
    execFileSync('bash', [resolve(root, 'infra/local/up.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  if (!existsSync(join(service, 'dist', 'main.js'))) throw new Error('build first: npm run build');
  const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
  const mysqlBase = (process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/+$/, '');
  const mariadb = await sizeMariadb(mysqlBase, log);
  // Not `bench_…`: other benchmarks clean up their databases by that prefix.
  const tag = `csvbench_${Date.now().toString(36)}`;
  const dir = join(os.tmpdir(), tag);
  mkdirSync(join(dir, 'uploads'), { recursive: true });
  const file = join(dir, 'customers.csv');

  log(`generating ${fmt(rows)} customer rows …`);
  await generate(file, rows);
  const bytes = statSync(file).size;
  log(`  ${(bytes / 1e6).toFixed(1)} MB`);

  // A partial run (--read-seconds) measures the upload and the first stretch of reading: the
  // baseline's whole pass over a large file would take longer than the run itself.
  let alone = null;
  if (readSeconds === null) {
    log('baseline: csv-parse alone on the same file …');
    alone = await csvParseAlone(file);
  }

  const { createMysqlDatabase, dropMysqlDatabase } = await import('@crp/platform/db');
  const { KafkaBus } = await import('@crp/messaging/kafka-bus');
  const { createLogger } = await import('@crp/platform/logger');
  const { signDevToken } = await import('@crp/platform/auth');
  const ownDb = `${mysqlBase}/${tag}_imp`;
  const doubleDb = `${mysqlBase}/${tag}_cus`;
  await createMysqlDatabase(ownDb);
  await createMysqlDatabase(doubleDb);
  const prefix = `${tag}.`;
  const silent = createLogger('bench', 'silent');
  let double = null;
  let bus = null;
  let customerChild = null;
  let customerUrl = null;
  if (customerService === 'double') {
    const CustomerServiceDouble = await loadDouble();
    bus = new KafkaBus({
      brokers: brokers.split(','),
      clientId: 'bench-customer-double',
      topicPrefix: prefix,
      logger: silent,
    });
    double = new CustomerServiceDouble({ bus, logger: silent, databaseUrl: doubleDb, maxBatch: 100 });
    await double.start();
  } else {
    const customerPort = await freePort();
    customerUrl = `http://127.0.0.1:${customerPort}`;
    customerChild = spawn(process.execPath, [...serviceNodeFlags('customer-service'), customerMain], {
      cwd: customerServiceRoot,
      env: {
        ...process.env,
        PORT: String(customerPort),
        DATABASE_URL: doubleDb,
        BUS: 'kafka',
        KAFKA_BROKERS: brokers,
        KAFKA_TOPIC_PREFIX: prefix,
        AUTH_JWT_SECRET: SECRET,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }

  const port = await freePort();
  const child = spawn(
    process.execPath,
    [...serviceNodeFlags('csv-import-service'), join(service, 'dist', 'main.js')],
    {
      env: {
        ...process.env,
        PORT: String(port),
        DATABASE_URL: ownDb,
        BUS: 'kafka',
        KAFKA_BROKERS: brokers,
        KAFKA_TOPIC_PREFIX: prefix,
        AUTH_JWT_SECRET: SECRET,
        LOG_LEVEL: 'warn',
        CSV_IMPORT_DIR: join(dir, 'uploads'),
        CSV_IMPORT_POLL_MS: '100',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  let peakRss = 0;
  let peakBenchRss = 0;
  let peakCustomerRss = 0;
  /** csv-import-service's peak RSS since the last phase began (upload, then reading). */
  let phasePeakRss = 0;
  const sampler = setInterval(() => {
    const rss = rssOf(child.pid);
    peakRss = Math.max(peakRss, rss);
    phasePeakRss = Math.max(phasePeakRss, rss);
    peakBenchRss = Math.max(peakBenchRss, process.memoryUsage().rss);
    if (customerChild) peakCustomerRss = Math.max(peakCustomerRss, rssOf(customerChild.pid));
  }, 250);
  try {
    for (const [name, base] of [
      ['csv-import-service', url],
      ...(customerUrl ? [['customer-service', customerUrl]] : []),
    ]) {
      for (let i = 0; ; i++) {
        const ok = await fetch(`${base}/readyz`).then(
          (r) => r.status === 200,
          () => false,
        );
        if (ok) break;
        if (i > 600) throw new Error(`${name} did not become ready`);
        await sleep(100);
      }
    }
    const idleRss = rssOf(child.pid);
    const customerIdleRss = customerChild ? rssOf(customerChild.pid) : 0;
    const token = await signDevToken(SECRET, { accountId: 'bench', role: 'admin' });
    const auth = { Authorization: `Bearer ${token}` };
    log(
      `importing${dryRun ? ' (dry run)' : ''} through csv-import-service (pid ${child.pid}), ${
        customerChild
          ? `the real customer-service (pid ${customerChild.pid})`
          : 'customer-service played by its test double'
      } …`,
    );
    const form = new FormData();
    form.append('kind', 'customers');
    if (dryRun) form.append('dryRun', 'true');
    form.append('file', await openAsBlob(file), 'customers.csv');
    // Where the CPU went: each process's CPU seconds from upload to completion (the double runs in
    // this process, so it is counted as the bench's).
    const cpu = cpuMeter({
      'csv-import-service': child.pid,
      ...(customerChild ? { 'customer-service': customerChild.pid } : { 'bench-with-double': process.pid }),
      mariadb: findPid('mariadbd'),
      kafka: findPid('kafka.Kafka'),
    });
    phasePeakRss = rssOf(child.pid);
    const t0 = performance.now();
    const res = await fetch(`${url}/v1/imports`, { method: 'POST', body: form, headers: auth });
    const tUploaded = performance.now();
    const uploadPeakRss = phasePeakRss;
    phasePeakRss = 0;
    if (res.status !== 202) throw new Error(`upload refused: ${res.status} ${await res.text()}`);
    const { jobId } = await res.json();
    let job;
    let lastLog = 0;
    /** --read-seconds: RSS and progress sampled while the job reads, then the job is cancelled. */
    const reading = [];
    let cancelled = false;
    for (;;) {
      await sleep(250);
      job = await (await fetch(`${url}/v1/imports/${jobId}`, { headers: auth })).json();
      if (['completed', 'failed', 'cancelled'].includes(job.status)) break;
      if (readSeconds !== null) {
        const at = (performance.now() - tUploaded) / 1000;
        const last = reading[reading.length - 1];
        if (!last || at - last.seconds >= 5)
          reading.push({
            seconds: Math.round(at),
            rows: job.processedRows,
            bytesRead: job.progress.bytes,
            rssMb: Math.round(rssOf(child.pid) / 1e6),
            etaSeconds: job.progress.etaSeconds,
          });
        if (at >= readSeconds && !cancelled) {
          cancelled = true;
          const c = await fetch(`${url}/v1/imports/${jobId}/cancel`, { method: 'POST', headers: auth });
          if (!c.ok) throw new Error(`cancel refused: ${c.status} ${await c.text()}`);
        }
      }
      if (performance.now() - lastLog > 5000) {
        lastLog = performance.now();
        log(
          `  ${fmt(job.processedRows)} rows, ${job.progress.rowsPerSecond ?? '–'} rows/s, RSS ${(rssOf(child.pid) / 1e6).toFixed(0)} MB${
            customerChild ? `, customer-service RSS ${(rssOf(customerChild.pid) / 1e6).toFixed(0)} MB` : ''
          }`,
        );
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpuSeconds = cpu.stop();
    // Where the time went: each service's consumer batches per topic (count, mean size, mean seconds).
    const consumers = { csvImportService: await consumerBatches(url) };
    if (customerUrl) consumers.customerService = await consumerBatches(customerUrl);
    if (job.status !== (cancelled ? 'cancelled' : 'completed'))
      throw new Error(`job ${job.status}: ${job.error}`);
    const upload = {
      bytes: job.fileSize,
      stored: job.fileSize === bytes,
      seconds: (tUploaded - t0) / 1000,
      mbPerSecond: Math.round(bytes / 1e6 / ((tUploaded - t0) / 1000)),
      csvImportServicePeakMb: Math.round(uploadPeakRss / 1e6),
    };
    if (!upload.stored) throw new Error(`the job holds ${job.fileSize} bytes of the ${bytes} uploaded`);
    const about = {
      machine: machineOf(),
      serviceNodeOptions: serviceNodeOptions(),
      rows,
      fileBytes: bytes,
      dryRun,
      upload,
    };
    if (cancelled) {
      return {
        scenario: 'csv-partial',
        ...about,
        reading: {
          seconds: readSeconds,
          samples: reading,
          csvImportServicePeakMb: Math.round(phasePeakRss / 1e6),
          estimatedTotalRows: job.progress.estimatedTotalRows,
        },
        rss: { csvImportServiceIdleMb: Math.round(idleRss / 1e6) },
        finalStatus: job.status,
      };
    }
    return {
      scenario: 'csv',
      ...about,
      customerService: customerChild
        ? `real (${customerMain})`
        : 'test double (in memory; real inbox/outbox on MariaDB)',
      // A --read-seconds run whose job ended before the time was up has no baseline.
      baseline: alone
        ? { csvParseAloneRowsPerSecond: Math.round(alone.rows / alone.seconds), seconds: alone.seconds }
        : null,
      endToEnd: {
        seconds,
        rowsPerSecond: Math.round(rows / seconds),
        uploadSeconds: (tUploaded - t0) / 1000,
        counts: job.counts,
        processedRows: job.processedRows,
      },
      mariadb,
      cpu: cpuPerRow(cpuSeconds, rows),
      ratioToCsvParse: alone
        ? Math.round((rows / seconds / (alone.rows / alone.seconds)) * 1000) / 1000
        : null,
      consumers,
      rss: {
        csvImportServiceIdleMb: Math.round(idleRss / 1e6),
        csvImportServicePeakMb: Math.round(peakRss / 1e6),
        benchProcessWithDoublePeakMb: Math.round(peakBenchRss / 1e6),
        ...(customerChild
          ? {
              customerServiceIdleMb: Math.round(customerIdleRss / 1e6),
              customerServicePeakMb: Math.round(peakCustomerRss / 1e6),
            }
          : {}),
      },
    };
  } finally {
    clearInterval(sampler);
    for (const c of [child, customerChild]) {
      if (!c) continue;
      c.kill('SIGTERM');
      await new Promise((r) => (c.exitCode !== null ? r() : c.once('exit', r)));
    }
    await double?.stop();
    await bus?.close();
    await dropMysqlDatabase(ownDb).catch(() => undefined);
    await dropMysqlDatabase(doubleDb).catch(() => undefined);
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

function machineOf() {
  return {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
}

/** The scenario entry point of `npm run bench -- csv`: flat figures; a wrong count fails the run. */
export async function csv(ctx) {
  const rows = ctx.rows ?? 1_000_000;
  const r = await csvBench({ rows, keep: ctx.keep, log: (s) => ctx.report.note(s.trim()) });
  const expected = { created: rows, updated: 0, unchanged: 0, rejected: 0 };
  if (JSON.stringify(r.endToEnd.counts) !== JSON.stringify(expected)) {
    throw new Error(`csv: counts ${JSON.stringify(r.endToEnd.counts)}, expected ${JSON.stringify(expected)}`);
  }
  return {
    rows,
    fileMb: Math.round(r.fileBytes / 1e5) / 10,
    csvParseAloneRowsPerSecond: r.baseline.csvParseAloneRowsPerSecond,
    endToEndRowsPerSecond: r.endToEnd.rowsPerSecond,
    endToEndSeconds: Math.round(r.endToEnd.seconds * 10) / 10,
    uploadSeconds: Math.round(r.endToEnd.uploadSeconds * 10) / 10,
    ratioToCsvParse: r.ratioToCsvParse,
    csvImportServiceRssIdleMb: r.rss.csvImportServiceIdleMb,
    csvImportServiceRssPeakMb: r.rss.csvImportServicePeakMb,
    benchProcessWithDoubleRssPeakMb: r.rss.benchProcessWithDoublePeakMb,
    cpuUsPerRow: r.cpu.usPerRow,
    cpuBudgetUsPerRowAt20k: r.cpu.budgetUsPerRowAt20k,
    cpuCoresBusy: r.cpu.coresBusy,
    customerService: r.customerService,
  };
}

/**
 * CPU seconds per process and per row (µs), against the budget the 20,000 rows/s target leaves on
 * this machine: every core for 1/20,000 s per row.
 */
function cpuPerRow(meter, rows) {
  const { wall_s: wall, ...processes } = meter;
  const seconds = Object.fromEntries(
    Object.entries(processes).map(([k, v]) => [k.replace(/_cpu_s$/, ''), v]),
  );
  const total = Object.values(seconds).reduce((a, b) => a + b, 0);
  return {
    seconds,
    totalSeconds: Number(total.toFixed(1)),
    usPerRow: Math.round((total / rows) * 1e6),
    budgetUsPerRowAt20k: Math.round((os.cpus().length / 20_000) * 1e6),
    coresBusy: Number((total / wall).toFixed(2)),
  };
}

export function printCsvBench(r) {
  if (r.scenario === 'csv-partial') return printPartial(r);
  console.log(
    `\ncsv import benchmark — ${r.machine.cpus} cores (${r.machine.model}), ${r.machine.memoryGb} GB, Node ${r.machine.node}`,
  );
  console.log(`services' Node flags      ${r.serviceNodeOptions || '(none: default heap)'}`);
  console.log(`file                     ${fmt(r.rows)} customer rows, ${(r.fileBytes / 1e6).toFixed(1)} MB`);
  if (r.baseline)
    console.log(`baseline: csv-parse alone ${fmt(r.baseline.csvParseAloneRowsPerSecond)} rows/s`);
  console.log(
    `end to end (upload → completed) ${fmt(r.endToEnd.rowsPerSecond)} rows/s in ${fmt(r.endToEnd.seconds, 1)} s (upload ${fmt(r.endToEnd.uploadSeconds, 1)} s)`,
  );
  console.log(`  counts ${JSON.stringify(r.endToEnd.counts)}`);
  if (r.ratioToCsvParse !== null) console.log(`  ratio to csv-parse alone ${r.ratioToCsvParse}`);
  console.log(
    `csv-import-service RSS   idle ${r.rss.csvImportServiceIdleMb} MB, peak ${r.rss.csvImportServicePeakMb} MB`,
  );
  console.log(
    `customer-service         ${r.customerService}${
      r.rss.customerServicePeakMb !== undefined
        ? `: RSS idle ${r.rss.customerServiceIdleMb} MB, peak ${r.rss.customerServicePeakMb} MB`
        : ''
    }; bench process peak RSS ${r.rss.benchProcessWithDoublePeakMb} MB${r.dryRun ? ' (dry run)' : ''}`,
  );
  if (r.cpu)
    console.log(
      `CPU ${r.cpu.totalSeconds} s (${Object.entries(r.cpu.seconds)
        .map(([k, v]) => `${k} ${v}`)
        .join(
          ', ',
        )}): ${r.cpu.usPerRow} µs per row, ${r.cpu.coresBusy} cores busy; 20,000 rows/s leaves ${r.cpu.budgetUsPerRowAt20k} µs`,
    );
  for (const [k, topics] of Object.entries(r.consumers ?? {}))
    for (const [topic, c] of Object.entries(topics))
      console.log(
        `${k} consumes ${topic}: ${c.batches} batches of ${c.meanEvents} events, ${c.meanSeconds} s each, ${c.totalSeconds} s in all`,
      );
  console.log(JSON.stringify(r));
}

/** A --read-seconds run: the upload, then RSS and progress while the job reads, until cancelled. */
function printPartial(r) {
  console.log(
    `\ncsv upload and read — ${r.machine.cpus} cores (${r.machine.model}), ${r.machine.memoryGb} GB, Node ${r.machine.node}`,
  );
  console.log(`services' Node flags      ${r.serviceNodeOptions || '(none: default heap)'}`);
  console.log(`file                     ${fmt(r.rows)} customer rows, ${(r.fileBytes / 1e6).toFixed(1)} MB`);
  console.log(
    `upload                   ${fmt(r.upload.seconds, 1)} s, ${r.upload.mbPerSecond} MB/s, stored whole: ${r.upload.stored}; csv-import-service RSS idle ${r.rss.csvImportServiceIdleMb} MB, peak during upload ${r.upload.csvImportServicePeakMb} MB`,
  );
  console.log(
    `${`reading for ${r.reading.seconds} s`.padEnd(25)}csv-import-service peak RSS ${r.reading.csvImportServicePeakMb} MB; estimated total rows ${fmt(r.reading.estimatedTotalRows ?? 0)}; then cancelled (${r.finalStatus})`,
  );
  for (const s of r.reading.samples)
    console.log(
      `  ${String(s.seconds).padStart(4)} s  ${fmt(s.rows).padStart(10)} rows  ${(s.bytesRead / 1e6).toFixed(0).padStart(6)} MB read  RSS ${s.rssMb} MB  ETA ${s.etaSeconds ?? '–'} s`,
    );
  console.log(JSON.stringify(r));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '1000000' },
      json: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      'customer-service': { type: 'string', default: 'double' },
      'customer-service-root': { type: 'string' },
      'read-seconds': { type: 'string' },
    },
  });
  const result = await csvBench({
    rows: Number(values.rows),
    keep: values.keep,
    dryRun: values['dry-run'],
    customerService: values['customer-service'],
    customerServiceRoot: values['customer-service-root'] ? resolve(values['customer-service-root']) : root,
    readSeconds: values['read-seconds'] ? Number(values['read-seconds']) : null,
  });
  printCsvBench(result);
  if (values.json) writeFileSync(values.json, `${JSON.stringify(result, null, 2)}\n`);
  process.exit(0);
}
