import request from 'supertest';
import { signDevToken } from '@crp/platform/auth';
import { createCsvImportService } from '@crp/csv-import-service/composition-root';
import { loadConfig as csvConfig } from '@crp/csv-import-service/config';
import { createCustomerService } from '@crp/customer-service/composition-root';
import { loadConfig as customerConfig } from '@crp/customer-service/config';
import { createOrderIngestService } from '@crp/order-ingest-service/composition-root';
import { loadConfig as orderConfig } from '@crp/order-ingest-service/config';
import { createTplConnectionService } from '@crp/tpl-connection-service/composition-root';
import { loadConfig as tplConfig } from '@crp/tpl-connection-service/config';
import { testLogger } from '@crp/testing/silent-logger';
import { SECRET } from '../support/system';
import { routeTable } from './route-table';

const env = {
  DATABASE_URL: 'sqlite::memory:',
  BUS: 'in-process',
  AUTH_JWT_SECRET: SECRET,
  LOG_LEVEL: 'silent',
  RATE_LIMIT_REQUESTS: '3',
  RATE_LIMIT_WINDOW_MS: '60000',
};

const services = {
  'customer-service': () => createCustomerService(customerConfig(env), { logger: testLogger() }),
  'order-ingest-service': () => createOrderIngestService(orderConfig(env), { logger: testLogger() }),
  'csv-import-service': () =>
    createCsvImportService(csvConfig({ ...env, CSV_IMPORT_DIR: '/tmp/rate-limit-csv' }), {
      logger: testLogger(),
    }),
  'tpl-connection-service': () =>
    createTplConnectionService(tplConfig({ ...env, MAIL_DIR: '/tmp/rate-limit-mail' }), {
      logger: testLogger(),
    }),
};

// RATE_LIMIT_REQUESTS / RATE_LIMIT_WINDOW_MS reach every service through the platform (the
// limiter itself is tested in packages/platform/test/http-limits.test.ts).
describe('rate limiting per account on every service', () => {
  it.each(Object.keys(services) as Array<keyof typeof services>)(
    '%s: the 4th request in a window of a budget of 3 is 429 with Retry-After; another account still gets through',
    async (name) => {
      const svc = await services[name]();
      try {
        const list = (await routeTable(name, svc.app)).find(
          (r) => r.method === 'get' && !r.isPublic && r.pathParams.length === 0,
        )!;
        const a = `Bearer ${await signDevToken(SECRET, { accountId: 'acme' })}`;
        for (let i = 0; i < 3; i++)
          expect((await request(svc.app).get(list.path).set('Authorization', a)).status).toBe(200);
        const over = await request(svc.app).get(list.path).set('Authorization', a);
        expect(over.status).toBe(429);
        expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
        expect(over.body.error.code).toBe('RATE_LIMITED');
        const b = `Bearer ${await signDevToken(SECRET, { accountId: 'globex' })}`;
        expect((await request(svc.app).get(list.path).set('Authorization', b)).status).toBe(200);
      } finally {
        await svc.stop();
      }
    },
  );
});
