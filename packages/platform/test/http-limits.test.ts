import request from 'supertest';
import { Type } from '@sinclair/typebox';
import { createAuthenticator, signDevToken } from '../src/auth';
import { buildHttpApp, publicRoute, route } from '../src/http';
import { createLogger } from '../src/logger';
import { createMetrics } from '../src/metrics';
import type { RateLimitOptions } from '../src/rate-limit';

const SECRET = 'limits-test-secret-0123456789';

function app(rateLimit?: RateLimitOptions) {
  return buildHttpApp({
    service: 'limits',
    version: '1',
    description: 'test',
    logger: createLogger('test', 'silent'),
    metrics: createMetrics('t', { defaultMetrics: false }),
    authenticator: createAuthenticator({ secret: SECRET }),
    readiness: [],
    rateLimit,
    routes: [
      route({
        method: 'get',
        path: '/v1/things',
        operationId: 'listThings',
        summary: 'List',
        query: Type.Object({ q: Type.Optional(Type.String()) }),
        responses: { 200: { description: 'Things' } },
        handler: ({ principal, query }) => ({ body: { accountId: principal.accountId, q: query.q ?? null } }),
      }),
      route({
        method: 'get',
        path: '/v1/things/:thingId',
        operationId: 'getThing',
        summary: 'One',
        params: Type.Object({ thingId: Type.String() }),
        responses: { 200: { description: 'Thing' } },
        handler: ({ params }) => ({ body: params }),
      }),
      publicRoute({
        method: 'post',
        path: '/v1/hooks/:id',
        operationId: 'hook',
        summary: 'Signed elsewhere',
        responses: { 200: { description: 'ok' } },
        handler: () => ({ body: { ok: true } }),
      }),
    ],
  });
}

const bearer = async (accountId: string) => `Bearer ${await signDevToken(SECRET, { accountId })}`;

describe('rate limiting per account (429 with Retry-After)', () => {
  it('past its budget an account gets 429 in the error shape with Retry-After; another account does not', async () => {
    const a = app({ requests: 3, windowMs: 60_000 });
    const acme = await bearer('acme');
    for (let i = 0; i < 3; i++) {
      const ok = await request(a).get('/v1/things').set('Authorization', acme);
      expect(ok.status).toBe(200);
      expect(ok.headers['ratelimit-limit']).toBe('3');
      expect(ok.headers['ratelimit-remaining']).toBe(String(2 - i));
    }
    // the budget is the account's across routes
    const over = await request(a).get('/v1/things/t1').set('Authorization', acme);
    expect(over.status).toBe(429);
    const retryAfter = Number(over.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(over.body.error).toMatchObject({
      code: 'RATE_LIMITED',
      message: `This account made more than 3 requests in 60 s; retry after ${retryAfter} s`,
    });
    expect(
      (
        await request(a)
          .get('/v1/things')
          .set('Authorization', await bearer('globex'))
      ).status,
    ).toBe(200);
  });

  it('counts only authenticated requests: bad tokens get 401 and spend nobody’s budget; signed webhooks are not limited', async () => {
    const a = app({ requests: 2, windowMs: 60_000 });
    for (let i = 0; i < 5; i++) {
      expect((await request(a).get('/v1/things').set('Authorization', 'Bearer forged')).status).toBe(401);
      expect((await request(a).post('/v1/hooks/h1').send('x')).status).toBe(200);
    }
    const acme = await bearer('acme');
    expect((await request(a).get('/v1/things').set('Authorization', acme)).status).toBe(200);
    expect((await request(a).get('/v1/things').set('Authorization', acme)).status).toBe(200);
    expect((await request(a).get('/v1/things').set('Authorization', acme)).status).toBe(429);
  });

  it('a new window gives the budget back', async () => {
    const a = app({ requests: 1, windowMs: 300 });
    const acme = await bearer('acme');
    expect((await request(a).get('/v1/things').set('Authorization', acme)).status).toBe(200);
    expect((await request(a).get('/v1/things').set('Authorization', acme)).status).toBe(429);
    await new Promise((r) => setTimeout(r, 350));
    expect((await request(a).get('/v1/things').set('Authorization', acme)).status).toBe(200);
  });

  it('requests: 0 (and no option) turn it off', async () => {
    for (const a of [app({ requests: 0, windowMs: 60_000 }), app()]) {
      const acme = await bearer('acme');
      for (let i = 0; i < 20; i++)
        expect((await request(a).get('/v1/things').set('Authorization', acme)).status).toBe(200);
    }
  });
});

describe('NUL characters in URLs', () => {
  it('a query or path value with a NUL character is a 400 naming it (SQLite ended LIKE patterns there)', async () => {
    const a = app();
    const acme = await bearer('acme');
    const q = await request(a).get('/v1/things?q=a%00b').set('Authorization', acme);
    expect(q.status).toBe(400);
    expect(q.body.error.message).toBe('Invalid query parameter: query parameter q contains a NUL character');
    const p = await request(a).get('/v1/things/t%001').set('Authorization', acme);
    expect(p.status).toBe(400);
    expect(p.body.error.message).toMatch(/path parameter thingId contains a NUL character/);
    const repeated = await request(a).get('/v1/things?q=ok&q=a%00').set('Authorization', acme);
    expect(repeated.status).toBe(400);
    expect((await request(a).get('/v1/things?q=a%01b').set('Authorization', acme)).status).toBe(200);
  });
});
