import { connect } from 'node:net';
import request from 'supertest';
import { createAuthenticator } from '@crp/platform/auth';
import { buildHttpApp } from '@crp/platform/http';
import { createMetrics } from '@crp/platform/metrics';
import { privacyRoutes } from '../../src/http/privacy-routes';
import { customerRepository } from '../../src/infra/db/customer-repository';
import type { CustomerOrderRecord } from '../../src/domain/records';
import { activeCustomer } from '../support/scenarios';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { testLogger } from '@crp/testing/silent-logger';
import { signDevToken } from '@crp/platform/auth';
import { TEST_SECRET, embeddedEnv } from '@crp/testing/service-env';
import { createCustomerService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import type { CustomerServiceHandle } from '../support/scenarios';
import { writeScenarios } from '../support/write-scenarios';

describe('customer-service write side (SPEC §2) on SQLite and the in-process bus', () => {
  let bus: InProcessBus;
  let svc: CustomerServiceHandle;

  beforeEach(async () => {
    bus = new InProcessBus();
    svc = await createCustomerService(loadConfig(embeddedEnv()), { bus, logger: testLogger() });
    await svc.start();
  });
  afterEach(async () => {
    await svc.stop();
    await bus.close();
  });

  writeScenarios(() => ({
    svc,
    bus,
    publishOrder: (event) =>
      bus.publish([{ topic: 'OrderImported', key: event.accountId, value: JSON.stringify(event) }]),
    deadLetters: async () => [],
  }));

  // SQLite only: there an export's snapshot is the one transaction every other waits for, so a
  // reader that stops reading would stall the service for as long as it keeps the connection.
  it('R2.10: an export whose reader stops reading is cut after the idle time, and its snapshot ends: the next transaction runs', async () => {
    const acct = 'acct_idle_reader';
    const c = activeCustomer(acct);
    // ~20 MB of answer: more than the loopback socket buffers hold, so sending it stalls.
    const orders: CustomerOrderRecord[] = Array.from({ length: 80_000 }, (_, i) => ({
      accountId: acct,
      storeId: 'st_a',
      storeOrderId: `so-${i}`,
      orderId: `ord_${i}`,
      customerId: c.id,
      orderNumber: `#${i}`,
      orderDate: new Date(Date.parse('2024-01-01T00:00:00.000Z') + i * 60_000),
      total: 10,
      currency: 'USD',
      revision: 1,
    }));
    await svc.db.transaction(async (tx) => {
      await customerRepository.insertCustomers(tx, [c]);
      await customerRepository.insertHistory(tx, orders);
    });
    const app = buildHttpApp({
      service: 'customer-service',
      version: 'test',
      description: 'privacy routes with a short idle time',
      logger: testLogger(),
      metrics: createMetrics('idle', { defaultMetrics: false }),
      authenticator: createAuthenticator({ secret: TEST_SECRET }),
      readiness: [],
      routes: privacyRoutes(
        { db: svc.db, repo: customerRepository, outbox: svc.outbox },
        { exportIdleMs: 300 },
      ),
    });
    const server = app.listen(0);
    const { port } = server.address() as { port: number };
    const body = JSON.stringify({ type: 'export', customerId: c.id, basis: 'gdpr' });
    const token = await signDevToken(TEST_SECRET, { accountId: acct });
    const client = connect(port, '127.0.0.1');
    try {
      await new Promise<void>((resolve) => client.once('connect', () => resolve()));
      const firstBytes = new Promise<string>((resolve) => client.once('data', (d) => resolve(String(d))));
      client.write(
        `POST /v1/privacy-requests HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      expect(await firstBytes).toMatch(/^HTTP\/1\.1 201/);
      client.pause(); // the reader stops reading
      const next = await Promise.race([
        svc.db.transaction(async () => 'ran'),
        new Promise((r) => setTimeout(() => r('still waiting for the export'), 5000)),
      ]);
      expect(next).toBe('ran');
    } finally {
      client.destroy();
      await new Promise((r) => server.close(r));
    }
  }, 30_000);

  it('/openapi.json: every endpoint of the service has a response schema, and every one that takes a body its request schema', async () => {
    const res = await request(svc.app).get('/openapi.json');
    const doc = res.body as {
      paths: Record<
        string,
        Record<
          string,
          { tags: string[]; requestBody?: unknown; responses: Record<string, { content?: unknown }> }
        >
      >;
    };
    const missing: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (op.tags.includes('platform')) continue;
        const ok = Object.entries(op.responses).some(([status, r]) => status.startsWith('2') && r.content);
        if (!ok) missing.push(`${method.toUpperCase()} ${path}: no 2xx response schema`);
      }
    }
    expect(missing).toEqual([]);
    const withBodies = [
      'post /v1/customers',
      'patch /v1/customers/{customerId}',
      'post /v1/customers/merge/preview',
      'post /v1/customers/merge',
      'post /v1/privacy-requests',
      'put /v1/settings',
    ];
    for (const key of withBodies) {
      const [method, path] = key.split(' ');
      expect(doc.paths[path!]?.[method!]?.requestBody).toBeDefined();
    }
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/customers/{customerId}/archive',
        '/v1/customers/{customerId}/restore',
        '/v1/privacy-requests/{requestId}',
        '/v1/privacy-requests/{requestId}/fulfil',
        '/v1/privacy-requests/{requestId}/cancel',
      ]),
    );
  });

  it('/openapi.json: the single-customer writes and the merge take If-Match and may answer 412; they, GET and the merge preview answer an ETag', async () => {
    type Op = {
      parameters?: Array<{ name: string; in: string; required: boolean }>;
      responses: Record<string, { headers?: Record<string, unknown> }>;
    };
    const doc = (await request(svc.app).get('/openapi.json')).body as {
      paths: Record<string, Record<string, Op>>;
    };
    const writes: Array<[string, string]> = [
      ['/v1/customers/{customerId}', 'patch'],
      ['/v1/customers/{customerId}', 'delete'],
      ['/v1/customers/{customerId}/archive', 'post'],
      ['/v1/customers/{customerId}/restore', 'post'],
    ];
    for (const [path, method] of writes) {
      const op = doc.paths[path]![method]!;
      expect(op.parameters).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'If-Match', in: 'header', required: false }),
        ]),
      );
      expect(op.responses['412']).toBeDefined();
      expect(op.responses['200']!.headers).toHaveProperty('ETag');
    }
    expect(doc.paths['/v1/customers/{customerId}']!.get!.responses['200']!.headers).toHaveProperty('ETag');
    expect(doc.paths['/v1/customers']!.post!.responses['201']!.headers).toHaveProperty('ETag');
    // R2.7: the merge preview answers an ETag, the merge takes it as If-Match and may answer 412.
    expect(doc.paths['/v1/customers/merge/preview']!.post!.responses['200']!.headers).toHaveProperty('ETag');
    const merge = doc.paths['/v1/customers/merge']!.post!;
    expect(merge.parameters).toEqual([
      expect.objectContaining({ name: 'If-Match', in: 'header', required: false }),
    ]);
    expect(merge.responses['412']!.headers).toHaveProperty('ETag');
  });

  it('/openapi.json declares the 404 of an unknown privacy request and the 400 of settings the handlers answer', async () => {
    const doc = (await request(svc.app).get('/openapi.json')).body as {
      paths: Record<string, Record<string, { responses: Record<string, { description: string }> }>>;
    };
    const auth = `Bearer ${await signDevToken(TEST_SECRET, { accountId: 'acme', role: 'admin' })}`;
    for (const action of ['fulfil', 'cancel']) {
      expect(doc.paths[`/v1/privacy-requests/{requestId}/${action}`]!.post!.responses['404']).toBeDefined();
      await request(svc.app)
        .post(`/v1/privacy-requests/prq_nope/${action}`)
        .set('Authorization', auth)
        .expect(404);
    }
    expect(doc.paths['/v1/settings']!.put!.responses['400']!.description).toContain('defaultCustomerId');
    await request(svc.app)
      .put('/v1/settings')
      .set('Authorization', auth)
      .send({ defaultCustomerId: 'cus_nope' })
      .expect(400);
  });
});
