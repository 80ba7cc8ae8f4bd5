import request from 'supertest';
import { Type } from '@sinclair/typebox';
import type { Express } from 'express';
import { createLogger } from '../src/logger';

const testLogger = () => createLogger('test', 'silent');
import { createAuthenticator, signDevToken } from '../src/auth';
import { conflict } from '../src/errors';
import {
  buildHttpApp,
  buildOpenApi,
  listExpressRoutes,
  publicRoute,
  route,
  type ReadinessCheck,
} from '../src/http';
import { createMetrics } from '../src/metrics';

const SECRET = 'http-test-secret-0123456789';

interface OpenApiOperation {
  operationId: string;
  security: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; required: boolean }>;
  requestBody?: { required: boolean; content: Record<string, { schema: unknown }> };
  responses: Record<string, unknown>;
}
interface OpenApiDoc {
  openapi: string;
  components: { securitySchemes: Record<string, { type: string; scheme: string }> };
  paths: Record<string, Record<string, OpenApiOperation>>;
}

const WidgetBody = Type.Object({
  name: Type.String({ minLength: 1 }),
  quantity: Type.Integer({ minimum: 1 }),
});
const WidgetParams = Type.Object({ widgetId: Type.String({ pattern: '^w-[0-9]+$' }) });
const ListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  cursor: Type.Optional(Type.String()),
});

// What the handlers saw, so tests can assert on coerced input rather than on echoes only.
let seenQuery: unknown;
let readinessFailure: Error | undefined;

const readiness: ReadinessCheck[] = [
  { name: 'database', check: async () => undefined },
  {
    name: 'bus',
    check: async () => {
      if (readinessFailure) throw readinessFailure;
    },
  },
];

const routes = [
  route({
    method: 'get',
    path: '/v1/widgets',
    operationId: 'listWidgets',
    summary: 'List widgets',
    query: ListQuery,
    responses: {
      200: {
        description: 'Widgets',
        schema: Type.Object({ items: Type.Array(Type.String()) }),
        content: { 'text/csv': Type.String() },
      },
    },
    handler: ({ query, principal }) => {
      seenQuery = query;
      return { body: { accountId: principal.accountId, limit: query.limit, items: [] } };
    },
  }),
  route({
    method: 'post',
    path: '/v1/widgets',
    operationId: 'createWidget',
    summary: 'Create a widget',
    body: WidgetBody,
    responses: { 201: { description: 'Created' }, 409: { description: 'Exists' } },
    handler: ({ body }) => {
      if (body.name === 'taken') throw conflict('A widget with that name exists', { name: body.name });
      return { status: 201, body: { name: body.name, quantity: body.quantity } };
    },
  }),
  route({
    method: 'post',
    path: '/v1/widgets/bulk',
    operationId: 'createWidgets',
    summary: 'Create many widgets',
    bodyLimit: '64kb',
    body: Type.Array(WidgetBody),
    responses: { 200: { description: 'Created' } },
    handler: ({ body }) => ({ body: { created: body.length } }),
  }),
  route({
    method: 'get',
    path: '/v1/widgets/:widgetId',
    operationId: 'getWidget',
    summary: 'Get one widget',
    params: WidgetParams,
    responses: { 200: { description: 'The widget' } },
    handler: ({ params, principal }) => {
      if (params.widgetId === 'w-500') throw new Error('db password is hunter2');
      return { body: { widgetId: params.widgetId, userId: principal.userId } };
    },
  }),
  route({
    method: 'delete',
    path: '/v1/widgets/:widgetId',
    operationId: 'deleteWidget',
    summary: 'Delete a widget',
    params: WidgetParams,
    roles: ['admin'],
    headerParams: { 'If-Match': { description: 'The ETag the caller read' } },
    responses: {
      204: { description: 'Deleted', headers: { ETag: { description: 'The new version' } } },
    },
    handler: () => ({ status: 204 }),
  }),
];

function buildApp(): Express {
  return buildHttpApp({
    service: 'widgets',
    version: '1.2.3',
    description: 'test app',
    logger: testLogger(),
    metrics: createMetrics('t', { defaultMetrics: false }),
    authenticator: createAuthenticator({ secret: SECRET }),
    readiness,
    routes,
  });
}

function expectErrorBody(body: unknown, code: string) {
  expect(body).toEqual({
    error: expect.objectContaining({ code, message: expect.any(String), correlationId: expect.any(String) }),
  });
  const keys = Object.keys((body as { error: object }).error).sort();
  expect(keys.filter((k) => k !== 'details')).toEqual(['code', 'correlationId', 'message']);
}

let app: Express;
let adminToken: string;
let memberToken: string;

beforeAll(async () => {
  adminToken = await signDevToken(SECRET, { accountId: 'acme', role: 'admin', sub: 'ada' });
  memberToken = await signDevToken(SECRET, { accountId: 'acme', role: 'member', sub: 'max' });
});

beforeEach(() => {
  app = buildApp();
  seenQuery = undefined;
  readinessFailure = undefined;
});

describe('platform endpoints', () => {
  it('/healthz answers 200 without a token', async () => {
    const res = await request(app).get('/healthz').expect(200);
    expect(res.body).toEqual({ status: 'ok', service: 'widgets' });
  });

  it('/readyz answers 200 when every check passes', async () => {
    const res = await request(app).get('/readyz').expect(200);
    expect(res.body).toEqual({ status: 'ready', checks: { database: 'ok', bus: 'ok' } });
  });

  it("/readyz answers 503 with the failing check's message", async () => {
    readinessFailure = new Error('broker unreachable');
    const res = await request(app).get('/readyz').expect(503);
    expect(res.body.status).toBe('not_ready');
    expect(res.body.checks.database).toBe('ok');
    expect(res.body.checks.bus).toContain('broker unreachable');
  });

  it('/readyz stays 200, "degraded", when only an optional check fails (the broker: writes wait in the outbox)', async () => {
    const degradedApp = buildHttpApp({
      service: 'widgets',
      version: '1.2.3',
      description: 'test app',
      logger: testLogger(),
      metrics: createMetrics('t', { defaultMetrics: false }),
      authenticator: createAuthenticator({ secret: SECRET }),
      readiness: [
        { name: 'database', check: async () => undefined },
        {
          name: 'bus',
          required: false,
          check: async () => {
            throw new Error('broker unreachable');
          },
        },
        { name: 'consumer', required: false, check: async () => 'starting' },
      ],
      routes,
    });
    const res = await request(degradedApp).get('/readyz').expect(200);
    expect(res.body).toEqual({
      status: 'degraded',
      checks: { database: 'ok', bus: 'failed: broker unreachable', consumer: 'starting' },
    });
  });

  it('/metrics serves Prometheus text with the request duration of a served route', async () => {
    await request(app).get('/v1/widgets/w-1').set('Authorization', `Bearer ${adminToken}`).expect(200);
    const res = await request(app).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('# TYPE http_request_duration_seconds histogram');
    // Labelled by route template, not by the concrete URL, to keep cardinality bounded.
    expect(res.text).toMatch(
      /http_request_duration_seconds_count\{[^}]*route="\/v1\/widgets\/:widgetId"[^}]*\} 1/,
    );
    expect(res.text).not.toContain('w-1');
    expect(res.text).toContain('service="t"');
  });
});

describe('OpenAPI document', () => {
  let doc: OpenApiDoc;
  beforeEach(async () => {
    doc = (await request(app).get('/openapi.json').expect(200)).body as OpenApiDoc;
  });

  it('describes every declared route with {param} paths and its operationId', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/v1/widgets']?.get?.operationId).toBe('listWidgets');
    expect(doc.paths['/v1/widgets']?.post?.operationId).toBe('createWidget');
    expect(doc.paths['/v1/widgets/{widgetId}']?.get?.operationId).toBe('getWidget');
    expect(doc.paths['/v1/widgets/{widgetId}']?.delete?.operationId).toBe('deleteWidget');
    expect(Object.keys(doc.paths).some((p) => p.includes(':'))).toBe(false);
  });

  it('documents path and query parameters, and the request body', () => {
    const get = doc.paths['/v1/widgets/{widgetId}']!.get!;
    expect(get.parameters).toEqual([
      expect.objectContaining({ name: 'widgetId', in: 'path', required: true }),
    ]);
    const list = doc.paths['/v1/widgets']!.get!;
    expect(list.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'limit', in: 'query' }),
        expect.objectContaining({ name: 'cursor', in: 'query', required: false }),
      ]),
    );
    const create = doc.paths['/v1/widgets']!.post!;
    expect(create.requestBody?.required).toBe(true);
    expect(create.requestBody?.content['application/json']?.schema).toMatchObject({
      required: expect.arrayContaining(['name', 'quantity']),
    });
    expect(list.requestBody).toBeUndefined();
  });

  it('documents request headers the handler reads (If-Match) and response headers it sets (ETag)', () => {
    const del = doc.paths['/v1/widgets/{widgetId}']!.delete!;
    expect(del.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'If-Match',
          in: 'header',
          required: false,
          schema: { type: 'string' },
        }),
      ]),
    );
    expect(del.responses['204']).toMatchObject({
      headers: { ETag: { description: 'The new version', schema: { type: 'string' } } },
    });
    expect(doc.paths['/v1/widgets/{widgetId}']!.get!.parameters).toHaveLength(1);
  });

  it('documents the 400, 403 and 413 the app answers before a handler runs, where they can happen', async () => {
    const create = doc.paths['/v1/widgets']!.post!;
    expect(create.responses['400']).toMatchObject({
      description: expect.stringContaining('VALIDATION_FAILED'),
    });
    expect(create.responses['403']).toBeUndefined();
    expect(create.responses['413']).toMatchObject({ description: expect.stringContaining('1mb') });
    expect(doc.paths['/v1/widgets/bulk']!.post!.responses['413']).toMatchObject({
      description: expect.stringContaining('64kb'),
    });
    expect(doc.paths['/v1/widgets/{widgetId}']!.get!.responses['413']).toBeUndefined();
    const del = doc.paths['/v1/widgets/{widgetId}']!.delete!;
    expect(del.responses['403']).toMatchObject({ description: expect.stringContaining('admin') });
    expect(doc.paths['/v1/widgets/{widgetId}']!.get!.responses['403']).toBeUndefined();
    // …and they are what the app really answers.
    await request(app)
      .post('/v1/widgets')
      .set('Authorization', `Bearer ${adminToken}`)
      .send({ name: '' })
      .expect(400);
    await request(app).delete('/v1/widgets/w-1').set('Authorization', `Bearer ${memberToken}`).expect(403);
    // A route that validates nothing declares no 400.
    const bare = buildOpenApi({
      service: 's',
      version: '1',
      description: 'd',
      routes: [
        route({
          method: 'get',
          path: '/v1/ping',
          operationId: 'ping',
          summary: 'ping',
          responses: { 200: { description: 'pong' } },
          handler: () => ({ body: {} }),
        }),
      ],
    });
    expect(Object.keys((bare.paths['/v1/ping']!.get as { responses: object }).responses)).toEqual([
      '200',
      '401',
      'default',
    ]);
  });

  it('documents a response in JSON and in other media types (a CSV download)', () => {
    const ok = doc.paths['/v1/widgets']!.get!.responses['200'] as {
      content: Record<string, { schema: unknown }>;
    };
    expect(Object.keys(ok.content).sort()).toEqual(['application/json', 'text/csv']);
    expect(ok.content['text/csv']!.schema).toMatchObject({ type: 'string' });
  });

  it('declares the bearer scheme and requires it on /v1 routes only', () => {
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/v1/widgets']!.post!.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/healthz']!.get!.security).toEqual([]);
  });

  it('documents the 401 and default error responses of authenticated routes', () => {
    const responses = doc.paths['/v1/widgets']!.post!.responses;
    expect(Object.keys(responses)).toEqual(expect.arrayContaining(['201', '409', '401', 'default']));
  });

  it('lists exactly the routes express serves', () => {
    const served = listExpressRoutes(app).map((r) => r.replace(/:([A-Za-z0-9_]+)/g, '{$1}'));
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(served.length).toBeGreaterThan(4);
    expect([...served].sort()).toEqual([...documented].sort());
  });
});

describe('authentication and authorization', () => {
  it('a /v1 route without a token answers 401 in the error body shape', async () => {
    const res = await request(app).get('/v1/widgets').expect(401);
    expectErrorBody(res.body, 'UNAUTHORIZED');
  });

  it('a /v1 route with a bad token answers 401', async () => {
    const forged = await signDevToken('some-other-secret-0123456789', { accountId: 'acme' });
    const res = await request(app).get('/v1/widgets').set('Authorization', `Bearer ${forged}`).expect(401);
    expectErrorBody(res.body, 'UNAUTHORIZED');
  });

  it('a non-bearer Authorization header answers 401', async () => {
    const res = await request(app).get('/v1/widgets').set('Authorization', `Basic ${adminToken}`).expect(401);
    expectErrorBody(res.body, 'UNAUTHORIZED');
  });

  it('a member calling an admin-only route gets 403', async () => {
    const res = await request(app)
      .delete('/v1/widgets/w-1')
      .set('Authorization', `Bearer ${memberToken}`)
      .expect(403);
    expectErrorBody(res.body, 'FORBIDDEN');
    expect(res.body.error.message).toContain('admin');
  });

  it('an admin may call the admin-only route', async () => {
    await request(app).delete('/v1/widgets/w-1').set('Authorization', `Bearer ${adminToken}`).expect(204);
  });

  it('hands the verified principal to the handler', async () => {
    const res = await request(app)
      .get('/v1/widgets/w-7')
      .set('Authorization', `Bearer ${memberToken}`)
      .expect(200);
    expect(res.body).toEqual({ widgetId: 'w-7', userId: 'max' });
  });
});

describe('request validation', () => {
  const post = (body: string | object) =>
    request(app).post('/v1/widgets').set('Authorization', `Bearer ${adminToken}`).type('json').send(body);

  it('accepts a valid body', async () => {
    const res = await post({ name: 'bolt', quantity: 3 }).expect(201);
    expect(res.body).toEqual({ name: 'bolt', quantity: 3 });
  });

  it('a body failing the schema answers 400 VALIDATION_FAILED naming the field', async () => {
    const res = await post({ name: 'bolt', quantity: 0 }).expect(400);
    expectErrorBody(res.body, 'VALIDATION_FAILED');
    expect(res.body.error.message).toContain('quantity');
    expect(res.body.error.message).not.toContain('name');
  });

  it('names a missing required body field', async () => {
    const res = await post({ quantity: 2 }).expect(400);
    expectErrorBody(res.body, 'VALIDATION_FAILED');
    expect(res.body.error.message).toContain('name is required');
  });

  it('each route reads bodies up to its own limit, and a larger one is 413 in the error shape', async () => {
    const many = Array.from({ length: 600 }, (_, i) => ({ name: `widget-${i}`, quantity: 1 })); // ~20 KB
    const big = await request(app)
      .post('/v1/widgets')
      .set('Authorization', `Bearer ${adminToken}`)
      .type('json')
      .send(JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024), quantity: 1 }))
      .expect(413);
    expectErrorBody(big.body, 'PAYLOAD_TOO_LARGE');
    const bulk = await request(app)
      .post('/v1/widgets/bulk')
      .set('Authorization', `Bearer ${adminToken}`)
      .send(many)
      .expect(200);
    expect(bulk.body).toEqual({ created: 600 });
    await request(app)
      .post('/v1/widgets/bulk')
      .set('Authorization', `Bearer ${adminToken}`)
      .send([...many, ...many, ...many, ...many])
      .expect(413);
  });

  it('a body is never read before the caller is authenticated', async () => {
    const res = await request(app).post('/v1/widgets').type('json').send('{"not json').expect(401);
    expectErrorBody(res.body, 'UNAUTHORIZED');
  });

  it('malformed JSON answers 400 MALFORMED_JSON', async () => {
    const res = await post('{"name": "bolt",').expect(400);
    expectErrorBody(res.body, 'MALFORMED_JSON');
  });

  it('coerces query strings to the declared types', async () => {
    const res = await request(app)
      .get('/v1/widgets?limit=5')
      .set('Authorization', `Bearer ${adminToken}`)
      .expect(200);
    expect(seenQuery).toEqual({ limit: 5 });
    expect(res.body.limit).toBe(5);
  });

  it('fills query defaults', async () => {
    await request(app).get('/v1/widgets').set('Authorization', `Bearer ${adminToken}`).expect(200);
    expect(seenQuery).toEqual({ limit: 20 });
  });

  it('rejects a query value that cannot be coerced, naming the parameter', async () => {
    const res = await request(app)
      .get('/v1/widgets?limit=lots')
      .set('Authorization', `Bearer ${adminToken}`)
      .expect(400);
    expectErrorBody(res.body, 'VALIDATION_FAILED');
    expect(res.body.error.message).toContain('limit');
    expect(seenQuery).toBeUndefined();
  });

  it('refuses a query parameter the route does not declare, naming it and the known ones', async () => {
    const res = await request(app)
      .get('/v1/widgets?limit=5&colour=red')
      .set('Authorization', `Bearer ${adminToken}`)
      .expect(400);
    expectErrorBody(res.body, 'VALIDATION_FAILED');
    expect(res.body.error.message).toContain('query parameter colour is not known here');
    expect(res.body.error.message).toContain('known: limit, cursor');
    expect(seenQuery).toBeUndefined();
  });

  it('validates path parameters', async () => {
    const res = await request(app)
      .get('/v1/widgets/nope')
      .set('Authorization', `Bearer ${adminToken}`)
      .expect(400);
    expectErrorBody(res.body, 'VALIDATION_FAILED');
    expect(res.body.error.message).toContain('widgetId');
  });
});

describe('errors', () => {
  it('an unknown route answers 404 NOT_FOUND in the same shape', async () => {
    const res = await request(app).get('/v1/nothing-here').expect(404);
    expectErrorBody(res.body, 'NOT_FOUND');
  });

  it('a plain Error from a handler answers 500 INTERNAL without leaking its text', async () => {
    const res = await request(app)
      .get('/v1/widgets/w-500')
      .set('Authorization', `Bearer ${adminToken}`)
      .expect(500);
    expectErrorBody(res.body, 'INTERNAL');
    expect(JSON.stringify(res.body)).not.toContain('hunter2');
  });

  it('conflict() from a handler answers 409 with its details', async () => {
    const res = await request(app)
      .post('/v1/widgets')
      .set('Authorization', `Bearer ${adminToken}`)
      .send({ name: 'taken', quantity: 1 })
      .expect(409);
    expectErrorBody(res.body, 'CONFLICT');
    expect(res.body.error.details).toEqual({ name: 'taken' });
  });
});

describe('correlation id', () => {
  it('echoes an incoming x-correlation-id in the header and in error bodies', async () => {
    const res = await request(app).get('/v1/widgets').set('x-correlation-id', 'corr-abc.123').expect(401);
    expect(res.headers['x-correlation-id']).toBe('corr-abc.123');
    expect(res.body.error.correlationId).toBe('corr-abc.123');
  });

  it('echoes it on successful responses too', async () => {
    const res = await request(app).get('/healthz').set('x-correlation-id', 'corr-ok').expect(200);
    expect(res.headers['x-correlation-id']).toBe('corr-ok');
  });

  it('replaces an unsafe incoming id with a generated one', async () => {
    const res = await request(app)
      .get('/v1/nothing')
      .set('x-correlation-id', 'bad id\twith spaces')
      .expect(404);
    expect(res.headers['x-correlation-id']).not.toContain('bad id');
    expect(res.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.error.correlationId).toBe(res.headers['x-correlation-id']);
  });

  it('generates one when none is sent', async () => {
    const res = await request(app).get('/healthz').expect(200);
    expect(res.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('public routes (auth: none, raw body) for signed webhooks', () => {
  let seen: { raw: string; hasPrincipal: boolean } | undefined;
  const hooks = buildHttpApp({
    service: 'hooks',
    version: '1.0.0',
    description: 'webhook test app',
    logger: testLogger(),
    metrics: createMetrics('h', { defaultMetrics: false }),
    authenticator: createAuthenticator({ secret: SECRET }),
    readiness,
    routes: [
      publicRoute({
        method: 'post',
        path: '/v1/hooks/:id',
        operationId: 'receiveHook',
        summary: 'A signed webhook',
        params: Type.Object({ id: Type.String({ pattern: '^h-[0-9]+$' }) }),
        bodyLimit: '1kb',
        responses: { 200: { description: 'Accepted' } },
        handler: (ctx) => {
          seen = { raw: ctx.rawBody.toString('utf8'), hasPrincipal: 'principal' in ctx };
          return { body: { id: ctx.params.id, bytes: ctx.rawBody.length } };
        },
      }),
    ],
  });

  beforeEach(() => {
    seen = undefined;
  });

  it('answers without a bearer token and hands the handler the exact bytes, never a principal', async () => {
    // Whitespace and key order matter to an HMAC: the handler must see the body unparsed.
    const body = '{"b": 1,  "a":[2, 3]}\n';
    const res = await request(hooks)
      .post('/v1/hooks/h-1')
      .set('Content-Type', 'application/json')
      .send(body)
      .expect(200);
    expect(res.body).toEqual({ id: 'h-1', bytes: Buffer.byteLength(body) });
    expect(seen).toEqual({ raw: body, hasPrincipal: false });
  });

  it('takes any content type (a form-encoded ping) and still validates path parameters', async () => {
    await request(hooks)
      .post('/v1/hooks/h-2')
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send('webhook_id=12')
      .expect(200);
    expect(seen?.raw).toBe('webhook_id=12');
    const bad = await request(hooks).post('/v1/hooks/nope').send('{}').expect(400);
    expectErrorBody(bad.body, 'VALIDATION_FAILED');
  });

  it('keeps its own body limit (413 in the error shape)', async () => {
    const res = await request(hooks)
      .post('/v1/hooks/h-3')
      .set('Content-Type', 'application/json')
      .send(`{"x":"${'a'.repeat(2000)}"}`)
      .expect(413);
    expectErrorBody(res.body, 'PAYLOAD_TOO_LARGE');
  });

  it('is documented without a security requirement', async () => {
    const doc = (await request(hooks).get('/openapi.json').expect(200)).body as OpenApiDoc;
    expect(doc.paths['/v1/hooks/{id}']?.post?.security).toEqual([]);
  });

  it('refuses a declaration that asks for roles without authentication', () => {
    expect(() =>
      buildHttpApp({
        service: 'x',
        version: '1',
        description: 'x',
        logger: testLogger(),
        metrics: createMetrics('x', { defaultMetrics: false }),
        authenticator: createAuthenticator({ secret: SECRET }),
        readiness,
        routes: [{ ...routes[0]!, auth: 'none', roles: ['admin'] }],
      }),
    ).toThrow(/without auth cannot ask for roles/);
  });
});
