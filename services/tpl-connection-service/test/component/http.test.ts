import request from 'supertest';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { listExpressRoutes } from '@crp/platform/http';
import { createTplConnectionService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import { auth, insertConnection, signIn, tempMailDir } from '../support/fixtures';
import { embeddedEnv } from '@crp/testing/service-env';

describe('tpl-connection-service HTTP API (embedded default)', () => {
  let handle: Awaited<ReturnType<typeof createTplConnectionService>>;

  beforeAll(async () => {
    handle = await createTplConnectionService(loadConfig(embeddedEnv({ MAIL_DIR: tempMailDir() })), {
      bus: new InProcessBus(),
    });
  });
  afterAll(async () => {
    await handle?.stop();
  });

  it('answers /healthz and /readyz', async () => {
    await request(handle.app)
      .get('/healthz')
      .expect(200, { status: 'ok', service: 'tpl-connection-service' });
    const ready = await request(handle.app).get('/readyz').expect(200);
    expect(ready.body.checks).toMatchObject({ database: 'ok', bus: 'ok' });
  });

  it('documents exactly the routes it serves, the dev mailbox included in the embedded default', async () => {
    const doc = (await request(handle.app).get('/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const served = listExpressRoutes(handle.app).map((r) => r.replace(/:([A-Za-z0-9_]+)/g, '{$1}'));
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect([...served].sort()).toEqual([...documented].sort());
    expect(served).toEqual(
      expect.arrayContaining([
        'GET /v1/clients',
        'POST /v1/clients',
        'POST /v1/clients/{connectionId}/remove',
        'POST /v1/connections/{connectionId}/accept',
        'POST /v1/invitations/accept',
        'POST /v1/carrier-accounts',
        'GET /v1/dev/outbox',
      ]),
    );
  });

  it('refuses a request without a token', async () => {
    const res = await request(handle.app).get('/v1/clients').expect(401);
    expect(res.body).toEqual({
      error: expect.objectContaining({ code: 'UNAUTHORIZED', message: expect.any(String) }),
    });
  });

  it('an unknown connection is a 404 for every action on it, as /openapi.json declares', async () => {
    const doc = (await request(handle.app).get('/openapi.json')).body as {
      paths: Record<string, { post: { responses: Record<string, unknown> } }>;
    };
    for (const path of [
      '/v1/clients/{connectionId}/invitation',
      '/v1/clients/{connectionId}/remove',
      '/v1/clients/{connectionId}/disconnect',
      '/v1/connections/{connectionId}/disconnect',
    ]) {
      expect(doc.paths[path]!.post.responses['404']).toBeDefined();
      await request(handle.app)
        .post(path.replace('{connectionId}', 'con_nope'))
        .set('Authorization', await auth('shipfast'))
        .expect(404);
    }
  });

  it("lists only the calling 3PL's clients, newest first, after the 3PL itself (R5.6)", async () => {
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
      .set('Authorization', await auth('shipfast', 'member'))
      .expect(200);
    expect(res.body.clients).toEqual([
      expect.objectContaining({ kind: 'self', clientAccountId: 'shipfast', status: 'active' }),
      {
        kind: 'client',
        connectionId: active.id,
        clientAccountId: 'globex',
        clientEmail: 'admin@globex.example',
        clientName: 'Globex',
        companyName: 'shipfast Logistics',
        status: 'active',
        invitationExpiresAt: null,
        createdAt: active.createdAt.toISOString(),
        updatedAt: active.updatedAt.toISOString(),
      },
      expect.objectContaining({ connectionId: pending.id, clientAccountId: null, status: 'pending' }),
    ]);
    const theirs = await request(handle.app)
      .get('/v1/clients')
      .set('Authorization', await auth('boxco'))
      .expect(200);
    expect((theirs.body.clients as Array<{ clientName: string }>).map((c) => c.clientName)).toEqual([
      'Your own account',
      'Shipfast as client',
      'Initech',
    ]);
  });

  it('consumes its own ClientInvited (the invitation e-mail), nothing else', () => {
    expect(handle.messaging.consumer?.topics).toEqual(['ClientInvited']);
  });

  it('the dev mailbox shows only what was sent to the caller’s account', async () => {
    await signIn(handle.app, 'quiet');
    const res = await request(handle.app)
      .get('/v1/dev/outbox')
      .set('Authorization', await auth('quiet'))
      .expect(200);
    expect(res.body).toEqual({ messages: [] });
  });
});

describe('outside the embedded default', () => {
  it.each([
    ['SMTP configured', { SMTP_URL: 'smtp://127.0.0.1:2525' }],
    ['real Kafka bus', { BUS: 'kafka' }],
  ])('%s: there is no GET /v1/dev/outbox', (_name, extra) => {
    // Routes are built at assembly; only the config decides. No bus is started here.
    const cfg = loadConfig(embeddedEnv({ MAIL_DIR: tempMailDir(), ...extra }));
    return createTplConnectionService(cfg, { bus: new InProcessBus() }).then(async (svc) => {
      try {
        const served = listExpressRoutes(svc.app);
        expect(served).not.toContain('GET /v1/dev/outbox');
        expect(served).toContain('POST /v1/invitations/accept');
      } finally {
        await svc.stop();
      }
    });
  });
});

describe('configuration', () => {
  it('refuses the local invitation secret and a missing SMTP server in production', () => {
    expect(() =>
      loadConfig({ ...embeddedEnv(), NODE_ENV: 'production', AUTH_JWT_SECRET: 'a-real-secret-0123456789' }),
    ).toThrow(
      /INVITATION_TOKEN_SECRET is the local development secret[\s\S]*SMTP_URL is required in production/,
    );
  });

  it('checks the invitation variables at start', () => {
    expect(() =>
      loadConfig(
        embeddedEnv({ INVITATION_TTL_HOURS: '0', INVITATION_TOKEN_SECRET: 'short', SMTP_URL: 'http://x' }),
      ),
    ).toThrow(
      /INVITATION_TTL_HOURS[\s\S]*INVITATION_TOKEN_SECRET[\s\S]*SMTP_URL|INVITATION_TOKEN_SECRET[\s\S]*INVITATION_TTL_HOURS/,
    );
  });
});
