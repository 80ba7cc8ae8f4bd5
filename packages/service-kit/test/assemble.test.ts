import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { Type } from '@sinclair/typebox';
import { CustomerUpserted } from '@crp/contracts/events/customer-upserted';
import { newEvent } from '@crp/contracts/new-event';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { signDevToken } from '@crp/platform/auth';
import { loadServiceConfig } from '@crp/platform/service-config';
import { route } from '@crp/platform/http';
import { testLogger } from '@crp/testing/silent-logger';
import { waitFor } from '@crp/testing/wait';
import { assembleService, openServiceDatabase, type ServiceDefinition } from '../src/assemble';

const SECRET = 'kit-secret-kit-secret-kit-secret';

describe('assembleService', () => {
  const seen: string[] = [];
  const definition: ServiceDefinition = {
    service: 'probe-service',
    version: '9.9.9',
    description: 'A service made only of the kit',
    entities: [],
    migrations: [],
    routes: ({ db }) => [
      route({
        method: 'get',
        path: '/v1/echo/:word',
        operationId: 'echo',
        summary: 'echo',
        params: Type.Object({ word: Type.String() }),
        responses: { 200: { description: 'ok' } },
        handler: async ({ params, principal }) => ({
          body: { word: params.word, account: principal.accountId, db: db.kind },
        }),
      }),
    ],
    handlers: ({ outbox }) => ({
      CustomerUpserted: async (event, tx) => {
        seen.push(event.payload.customer.customerId);
        // a handler can publish through the outbox in the same transaction
        if (event.payload.customer.customerId === 'cus_ping') {
          await outbox.add(
            tx,
            newEvent(
              CustomerUpserted,
              { accountId: event.accountId, correlationId: 'c' },
              {
                ...event.payload,
                customer: { ...event.payload.customer, customerId: 'cus_pong' },
              },
            ),
          );
        }
      },
    }),
  };

  it('wires database, bus, consumer, outbox relay and the HTTP app', async () => {
    const bus = new InProcessBus();
    const config = loadServiceConfig(
      'probe-service',
      0,
      {},
      {
        DATABASE_URL: 'sqlite::memory:',
        BUS: 'in-process',
        AUTH_JWT_SECRET: SECRET,
        OUTBOX_POLL_MS: '20',
      },
    );
    const svc = await assembleService(definition, config, { bus, logger: testLogger() });
    await svc.start();
    try {
      const token = await signDevToken(SECRET, { accountId: 'acme' });
      const res = await request(svc.app).get('/v1/echo/hi').set('Authorization', `Bearer ${token}`);
      expect(res.body).toEqual({ word: 'hi', account: 'acme', db: 'sqlite' });
      expect((await request(svc.app).get('/readyz')).status).toBe(200);
      expect((await request(svc.app).get('/openapi.json')).body.info).toMatchObject({
        title: 'probe-service',
        version: '9.9.9',
      });

      const ping = newEvent(
        CustomerUpserted,
        { accountId: 'acme', correlationId: 'c' },
        {
          ...CustomerUpserted.example.payload,
          customer: { ...CustomerUpserted.example.payload.customer, customerId: 'cus_ping' },
        },
      );
      await bus.publish([{ topic: 'CustomerUpserted', key: 'cus_ping', value: JSON.stringify(ping) }]);
      // the handler's outbox event is relayed back onto the bus and consumed in turn
      await waitFor(() => (seen.includes('cus_pong') ? true : undefined), { what: 'relayed event consumed' });
      expect(seen.filter((s) => s === 'cus_ping')).toHaveLength(1);
    } finally {
      await svc.stop();
      await bus.close();
    }
    // stop closed the database: readiness now fails
    await expect(svc.db.ping()).rejects.toThrow();
  });

  it('DB_MIGRATE_ON_START=false opens the database without migrating (a migration Job does it first)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kit-migrate-'));
    const url = `sqlite:${join(dir, 'db.sqlite')}`;
    const tables = async (migrate: 'true' | 'false') => {
      const config = loadServiceConfig(
        'probe-service',
        0,
        {},
        {
          DATABASE_URL: url,
          AUTH_JWT_SECRET: SECRET,
          DB_MIGRATE_ON_START: migrate,
        },
      );
      const db = await openServiceDatabase(definition, config);
      try {
        const rows: Array<{ name: string }> = await db.dataSource.query(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'outbox_events'",
        );
        return rows.length;
      } finally {
        await db.close();
      }
    };
    try {
      expect(await tables('false')).toBe(0);
      expect(await tables('true')).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
