import request from 'supertest';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { listExpressRoutes } from '@crp/platform/http';
import { testLogger } from '@crp/testing/silent-logger';
import { statementsOf } from '@crp/testing/mysql-reads';
import { createCustomerService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import { customerScenarios, type CustomerServiceHandle, type Env } from '../support/scenarios';
import { duplicateScenarios } from '../support/duplicate-scenarios';
import { exportScenarios } from '../support/export-scenarios';
import { searchScenarios } from '../support/search-scenarios';
import { embeddedEnv } from '@crp/testing/service-env';
import { duplicateRepository } from '../../src/infra/db/duplicate-repository';
import { CANDIDATES_PER_KEY } from '../../src/domain/duplicates';

const eventIdOf = (value: string): string | null => {
  try {
    return (JSON.parse(value) as { eventId?: string }).eventId ?? null;
  } catch {
    return null;
  }
};

describe('customer-service on SQLite and the in-process bus', () => {
  let bus: InProcessBus;
  let svc: CustomerServiceHandle;

  // A fresh service (and in-memory database) per test: no test sees another's data.
  beforeEach(async () => {
    bus = new InProcessBus();
    svc = await createCustomerService(loadConfig(embeddedEnv()), { bus, logger: testLogger() });
    await svc.start();
  });
  afterEach(async () => {
    await svc.stop();
    await bus.close();
  });

  const env = (): Env => ({
    svc,
    bus,
    publishOrder: (event) =>
      bus.publish([{ topic: 'OrderImported', key: event.accountId, value: JSON.stringify(event) }]),
    deadLetters: async () =>
      bus.messagesOn('OrderImported.DLT').map((m) => ({
        eventId: eventIdOf(m.value),
        reason: m.headers['dlt-error-message'] ?? '',
      })),
  });
  customerScenarios(env);
  searchScenarios(env);
  exportScenarios(env);
  duplicateScenarios(env);

  it('/openapi.json lists exactly the routes express serves', async () => {
    const res = await request(svc.app).get('/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    const served = listExpressRoutes(svc.app).map((r) => r.replace(/:([A-Za-z0-9_]+)/g, '{$1}'));
    expect(served.sort()).toEqual(documented.sort());
    expect(documented).toEqual(
      expect.arrayContaining([
        'GET /v1/customers',
        'GET /v1/customers/{customerId}',
        'GET /v1/settings',
        'PUT /v1/settings',
      ]),
    );
  });

  it('/readyz is 200 with the database and the bus ok', async () => {
    const res = await request(svc.app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready', checks: { database: 'ok', bus: 'ok', consumer: 'ok' } });
  });

  it('401 without a token, in the one error shape', async () => {
    const res = await request(svc.app).get('/v1/customers');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: { code: 'UNAUTHORIZED', message: expect.any(String), correlationId: expect.any(String) },
    });
  });

  // SQLite: the duplicate scan's read of each key's first holders in id order walks the key's
  // index (account_id, key, customer_id) and stops: no sort of every holder, and not the account's
  // primary key (the plan SQLite chose with the (account_id, key) indexes, before migration 850).
  it("the likely-duplicates scan reads each address's and phone's holders from its index in id order, without a sort", async () => {
    const plans = await svc.db.transaction(async (tx) => {
      const sent = await statementsOf(tx, () =>
        duplicateRepository.matchKeyCandidates(
          tx,
          {
            addresses: [{ accountId: 'acct', value: 'US|40202|1 forwarder way' }],
            phones: [{ accountId: 'acct', value: '+15025550100' }],
          },
          CANDIDATES_PER_KEY,
        ),
      );
      expect(sent).toHaveLength(1);
      return (await tx.query(`EXPLAIN QUERY PLAN ${sent[0]!.sql}`, sent[0]!.params)) as Array<{
        detail: string;
      }>;
    });
    const details = plans.map((p) => p.detail).join('\n');
    expect(details).toContain('USING INDEX idx_match_keys_address_id (account_id=? AND address_key=?)');
    expect(details).toContain('USING INDEX idx_match_keys_phone_id (account_id=? AND phone_e164=?)');
    expect(details).not.toMatch(/TEMP B-TREE/);
  });
});
