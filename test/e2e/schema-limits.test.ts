import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import {
  ADDRESS_PART_LIMITS,
  CHANNEL_FIELD_LIMITS,
  MAILCHIMP_LIMITS,
  REQUEST_LIMITS,
  SEARCH_LIMITS,
  TEXT_LIMITS,
  type TextLimitKey,
} from '@crp/contracts/limits';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { createCustomerService } from '@crp/customer-service/composition-root';
import { loadConfig as customerConfig } from '@crp/customer-service/config';
import { createOrderIngestService } from '@crp/order-ingest-service/composition-root';
import { loadConfig as orderConfig } from '@crp/order-ingest-service/config';
import { createCsvImportService } from '@crp/csv-import-service/composition-root';
import { loadConfig as csvConfig } from '@crp/csv-import-service/config';
import { createTplConnectionService } from '@crp/tpl-connection-service/composition-root';
import { loadConfig as tplConfig } from '@crp/tpl-connection-service/config';
import { testLogger } from '@crp/testing/silent-logger';

// "What is accepted is stored": every length an HTTP edge accepts is one of the limits defined
// once in packages/contracts (limits.ts), never a number of its own. A schema wider than a limit
// lets a value through that no column holds or no stored value can match (a 70-character storeId
// reached the database); a narrower one refuses what is stored. Two guards:
// - every maxLength of every request schema (path and query parameters, bodies) in each service's
//   OpenAPI document, which is built from the route table express serves, is the value of a
//   string-length limit of limits.ts, and a value named as a TEXT_LIMITS key (`tag`, `storeId`,
//   `email`, …) has exactly that key's limit (a `tag` filter of 190 is a limit's value, not a tag's);
// - no services/*/src/http/*.ts writes `maxLength: <digits>` or a pattern with a literal length
//   (`{0,63}`): a literal that equals a limit today still drifts when the limit changes.

/** The string-length limits (counts, money and dates are not lengths). */
const LENGTH_LIMITS = {
  TEXT_LIMITS,
  ADDRESS_PART_LIMITS,
  MAILCHIMP_LIMITS,
  SEARCH_LIMITS,
  REQUEST_LIMITS,
  CHANNEL_FIELD_LIMITS,
};
const allowed = new Set(
  Object.values(LENGTH_LIMITS).flatMap((group) =>
    Object.values(group).filter((v): v is number => typeof v === 'number'),
  ),
);

/** Values named like a TEXT_LIMITS key that are another kind of value, and the key they take. */
const NAMED_OTHERWISE: Array<[at: string, key: TextLimitKey]> = [
  ['POST /v1/privacy-requests body (application/json)/properties/note', 'privacyNote'],
];

const SECRET = 'schema-limits-secret-schema-limits';
const env = (extra: Record<string, string> = {}) => ({
  DATABASE_URL: 'sqlite::memory:',
  BUS: 'in-process',
  AUTH_JWT_SECRET: SECRET,
  LOG_LEVEL: 'silent',
  ...extra,
});

interface Service {
  name: string;
  app: Express;
  stop(): Promise<void>;
}

interface Found {
  /** `GET /v1/orders query storeId`, `POST /v1/stores body (application/json)/properties/name`. */
  at: string;
  /** The parameter's or the property's name. */
  named: string;
  maxLength: unknown;
}

/** Every `maxLength` under a JSON schema, with where it is and the name of what it limits. */
function maxLengths(schema: unknown, at: string, named: string, out: Found[]) {
  if (Array.isArray(schema)) schema.forEach((s, i) => maxLengths(s, `${at}/${i}`, named, out));
  else if (schema && typeof schema === 'object') {
    for (const [k, v] of Object.entries(schema)) {
      if (k === 'maxLength') out.push({ at, named, maxLength: v });
      else if (k === 'properties' && v && typeof v === 'object')
        for (const [prop, s] of Object.entries(v)) maxLengths(s, `${at}/properties/${prop}`, prop, out);
      else maxLengths(v, `${at}/${k}`, named, out);
    }
  }
  return out;
}

interface Operation {
  parameters?: Array<{ name: string; in: string; schema?: unknown }>;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
}

/** The request side of a service's OpenAPI document: each parameter's and each body's maxLengths. */
async function requestMaxLengths(app: Express) {
  const doc = (await request(app).get('/openapi.json').expect(200)).body as {
    paths: Record<string, Record<string, Operation>>;
  };
  const found: Found[] = [];
  for (const [path, ops] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(ops)) {
      const where = `${method.toUpperCase()} ${path}`;
      for (const p of op.parameters ?? []) maxLengths(p.schema, `${where} ${p.in} ${p.name}`, p.name, found);
      for (const [type, c] of Object.entries(op.requestBody?.content ?? {}))
        maxLengths(c.schema, `${where} body (${type})`, '', found);
    }
  return found;
}

describe('HTTP request schemas take their lengths from packages/contracts limits', () => {
  const services: Service[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'schema-limits-'));

  beforeAll(async () => {
    const add = async (
      name: string,
      make: (bus: InProcessBus) => Promise<{ app: Express; stop(): Promise<void> }>,
    ) => {
      const bus = new InProcessBus();
      const svc = await make(bus);
      services.push({
        name,
        app: svc.app,
        async stop() {
          await svc.stop();
          await bus.close();
        },
      });
    };
    const deps = (bus: InProcessBus, name: string) => ({ bus, logger: testLogger(name) });
    await add('customer-service', (bus) =>
      createCustomerService(customerConfig(env()), deps(bus, 'customer-service')),
    );
    await add('order-ingest-service', (bus) =>
      createOrderIngestService(orderConfig(env()), deps(bus, 'order-ingest-service')),
    );
    await add('csv-import-service', (bus) =>
      createCsvImportService(csvConfig(env({ CSV_IMPORT_DIR: dir })), deps(bus, 'csv-import-service')),
    );
    await add('tpl-connection-service', (bus) =>
      createTplConnectionService(tplConfig(env()), deps(bus, 'tpl-connection-service')),
    );
  });
  afterAll(async () => {
    for (const s of services) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['customer-service', 'order-ingest-service', 'csv-import-service', 'tpl-connection-service'])(
    "%s: every maxLength of its OpenAPI document's requests is a length limit of limits.ts",
    async (name) => {
      const found = await requestMaxLengths(services.find((s) => s.name === name)!.app);
      expect(found.length).toBeGreaterThan(0); // the walk reached the schemas
      expect(found.filter((f) => typeof f.maxLength !== 'number' || !allowed.has(f.maxLength))).toEqual([]);
      const limitOf = (f: Found) => {
        const key = NAMED_OTHERWISE.find(([at]) => f.at.startsWith(at))?.[1] ?? f.named;
        return Object.hasOwn(TEXT_LIMITS, key) ? TEXT_LIMITS[key as TextLimitKey] : undefined;
      };
      expect(found.filter((f) => limitOf(f) !== undefined && f.maxLength !== limitOf(f))).toEqual([]);
    },
  );

  // A pattern with a literal length too: order-ingest wrote the carrier code pattern `{0,63}` by
  // hand beside tpl-connection's CARRIER_LIMITS; both now take CARRIER_LIMITS.codeInputPattern.
  it('no services/*/src/http/*.ts writes a literal maxLength or a literal-length pattern', () => {
    const root = resolve(__dirname, '..', '..', 'services');
    const literal = /maxLength\s*:\s*[0-9]|pattern\s*:\s*['"`][^'"`]*\{\d+,\d+\}/;
    const offenders: string[] = [];
    let files = 0;
    for (const service of readdirSync(root)) {
      const http = join(root, service, 'src', 'http');
      let names: string[];
      try {
        names = readdirSync(http).filter((f) => f.endsWith('.ts'));
      } catch {
        continue;
      }
      for (const f of names) {
        files += 1;
        readFileSync(join(http, f), 'utf8')
          .split('\n')
          .forEach((line, i) => {
            if (literal.test(line))
              offenders.push(`services/${service}/src/http/${f}:${i + 1}: ${line.trim()}`);
          });
      }
    }
    expect(files).toBeGreaterThan(10); // the four services' HTTP files were read
    expect(offenders).toEqual([]);
  });
});
