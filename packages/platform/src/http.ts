import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { pinoHttp } from 'pino-http';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Static, TSchema } from '@sinclair/typebox';
import { withoutUnionNoise } from '@crp/contracts/ajv-errors';
import type { Authenticator, Principal } from './auth';
import { AppError, notFound, unauthorized, validationFailed } from './errors';
import { requestForLog, type Logger } from './logger';
import type { Metrics } from './metrics';
import { accountRateLimit, type RateLimitOptions } from './rate-limit';

// Path and query values are strings on the wire: that validator coerces them to the declared
// types. JSON bodies already have types: that one never coerces (`"5"` is not a number, `null` is
// not a string); both fill defaults.
const stringsAjv = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true, strict: false });
const bodyAjv = new Ajv({ allErrors: true, coerceTypes: false, useDefaults: true, strict: false });
addFormats(stringsAjv);
addFormats(bodyAjv);
// Answers are checked (HTTP_CHECK_RESPONSES) as they are: no defaults filled in, nothing coerced.
const responseAjv = new Ajv({ allErrors: true, coerceTypes: false, useDefaults: false, strict: false });
addFormats(responseAjv);
const compiled = {
  strings: new WeakMap<object, ValidateFunction>(),
  body: new WeakMap<object, ValidateFunction>(),
  response: new WeakMap<object, ValidateFunction>(),
};
function validatorFor(schema: TSchema, kind: 'strings' | 'body' | 'response'): ValidateFunction {
  let v = compiled[kind].get(schema);
  if (!v) {
    v = (kind === 'body' ? bodyAjv : kind === 'response' ? responseAjv : stringsAjv).compile(schema);
    compiled[kind].set(schema, v);
  }
  return v;
}

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RequestContext<B = unknown, P = Record<string, string>, Q = Record<string, unknown>> {
  body: B;
  params: P;
  query: Q;
  principal: Principal;
  correlationId: string;
  log: Logger;
  req: Request;
  res: Response;
  /** The body exactly as received, on `rawBody` routes (webhooks verify signatures over it). */
  rawBody: Buffer | null;
}

/** What a handler of an unauthenticated route sees: no principal, the raw body. */
export type PublicRequestContext<P = Record<string, string>, Q = Record<string, unknown>> = Omit<
  RequestContext<unknown, P, Q>,
  'principal' | 'body' | 'rawBody'
> & { rawBody: Buffer };

export interface HandlerResult {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Send a raw payload (CSV export, …) instead of JSON. */
  raw?: string | Buffer;
  /** Stream the body (a large CSV export) with backpressure instead of building it in memory. */
  stream?: Readable;
}

export interface RouteSpec<
  B extends TSchema = TSchema,
  P extends TSchema = TSchema,
  Q extends TSchema = TSchema,
> {
  method: Method;
  /** Express syntax: /v1/customers/:customerId */
  path: string;
  operationId: string;
  summary: string;
  tags?: string[];
  body?: B;
  /**
   * A request body the handler validates itself (e.g. per item of a batch, so that one bad item
   * does not refuse the others): documented in OpenAPI, not checked before the handler runs.
   */
  bodyDoc?: TSchema;
  /** The media type the OpenAPI document gives the request body (default application/json). */
  bodyContentType?: string;
  params?: P;
  query?: Q;
  /**
   * Request headers the handler reads itself (e.g. `If-Match`), by name: documented in OpenAPI as
   * header parameters, not checked before the handler runs.
   */
  headerParams?: Record<string, { description: string; schema?: TSchema; required?: boolean }>;
  responses: Record<
    number,
    {
      description: string;
      schema?: TSchema;
      /** Media types other than JSON (a CSV download), each with its schema. */
      content?: Record<string, TSchema>;
      /** Response headers the handler sets (e.g. `ETag`), documented in OpenAPI. */
      headers?: Record<string, { description: string; schema?: TSchema }>;
    }
  >;
  /** Roles allowed; default both. */
  roles?: Array<Principal['role']>;
  /** Largest JSON body this route reads (express size syntax); default the app's `bodyLimit`. */
  bodyLimit?: string;
  /**
   * `none`: no bearer token is asked for (callers that authenticate otherwise, e.g. webhooks
   * signed with a shared secret). Declare such routes with `publicRoute()`. Default `bearer`.
   */
  auth?: 'bearer' | 'none';
  /** Keep the body as the raw bytes (any content type, up to `bodyLimit`) instead of parsing JSON. */
  rawBody?: boolean;
  handler: (ctx: RequestContext<Static<B>, Static<P>, Static<Q>>) => Promise<HandlerResult> | HandlerResult;
}

/** Keeps handler typing precise where routes are declared. */
export function route<B extends TSchema, P extends TSchema, Q extends TSchema>(
  spec: RouteSpec<B, P, Q>,
): RouteSpec<TSchema, TSchema, TSchema> {
  return spec as unknown as RouteSpec<TSchema, TSchema, TSchema>;
}

/**
 * A route that needs no bearer token and receives its body as raw bytes, for callers that
 * authenticate by other means over those exact bytes (webhook HMAC signatures). The handler never
 * sees a principal: whatever it trusts, it must establish itself.
 */
export function publicRoute<P extends TSchema, Q extends TSchema>(
  spec: Omit<RouteSpec<TSchema, P, Q>, 'handler' | 'auth' | 'rawBody' | 'roles' | 'body' | 'bodyDoc'> & {
    bodyDoc?: TSchema;
    handler: (ctx: PublicRequestContext<Static<P>, Static<Q>>) => Promise<HandlerResult> | HandlerResult;
  },
): RouteSpec<TSchema, TSchema, TSchema> {
  const { handler, ...rest } = spec;
  return {
    ...(rest as unknown as RouteSpec),
    auth: 'none',
    rawBody: true,
    handler: (ctx) => {
      const { principal: _p, body: _b, rawBody, ...others } = ctx;
      return handler({
        ...(others as Omit<PublicRequestContext<Static<P>, Static<Q>>, 'rawBody'>),
        rawBody: rawBody ?? Buffer.alloc(0),
      });
    },
  };
}

export interface ReadinessCheck {
  name: string;
  /** Throws when failing; a returned string is reported instead of "ok" (e.g. "starting"). */
  check: () => Promise<void | string>;
  /**
   * Whether the service can serve its HTTP API without it (default true). A failing optional
   * check is reported and makes the status "degraded", still 200: e.g. the broker, since every
   * write goes to the outbox and is published once the broker is back (docs/adr/0017).
   */
  required?: boolean;
}

export interface HttpAppOptions {
  service: string;
  version: string;
  description: string;
  logger: Logger;
  metrics: Metrics;
  authenticator: Authenticator;
  readiness: ReadinessCheck[];
  routes: Array<RouteSpec<TSchema, TSchema, TSchema>>;
  bodyLimit?: string;
  /** Per-account budget of the authenticated routes (default: none). */
  rateLimit?: RateLimitOptions;
  /**
   * Check every JSON answer against the schema its route documents (checkAnswer); default: the
   * environment's HTTP_CHECK_RESPONSES=1 when the app is built (the jest presets set it).
   */
  checkResponses?: boolean;
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown; correlationId: string };
}

const CORRELATION_HEADER = 'x-correlation-id';

/** Builds the express app of a service. Never listens: main.ts does, tests use supertest. */
export function buildHttpApp(opts: HttpAppOptions): Express {
  const checkResponses = opts.checkResponses ?? process.env.HTTP_CHECK_RESPONSES === '1';
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);

  app.use((req, res, next) => {
    const incoming = req.header(CORRELATION_HEADER);
    const id = incoming && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : randomUUID();
    res.locals.correlationId = id;
    res.setHeader(CORRELATION_HEADER, id);
    next();
  });
  app.use(
    pinoHttp({
      logger: opts.logger,
      genReqId: (_req, res) => (res as Response).locals.correlationId as string,
      customProps: (_req, res) => ({ correlationId: (res as Response).locals.correlationId }),
      autoLogging: { ignore: (req) => ['/healthz', '/readyz', '/metrics'].includes(req.url ?? '') },
      serializers: { req: requestForLog },
    }),
  );
  app.use((req, res, next) => {
    const end = opts.metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const routePath = (req.route as { path?: string } | undefined)?.path;
      end({
        method: req.method,
        route: routePath ? `${req.baseUrl}${routePath}` : 'unmatched',
        status: res.statusCode,
      });
    });
    next();
  });
  // Bodies are read per route, after authentication, each route with its own size limit: an
  // unauthenticated caller never gets a large body parsed.
  const jsonParsers = new Map<string, ReturnType<typeof express.json>>();
  const jsonBody = (limit: string) => {
    let parser = jsonParsers.get(limit);
    if (!parser) {
      parser = express.json({ limit });
      jsonParsers.set(limit, parser);
    }
    return parser;
  };

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service: opts.service });
  });
  app.get('/readyz', async (_req, res) => {
    const checks: Record<string, string> = {};
    let ready = true;
    let degraded = false;
    await Promise.all(
      opts.readiness.map(async (c) => {
        try {
          const said = await withTimeout(c.check(), 3000, `${c.name} did not answer within 3s`);
          checks[c.name] = typeof said === 'string' ? said : 'ok';
        } catch (err) {
          if (c.required === false) degraded = true;
          else ready = false;
          checks[c.name] = `failed: ${(err as Error).message}`;
        }
      }),
    );
    const status = !ready ? 'not_ready' : degraded ? 'degraded' : 'ready';
    res.status(ready ? 200 : 503).json({ status, checks });
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', opts.metrics.registry.contentType);
    res.send(await opts.metrics.registry.metrics());
  });
  const openapi = buildOpenApi(opts);
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });

  const authenticate = async (req: Request, res: Response, next: NextFunction) => {
    try {
      const header = req.header('authorization');
      const m = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
      if (!m) throw unauthorized('Missing "Authorization: Bearer <token>" header');
      res.locals.principal = await opts.authenticator.verify(m[1]!);
      next();
    } catch (err) {
      next(err);
    }
  };

  const rawParsers = new Map<string, ReturnType<typeof express.raw>>();
  const rawBody = (limit: string) => {
    let parser = rawParsers.get(limit);
    if (!parser) {
      parser = express.raw({ limit, type: () => true });
      rawParsers.set(limit, parser);
    }
    return parser;
  };
  const noAuth = (_req: Request, _res: Response, next: NextFunction) => next();
  // One budget per account across all the routes of this app, counted before a body is read.
  const limited = accountRateLimit(opts.rateLimit ?? { requests: 0, windowMs: 60_000 });

  for (const spec of opts.routes) {
    const limit = spec.bodyLimit ?? opts.bodyLimit ?? '1mb';
    const isPublic = spec.auth === 'none';
    if (isPublic && spec.roles)
      throw new Error(`${spec.operationId}: a route without auth cannot ask for roles`);
    app[spec.method](
      spec.path,
      isPublic ? noAuth : authenticate,
      isPublic ? noAuth : limited,
      spec.rawBody ? rawBody(limit) : jsonBody(limit),
      async (req: Request, res: Response, next: NextFunction) => {
        try {
          const principal = res.locals.principal as Principal;
          if (!isPublic && spec.roles && !spec.roles.includes(principal.role)) {
            throw new AppError('FORBIDDEN', `This action needs the ${spec.roles.join(' or ')} role`, 403);
          }
          const params = validatePart(spec.params, { ...req.params }, 'path parameter', 'strings');
          const rawQuery = { ...(req.query as object) };
          rejectUnknownQuery(spec.query, rawQuery);
          const query = validatePart(spec.query, rawQuery, 'query parameter', 'strings');
          const raw = spec.rawBody ? (Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)) : null;
          const body = raw
            ? undefined
            : spec.body
              ? validatePart(spec.body, req.body ?? {}, 'body', 'body')
              : req.body;
          const result = await spec.handler({
            body,
            params: params as Record<string, string>,
            query: query as Record<string, unknown>,
            principal,
            correlationId: res.locals.correlationId as string,
            log: req.log,
            req,
            res,
            rawBody: raw,
          });
          for (const [k, v] of Object.entries(result.headers ?? {})) res.setHeader(k, v);
          res.status(result.status ?? 200);
          if (result.stream) await pipeline(result.stream, res);
          else if (result.raw !== undefined) res.send(result.raw);
          else if (result.body === undefined) res.end();
          else {
            if (checkResponses) checkAnswer(spec, result.status ?? 200, result.body);
            res.json(result.body);
          }
        } catch (err) {
          next(err);
        }
      },
    );
  }

  app.use((req, _res, next) => next(notFound(`Route ${req.method} ${req.path}`)));
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const correlationId = (res.locals.correlationId as string) ?? randomUUID();
    if (res.headersSent) {
      // A streamed body failed half way: the status is sent, so all that is left is to cut it short.
      req.log?.error({ err, correlationId }, 'streamed response failed');
      res.destroy();
      return;
    }
    const body = toErrorBody(err, correlationId);
    const status = statusOf(err);
    if (status >= 500) req.log?.error({ err, correlationId }, 'request failed');
    else req.log?.info({ code: body.error.code, correlationId }, body.error.message);
    res.status(status).json(body);
  });
  return app;
}

/**
 * Checks a JSON value against a schema the way request bodies are checked (no coercion, defaults
 * filled in place) and returns the problems as readable sentences; empty when it is valid.
 */
export function problemsWith(schema: TSchema, value: unknown, part = 'body'): string[] {
  const validate = validatorFor(schema, 'body');
  return validate(value) ? [] : describeErrors(validate.errors ?? [], part);
}

/**
 * With checkResponses (HTTP_CHECK_RESPONSES=1, which the jest presets set): a JSON answer is checked against the schema its
 * route documents for that status (the OpenAPI document's), as it goes on the wire (dates as
 * strings). One that does not match is thrown as a 500 naming each problem, so any test that
 * exercises the route fails where the documentation and the code part. Off in production.
 */
function checkAnswer(spec: RouteSpec<TSchema, TSchema, TSchema>, status: number, body: unknown): void {
  const schema = spec.responses[status]?.schema;
  if (!schema) return;
  const validate = validatorFor(schema, 'response');
  const wire: unknown = JSON.parse(JSON.stringify(body));
  if (validate(wire)) return;
  const problems = describeErrors(validate.errors ?? [], 'response');
  throw new AppError(
    'RESPONSE_NOT_AS_DOCUMENTED',
    `${spec.method.toUpperCase()} ${spec.path} answered ${status} with a body its documented schema does not allow: ${problems.join('; ')}`,
    500,
  );
}

function validatePart(
  schema: TSchema | undefined,
  value: unknown,
  part: string,
  kind: 'strings' | 'body',
): unknown {
  if (kind === 'strings') refuseNul(value, part);
  if (!schema) return value;
  const validate = validatorFor(schema, kind);
  if (validate(value)) return value;
  const problems = describeErrors(validate.errors ?? [], part);
  throw validationFailed(`Invalid ${part}: ${problems.join('; ')}`, problems);
}

/**
 * A NUL character is never part of a real id or search term, and databases disagree on it (SQLite
 * ends a LIKE pattern there, so `q=a%00b` searched for `a`): a path or query value with one is a 400.
 */
function refuseNul(value: unknown, part: string): void {
  for (const [name, v] of Object.entries((value ?? {}) as Record<string, unknown>)) {
    const values = Array.isArray(v) ? v : [v];
    if (values.some((x) => typeof x === 'string' && x.includes('\u0000'))) {
      const problem = `${part} ${name} contains a NUL character`;
      throw validationFailed(`Invalid ${part}: ${problem}`, [problem]);
    }
  }
}

/**
 * A route that declares its query parameters refuses any other one, naming it: a misspelt filter
 * (`?phnoe=…`) silently ignored would answer with every record instead of the few asked for. A
 * schema that sets `additionalProperties: true` opts out.
 */
function rejectUnknownQuery(schema: TSchema | undefined, query: Record<string, unknown>): void {
  const s = schema as { properties?: Record<string, unknown>; additionalProperties?: unknown } | undefined;
  if (!s?.properties || s.additionalProperties === true) return;
  const unknown = Object.keys(query).filter((k) => !Object.hasOwn(s.properties!, k));
  if (unknown.length === 0) return;
  const known = Object.keys(s.properties);
  const problems = unknown.map(
    (k) =>
      `query parameter ${k} is not known here (${known.length ? `known: ${known.join(', ')}` : 'this endpoint takes none'})`,
  );
  throw validationFailed(`Invalid query parameter: ${problems.join('; ')}`, problems);
}

/**
 * One sentence per problem. A value that fails a union (a nullable field) is described once, by
 * what it was meant to be (`body notes must NOT have more than 5000 characters`, without "must be
 * null" and "must match a schema in anyOf"), or by the types allowed (`body notes must be a string
 * or null`): withoutUnionNoise.
 */
function describeErrors(errors: NonNullable<ValidateFunction['errors']>, part: string): string[] {
  return withoutUnionNoise(errors).map((e) => {
    const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : '';
    if (e.keyword === 'required') {
      return `${part} ${where ? `${where}.` : ''}${String(e.params.missingProperty)} is required`;
    }
    if (e.keyword === 'additionalProperties') {
      return `${part} ${where ? `${where}.` : ''}${String(e.params.additionalProperty)} is not allowed`;
    }
    return `${part} ${where || '(root)'} ${e.message ?? 'is invalid'}`.replace(/\s+/g, ' ');
  });
}

function statusOf(err: unknown): number {
  if (err instanceof AppError) return err.status;
  const e = err as { status?: number; statusCode?: number; type?: string };
  // body-parser errors (malformed JSON, too large) carry a 4xx status
  const s = e?.status ?? e?.statusCode;
  if (typeof s === 'number' && s >= 400 && s < 500) return s;
  return 500;
}

export function toErrorBody(err: unknown, correlationId: string): ErrorBody {
  if (err instanceof AppError) {
    return {
      error: {
        code: err.code,
        message: err.message,
        ...(err.details !== undefined ? { details: err.details } : {}),
        correlationId,
      },
    };
  }
  const e = err as { status?: number; type?: string; message?: string };
  if (e?.type === 'entity.parse.failed') {
    return {
      error: {
        code: 'MALFORMED_JSON',
        message: `Request body is not valid JSON: ${e.message}`,
        correlationId,
      },
    };
  }
  if (e?.type === 'entity.too.large') {
    return { error: { code: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large', correlationId } };
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return { error: { code: 'BAD_REQUEST', message: e.message ?? 'Bad request', correlationId } };
  }
  return {
    error: {
      code: 'INTERNAL',
      message: 'Internal error; quote the correlationId when reporting it',
      correlationId,
    },
  };
}

async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

const ErrorBodySchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'correlationId'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: {},
        correlationId: { type: 'string' },
      },
    },
  },
};

/** The OpenAPI 3.1 document, generated from the same route table that express serves. */
export function buildOpenApi(
  opts: Pick<HttpAppOptions, 'service' | 'version' | 'description' | 'routes'> &
    Partial<Pick<HttpAppOptions, 'bodyLimit'>>,
) {
  const paths: Record<string, Record<string, unknown>> = {
    '/healthz': { get: platformOp('healthz', 'Liveness: the process answers') },
    '/readyz': {
      get: platformOp(
        'readyz',
        'Readiness: 200 while the service can serve its API (database reachable), "degraded" when an optional check fails (broker, consumer); 503 when not, or shutting down',
      ),
    },
    '/metrics': { get: platformOp('metrics', 'Prometheus metrics (text format)') },
    '/openapi.json': { get: platformOp('openapi', 'This document') },
  };
  for (const r of opts.routes) {
    const oaPath = r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ['path', r.params],
      ['query', r.query],
    ] as const) {
      const props = (schema as { properties?: Record<string, TSchema> } | undefined)?.properties ?? {};
      const required = new Set((schema as { required?: string[] } | undefined)?.required ?? []);
      for (const [name, s] of Object.entries(props)) {
        // A parameter with a default may be left out, whatever the schema's `required` says.
        const optional =
          where !== 'path' && (!required.has(name) || (s as { default?: unknown }).default !== undefined);
        parameters.push({ name, in: where, required: !optional, schema: s });
      }
    }
    for (const [name, h] of Object.entries(r.headerParams ?? {})) {
      parameters.push({
        name,
        in: 'header',
        required: h.required ?? false,
        description: h.description,
        schema: h.schema ?? { type: 'string' },
      });
    }
    const responses: Record<string, unknown> = {};
    for (const [status, resp] of Object.entries(r.responses)) {
      responses[status] = {
        description: resp.description,
        ...(resp.headers
          ? {
              headers: Object.fromEntries(
                Object.entries(resp.headers).map(([name, h]) => [
                  name,
                  { description: h.description, schema: h.schema ?? { type: 'string' } },
                ]),
              ),
            }
          : {}),
        ...(resp.schema || resp.content
          ? {
              content: {
                ...(resp.schema ? { 'application/json': { schema: resp.schema } } : {}),
                ...Object.fromEntries(
                  Object.entries(resp.content ?? {}).map(([type, schema]) => [type, { schema }]),
                ),
              },
            }
          : {}),
      };
    }
    // What the app answers before the handler runs, for every route it applies to.
    if (r.params || r.query || r.body || r.bodyDoc)
      responses['400'] ??= {
        description:
          'VALIDATION_FAILED: a path parameter, query parameter (an unknown one too) or the body does not fit its schema; details names each problem',
        content: { 'application/json': { schema: ErrorBodySchema } },
      };
    responses['401'] ??= {
      description:
        r.auth === 'none' ? 'Not authenticated (e.g. a bad signature)' : 'Missing or invalid token',
      content: { 'application/json': { schema: ErrorBodySchema } },
    };
    if (r.body || r.bodyDoc || r.rawBody)
      responses['413'] ??= {
        description: `PAYLOAD_TOO_LARGE: a body over ${r.bodyLimit ?? opts.bodyLimit ?? '1mb'}`,
        content: { 'application/json': { schema: ErrorBodySchema } },
      };
    if (r.roles)
      responses['403'] ??= {
        description: `FORBIDDEN: needs the ${r.roles.join(' or ')} role`,
        content: { 'application/json': { schema: ErrorBodySchema } },
      };
    responses['default'] = {
      description: 'Error',
      content: { 'application/json': { schema: ErrorBodySchema } },
    };
    paths[oaPath] ??= {};
    paths[oaPath]![r.method] = {
      operationId: r.operationId,
      summary: r.summary,
      tags: r.tags ?? [],
      security: r.auth === 'none' ? [] : [{ bearer: [] }],
      ...(parameters.length ? { parameters } : {}),
      ...((r.body ?? r.bodyDoc)
        ? {
            requestBody: {
              required: true,
              content: { [r.bodyContentType ?? 'application/json']: { schema: r.body ?? r.bodyDoc } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: opts.service, version: opts.version, description: opts.description },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Error: ErrorBodySchema },
    },
    paths,
  };
}

function platformOp(operationId: string, summary: string) {
  return {
    operationId,
    summary,
    tags: ['platform'],
    security: [],
    responses: { '200': { description: 'OK' } },
  };
}

/** The routes express actually serves, as `METHOD /path` (used to check the OpenAPI document). */
export function listExpressRoutes(app: Express): string[] {
  const router =
    (app as unknown as { router?: { stack: Layer[] }; _router?: { stack: Layer[] } }).router ??
    (app as unknown as { _router?: { stack: Layer[] } })._router;
  const out: string[] = [];
  for (const layer of router?.stack ?? []) {
    if (!layer.route) continue;
    for (const m of Object.keys(layer.route.methods)) {
      if (layer.route.methods[m]) out.push(`${m.toUpperCase()} ${layer.route.path}`);
    }
  }
  return out;
}
interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
}
