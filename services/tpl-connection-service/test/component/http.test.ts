import request from 'supertest';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { signDevToken } from '@crp/platform/auth';
import { listExpressRoutes } from '@crp/platform/http';
import { createTplConnectionService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import { SECRET, insertConnection } from '../support/fixtures';
import { embeddedEnv } from '@crp/testing/service-env';

describe('tpl-connection-service HTTP API (embedded default)', () => {
  let handle: Awaited<ReturnType<typeof createTplConnectionService>>;
  let shipfast: string;
  let boxco: string;

  beforeAll(async () => {
    handle = await createTplConnectionService(loadConfig(embeddedEnv()), { bus: new InProcessBus() });
    shipfast = await signDevToken(SECRET, { accountId: 'shipfast' });
    boxco = await signDevToken(SECRET, { accountId: 'boxco', role: 'member' });
  });
  afterAll(async () => {
    await handle?.stop();
  });

  it('answers /healthz and /readyz', async () => {
    await request(handle.app)
      .get('/healthz')
      .expect(200, { status: 'ok', service: 'tpl-connection-service' });
    const ready = await request(handle.app).get('/readyz').expect(200);
    expect(ready.body).toEqual({ status: 'ready', checks: { database: 'ok', bus: 'ok' } });
  });

  it('documents exactly the routes it serves', async () => {
    const doc = (await request(handle.app).get('/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const served = listExpressRoutes(handle.app).map((r) => r.replace(/:([A-Za-z0-9_]+)/g, '{$1}'));
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect([...served].sort()).toEqual([...documented].sort());
    expect(served).toContain('GET /v1/clients');
  });

  it('refuses a request without a token', async () => {
    const res = await request(handle.app).get('/v1/clients').expect(401);
    expect(res.body).toEqual({
      error: expect.objectContaining({ code: 'UNAUTHORIZED', message: expect.any(String) }),
    });
  });

  it("lists only the calling 3PL's clients, newest first, with their status (R5.6)", async () => {
    const pending = await insertConnection(handle.db, 'shipfast', {
      clientName: 'Acme',
      clientEmail: 'ops@acme.example',
    });
    const active = await insertConnection(handle.db, 'shipfast', {
      clientName: 'Globex',
      clientEmail: 'admin@globex.example',
      clientAccountId: 'globex',
      status: 'active',
    });
    await insertConnection(handle.db, 'boxco', { clientName: 'Initech' });
    // A connection where the caller is the client, not the 3PL, is not in its client list.
    await insertConnection(handle.db, 'boxco', {
      clientName: 'Shipfast as client',
      clientAccountId: 'shipfast',
      status: 'active',
    });

    const res = await request(handle.app)
      .get('/v1/clients')
      .set('Authorization', `Bearer ${shipfast}`)
      .expect(200);
    expect(res.body).toEqual({
      clients: [
        {
          connectionId: active.id,
          clientAccountId: 'globex',
          clientEmail: 'admin@globex.example',
          clientName: 'Globex',
          companyName: 'shipfast Logistics',
          status: 'active',
          createdAt: active.createdAt.toISOString(),
          updatedAt: active.updatedAt.toISOString(),
        },
        {
          connectionId: pending.id,
          clientAccountId: null,
          clientEmail: 'ops@acme.example',
          clientName: 'Acme',
          companyName: 'shipfast Logistics',
          status: 'pending',
          createdAt: pending.createdAt.toISOString(),
          updatedAt: pending.updatedAt.toISOString(),
        },
      ],
    });

    const theirs = await request(handle.app)
      .get('/v1/clients')
      .set('Authorization', `Bearer ${boxco}`)
      .expect(200);
    expect((theirs.body.clients as Array<{ clientName: string }>).map((c) => c.clientName)).toEqual([
      'Shipfast as client',
      'Initech',
    ]);
  });

  it('filters by status and honours limit', async () => {
    const active = await request(handle.app)
      .get('/v1/clients?status=active')
      .set('Authorization', `Bearer ${shipfast}`)
      .expect(200);
    expect((active.body.clients as Array<{ clientName: string }>).map((c) => c.clientName)).toEqual([
      'Globex',
    ]);
    const one = await request(handle.app)
      .get('/v1/clients?limit=1')
      .set('Authorization', `Bearer ${shipfast}`)
      .expect(200);
    expect(one.body.clients).toHaveLength(1);
  });

  it('rejects a bad query with VALIDATION_FAILED', async () => {
    for (const q of ['limit=0', 'limit=201', 'status=accepted']) {
      const res = await request(handle.app)
        .get(`/v1/clients?${q}`)
        .set('Authorization', `Bearer ${shipfast}`)
        .expect(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('joins no consumer group: it consumes nothing', () => {
    expect(handle.messaging.consumer).toBeNull();
  });
});
