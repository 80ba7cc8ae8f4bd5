import request from 'supertest';
import { Type } from '@sinclair/typebox';
import { createAuthenticator, signDevToken } from '../src/auth';
import { buildHttpApp, route } from '../src/http';
import { createLogger } from '../src/logger';
import { createMetrics } from '../src/metrics';

const SECRET = 'http-check-responses-secret-0123';

/** A route whose answer is whatever the test puts in `answer`, documented as { count, at }. */
let answer: unknown;
const appWith = (checkResponses?: boolean) =>
  buildHttpApp({
    service: 'answers',
    version: '1.0.0',
    description: 'test app',
    logger: createLogger('test', 'silent'),
    metrics: createMetrics('t', { defaultMetrics: false }),
    authenticator: createAuthenticator({ secret: SECRET }),
    readiness: [],
    routes: [
      route({
        method: 'get',
        path: '/v1/thing',
        operationId: 'getThing',
        summary: 'A thing',
        responses: {
          200: {
            description: 'The thing',
            schema: Type.Object(
              { count: Type.Integer(), at: Type.String({ format: 'date-time' }) },
              { additionalProperties: false },
            ),
          },
        },
        handler: () => ({ body: answer }),
      }),
    ],
    ...(checkResponses === undefined ? {} : { checkResponses }),
  });

describe('HTTP_CHECK_RESPONSES: answers checked against their documented schema', () => {
  const saved = process.env.HTTP_CHECK_RESPONSES;
  afterEach(() => {
    process.env.HTTP_CHECK_RESPONSES = saved;
  });
  // The setting is read once, when the app is built (not per answer).
  const get = async (app = appWith()) =>
    request(app)
      .get('/v1/thing')
      .set('Authorization', `Bearer ${await signDevToken(SECRET, { accountId: 'acme' })}`);

  it('is on in the test presets', () => {
    expect(saved).toBe('1');
  });

  it('lets a documented answer through, a Date going on the wire as its ISO string', async () => {
    process.env.HTTP_CHECK_RESPONSES = '1';
    answer = { count: 3, at: new Date('2026-11-24T10:00:00Z') };
    const res = await get();
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ count: 3, at: '2026-11-24T10:00:00.000Z' });
  });

  it('turns an answer its schema does not allow into a 500 naming each problem', async () => {
    process.env.HTTP_CHECK_RESPONSES = '1';
    answer = { count: '3', at: 'yesterday', extra: true };
    const res = await get();
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('RESPONSE_NOT_AS_DOCUMENTED');
    expect(res.body.error.message).toContain('GET /v1/thing answered 200');
    expect(res.body.error.message).toMatch(/count/);
    expect(res.body.error.message).toMatch(/at/);
    expect(res.body.error.message).toMatch(/extra/);
  });

  it('is off unless asked for: production answers what the handler returns', async () => {
    process.env.HTTP_CHECK_RESPONSES = '0';
    const app = appWith();
    process.env.HTTP_CHECK_RESPONSES = '1'; // after the build: not read again
    answer = { count: '3' };
    const res = await get(app);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ count: '3' });
    expect((await get(appWith(false))).status).toBe(200);
  });
});
