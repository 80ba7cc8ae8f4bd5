import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import request from 'supertest';
import type { Express } from 'express';
import type { DataSource } from 'typeorm';
import { signDevToken } from '@crp/platform/auth';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { TEXT_LIMITS } from '@crp/contracts/limits';
import { createCustomerService } from '@crp/customer-service/composition-root';
import { loadConfig as customerConfig } from '@crp/customer-service/config';
import { createOrderIngestService } from '@crp/order-ingest-service/composition-root';
import { loadConfig as orderConfig } from '@crp/order-ingest-service/config';
import { createCsvImportService } from '@crp/csv-import-service/composition-root';
import { loadConfig as csvConfig } from '@crp/csv-import-service/config';
import { createTplConnectionService } from '@crp/tpl-connection-service/composition-root';
import { loadConfig as tplConfig } from '@crp/tpl-connection-service/config';
import { describeReal, freshMysqlDatabase } from '@crp/testing/real-infra';
import { testLogger } from '@crp/testing/silent-logger';

// Issue #20, "bad input": a seeded, bounded fuzz over every endpoint of the four services (read
// from each service's own OpenAPI document, so a new route is fuzzed without being listed here) on
// both stacks. Inputs: malformed JSON, wrong types, over-limit strings from the contracts' limits,
// unicode edge cases (NUL, lone surrogates, RTL overrides), huge numbers, prototype keys, SQL
// metacharacters, huge headers. Every answer must be an answer (no reset) and never a 5xx; a 4xx on
// a writing request must leave the service's tables as they were (no partial write).
// FUZZ_SEED and FUZZ_RUNS change the seed and the number of inputs per endpoint.

const SECRET = 'fuzz-secret-fuzz-secret-fuzz-secret';
const SEED = Number(process.env.FUZZ_SEED ?? 20261124);
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);

interface Target {
  name: string;
  app: Express;
  dataSource: DataSource;
  stop(): Promise<void>;
}

type Op = { method: string; path: string; params: string[]; query: string[]; hasBody: boolean };

/** Every operation of a service, from its /openapi.json. */
async function operationsOf(app: Express): Promise<Op[]> {
  const doc = (await request(app).get('/openapi.json').expect(200)).body as {
    paths: Record<
      string,
      Record<string, { parameters?: Array<{ name: string; in: string }>; requestBody?: unknown }>
    >;
  };
  const ops: Op[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const parameters = op.parameters ?? [];
      ops.push({
        method,
        path,
        params: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        query: parameters.filter((p) => p.in === 'query').map((p) => p.name),
        hasBody: op.requestBody !== undefined || ['post', 'put', 'patch'].includes(method),
      });
    }
  }
  return ops;
}

const nasty = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\u202eevil\u202c',
  '\ufeff',
  "' OR 1=1 --",
  '"; DROP TABLE customers; --',
  '%',
  '_',
  '\\',
  '../../etc/passwd',
  '%00',
  '__proto__',
  'constructor',
  '𝕏'.repeat(200),
  'x'.repeat(TEXT_LIMITS.email + 1),
  'x'.repeat(TEXT_LIMITS.note + 1),
  '1e309',
  '-1',
  'NaN',
  'null',
  '[]',
  '{}',
];

const text = fc.oneof(fc.constantFrom(...nasty), fc.string({ unit: 'binary', maxLength: 40 }), fc.string());
const hugeNumber = fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 1e12, -5, 0.001, 2 ** 31);
const scalar = fc.oneof(text, hugeNumber, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(text, fc.constantFrom('__proto__', 'constructor', 'prototype')), tie('v'), {
      maxKeys: 5,
    }),
  ),
})).v;

/** A body as raw bytes: JSON of a random value, JSON with prototype keys, or not JSON at all. */
const rawBody = fc.oneof(
  value.map((v) => JSON.stringify(v) ?? 'null'),
  value.map(
    (v) => `{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"x":1}},"v":${JSON.stringify(v) ?? 1}}`,
  ),
  fc.constantFrom(
    '{',
    '{"a":',
    '[1,2',
    '{"orderTotal":1e309}',
    '{"orderNumber":"\\ud800"}',
    `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`,
    'null',
    '"just a string"',
    '\u0000\u0001\u0002',
  ),
  fc.string({ unit: 'binary', maxLength: 200 }),
);

const requestCase = (op: Op) =>
  fc.record({
    params: fc.tuple(...op.params.map(() => text), fc.constant('')),
    query: fc.dictionary(fc.oneof(fc.constantFrom(...op.query, 'unknown', '__proto__'), text), text, {
      maxKeys: 4,
    }),
    body: rawBody,
    contentType: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'),
    hugeHeader: fc.boolean(),
  });

/** Percent-encodes anything, a lone surrogate included: as the bytes ED A0 80, not valid UTF-8. */
function encode(s: string): string {
  const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
  return encodeURIComponent(s.replace(lone, '\u0001LONE\u0001')).replaceAll('%01LONE%01', '%ED%A0%80');
}

async function tableCounts(ds: DataSource): Promise<string> {
  const counts: string[] = [];
  for (const meta of ds.entityMetadatas) {
    if (/outbox|inbox/.test(meta.tableName)) continue;
    const [row] = (await ds.query(`SELECT COUNT(*) AS n FROM ${meta.tableName}`)) as Array<{ n: number }>;
    counts.push(`${meta.tableName}=${Number(row!.n)}`);
  }
  return counts.join(' ');
}

async function fuzz(target: Target, runs: number) {
  const token = await signDevToken(SECRET, { accountId: 'fuzz', role: 'admin', sub: 'fuzz@example.com' });
  const failures: string[] = [];
  let sent = 0;
  for (const op of await operationsOf(target.app)) {
    await fc.assert(
      fc.asyncProperty(requestCase(op), async (c) => {
        let path = op.path;
        op.params.forEach((name, i) => {
          path = path.replace(`{${name}}`, encode(c.params[i] as string).slice(0, 2000) || 'x');
        });
        const query = Object.entries(c.query)
          .map(([k, v]) => `${encode(k)}=${encode(v)}`)
          .join('&');
        if (query) path += `?${query}`;
        const writes = op.method !== 'get';
        const before = writes ? await tableCounts(target.dataSource) : '';
        let req = (request(target.app) as unknown as Record<string, (p: string) => request.Test>)[op.method]!(
          path,
        )
          .set('Authorization', `Bearer ${token}`)
          .set('Content-Type', c.contentType);
        if (c.hugeHeader) req = req.set('X-Fuzz', 'h'.repeat(8000));
        const res = await (op.hasBody ? req.send(c.body) : req);
        sent += 1;
        const what = `${target.name} ${op.method.toUpperCase()} ${op.path} → ${res.status}`;
        if (res.status >= 500) failures.push(`${what}: ${JSON.stringify(res.body).slice(0, 300)}`);
        if (writes && res.status >= 400 && res.status < 500) {
          const after = await tableCounts(target.dataSource);
          if (after !== before) failures.push(`${what} but wrote: ${before} → ${after}`);
        }
      }),
      { seed: SEED, numRuns: runs, endOnFailure: true },
    );
  }
  return { failures, sent };
}

const env = (url: string, extra: Record<string, string> = {}) => ({
  DATABASE_URL: url,
  BUS: 'in-process',
  AUTH_JWT_SECRET: SECRET,
  LOG_LEVEL: 'silent',
  OUTBOX_POLL_MS: '50',
  ...extra,
});

async function targets(urls: { cust: string; ord: string; csv?: string; tpl?: string }): Promise<Target[]> {
  const out: Target[] = [];
  const add = async (
    name: string,
    svc: { app: Express; db: { dataSource: DataSource }; start(): Promise<void>; stop(): Promise<void> },
    bus: InProcessBus,
    cleanup = () => {},
  ) => {
    await svc.start();
    out.push({
      name,
      app: svc.app,
      dataSource: svc.db.dataSource,
      async stop() {
        await svc.stop();
        await bus.close();
        cleanup();
      },
    });
  };
  // One bus per service: a fuzz input that happens to be valid never sets off another service's
  // writes while this one's tables are being compared.
  let bus = new InProcessBus();
  await add(
    'customer-service',
    await createCustomerService(customerConfig(env(urls.cust)), {
      bus,
      logger: testLogger('customer-service'),
    }),
    bus,
  );
  bus = new InProcessBus();
  await add(
    'order-ingest-service',
    await createOrderIngestService(orderConfig(env(urls.ord)), {
      bus,
      logger: testLogger('order-ingest-service'),
    }),
    bus,
  );
  if (urls.csv) {
    const dir = mkdtempSync(join(tmpdir(), 'fuzz-csv-'));
    bus = new InProcessBus();
    await add(
      'csv-import-service',
      await createCsvImportService(csvConfig(env(urls.csv, { CSV_IMPORT_DIR: dir })), {
        bus,
        logger: testLogger('csv-import-service'),
      }),
      bus,
      () => rmSync(dir, { recursive: true, force: true }),
    );
  }
  if (urls.tpl) {
    bus = new InProcessBus();
    await add(
      'tpl-connection-service',
      await createTplConnectionService(tplConfig(env(urls.tpl)), {
        bus,
        logger: testLogger('tpl-connection-service'),
      }),
      bus,
    );
  }
  return out;
}

describe('fuzz: every endpoint of the four services on the embedded default (SQLite)', () => {
  let all: Target[] = [];
  beforeAll(async () => {
    all = await targets({
      cust: 'sqlite::memory:',
      ord: 'sqlite::memory:',
      csv: 'sqlite::memory:',
      tpl: 'sqlite::memory:',
    });
  });
  afterAll(async () => {
    for (const t of all) await t.stop();
  });

  it.each(['customer-service', 'order-ingest-service', 'csv-import-service', 'tpl-connection-service'])(
    '%s: no 5xx, no reset, no partial write',
    async (name) => {
      const { failures, sent } = await fuzz(
        all.find((t) => t.name === name)!,
        RUNS,
      );
      process.stdout.write(`fuzz ${name} (SQLite): ${sent} requests, seed ${SEED}\n`);
      expect(sent).toBeGreaterThan(RUNS); // every operation was fuzzed
      expect(failures).toEqual([]);
    },
    300_000,
  );
});

describeReal('fuzz: customer-service and order-ingest on MariaDB', () => {
  let all: Target[] = [];
  const dbs: Array<{ drop(): Promise<void> }> = [];
  beforeAll(async () => {
    const cust = await freshMysqlDatabase('fuzz_c');
    const ord = await freshMysqlDatabase('fuzz_o');
    dbs.push(cust, ord);
    all = await targets({ cust: cust.url, ord: ord.url });
  });
  afterAll(async () => {
    for (const t of all) await t.stop();
    for (const d of dbs) await d.drop();
  });

  it.each(['customer-service', 'order-ingest-service'])(
    '%s: no 5xx, no reset, no partial write',
    async (name) => {
      const { failures, sent } = await fuzz(
        all.find((t) => t.name === name)!,
        Math.ceil(RUNS / 2),
      );
      process.stdout.write(`fuzz ${name} (MariaDB): ${sent} requests, seed ${SEED}\n`);
      expect(sent).toBeGreaterThan(0);
      expect(failures).toEqual([]);
    },
    300_000,
  );
});
