#!/usr/bin/env node
// `npm start`: the whole system with no setup at all — four services in this one process, the
// in-process bus, embedded SQLite files under .data/. `npm start -- --real` runs them as four
// processes against the local Kafka and MariaDB of infra/local instead.
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { SERVICES, envKey } from './services.mjs';
import { supervise } from './supervise.mjs';

const root = resolve(import.meta.dirname, '..', '..');
const real = process.argv.includes('--real');
const { LOCAL_DEV_SECRET, signDevToken } = await import('@crp/platform/auth');
const secret = process.env.AUTH_JWT_SECRET ?? LOCAL_DEV_SECRET;
const host = process.env.HOST ?? '127.0.0.1';
// Where the embedded default keeps its SQLite files (CRP_DATA_DIR, default .data/ in the checkout).
const dataDir = resolve(process.env.CRP_DATA_DIR ?? resolve(root, '.data'));

function banner(ports, mode) {
  return signDevToken(secret, { accountId: 'acme', role: 'admin', sub: 'admin@acme' }).then((token) => {
    const lines = [
      '',
      `Customer records platform is up (${mode})`,
      ...SERVICES.map(
        (s) =>
          `  ${s.name.padEnd(24)} http://${host}:${ports[s.name]}   (/openapi.json, /healthz, /readyz, /metrics)`,
      ),
      '',
      'A token for account "acme" (admin), valid 12 h — more with: npm run token -- --account <id> --role admin|member',
      `  export TOKEN=${token}`,
      '',
      'Try:',
      `  curl -s -X POST http://${host}:${ports['order-ingest-service']}/v1/orders -H "Authorization: Bearer $TOKEN" \\`,
      `       -H 'Content-Type: application/json' -d '{"orderNumber":"1001","orderDate":"2026-11-20T10:00:00Z","customerEmail":"ada@example.com","shipTo":{"name":"Ada Lovelace","city":"London","country":"GB"}}'`,
      `  curl -s http://${host}:${ports['customer-service']}/v1/customers -H "Authorization: Bearer $TOKEN"`,
      '',
      'Ctrl-C stops everything.',
      '',
    ];
    process.stderr.write(lines.join('\n'));
  });
}

async function startInProcess() {
  const { InProcessBus } = await import('@crp/messaging/in-process-bus');
  const { serve } = await import('@crp/platform/lifecycle');
  const { createLogger } = await import('@crp/platform/logger');
  const bus = new InProcessBus();
  const running = [];
  const ports = {};
  for (const s of SERVICES) {
    const { loadConfig } = await import(`@crp/${s.name}/config`);
    const composition = await import(`@crp/${s.name}/composition-root`);
    const config = loadConfig({
      ...process.env,
      BUS: 'in-process',
      AUTH_JWT_SECRET: secret,
      PORT: process.env[envKey(s, 'PORT')] ?? String(s.port),
      DATABASE_URL:
        process.env[envKey(s, 'DATABASE_URL')] ?? `sqlite:${resolve(dataDir, `${s.name}.sqlite`)}`,
      // csv-import-service keeps its uploads beside the databases (other services ignore it).
      CSV_IMPORT_DIR: process.env.CSV_IMPORT_DIR ?? resolve(dataDir, 'csv-imports'),
    });
    const logger = createLogger(s.name, config.LOG_LEVEL);
    const handle = await composition[s.factory](config, { bus, logger });
    const r = await serve(handle, {
      port: config.PORT,
      host,
      logger,
      shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
      maxHeaderBytes: config.HTTP_MAX_HEADER_BYTES,
      exitOnShutdown: false,
    });
    running.push(r);
    ports[s.name] = r.port;
  }
  const stop = async (sig) => {
    process.stderr.write(`\n${sig}: stopping…\n`);
    for (const r of running.reverse()) await r.shutdown(sig);
    await bus.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  await banner(ports, `one process, in-process bus, SQLite files in ${dataDir}`);
}

async function startReal() {
  const up = spawnSync('bash', [resolve(root, 'infra/local/up.sh')], { stdio: 'inherit' });
  if (up.status !== 0) process.exit(up.status ?? 1);
  const ports = {};
  const log = (line) => process.stderr.write(`[start] ${line}\n`);
  // Each service runs under a supervisor: when one dies the others keep serving and it is
  // restarted with a growing pause (issue 20 finding 4).
  const supervised = SERVICES.map((s) => {
    ports[s.name] = Number(process.env[envKey(s, 'PORT')] ?? s.port);
    return supervise(
      s.name,
      () =>
        spawn(process.execPath, [resolve(root, 'services', s.name, 'dist', 'main.js')], {
          stdio: ['ignore', 'inherit', 'inherit'],
          env: {
            ...process.env,
            BUS: 'kafka',
            KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
            AUTH_JWT_SECRET: secret,
            PORT: String(ports[s.name]),
            DATABASE_URL: process.env[envKey(s, 'DATABASE_URL')] ?? `mysql://root@127.0.0.1:3306/${s.db}`,
          },
        }),
      { log },
    );
  });
  let stopping;
  const stop = (why, code = 0) => {
    stopping ??= (async () => {
      log(`${why}: stopping the services`);
      await Promise.all(supervised.map((s) => s.stop('SIGTERM')));
      process.exit(code);
    })();
    return stopping;
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  // Wait until every service answers /readyz before printing where they are.
  const deadline = Date.now() + 60000;
  for (const s of SERVICES) {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${ports[s.name]}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) {
        process.stderr.write(`${s.name} not ready after 60 s\n`);
        await stop('timeout', 1);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  await banner(ports, 'four processes, Kafka on 127.0.0.1:9092, MariaDB on 127.0.0.1:3306');
}

await (real ? startReal() : startInProcess());
