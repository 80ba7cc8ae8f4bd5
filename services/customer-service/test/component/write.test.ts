import request from 'supertest';
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
