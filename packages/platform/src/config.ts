import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';

// A separate ajv from the contracts' one on purpose: environment variables are strings, so this
// one coerces types and fills defaults, which the event validator must never do.
const envAjv = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true, strict: false });
addFormats(envAjv);

export class ConfigError extends Error {
  constructor(
    readonly service: string,
    readonly problems: string[],
  ) {
    super(`${service}: invalid configuration:\n  - ${problems.join('\n  - ')}\n(see .env.example)`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads the variables a schema names from `env`, coerces and defaults them, and returns a frozen
 * object; every problem is listed at once, by variable name, so a bad deploy fails at start.
 */
export function loadConfig<S extends TObject<TProperties>>(
  service: string,
  schema: S,
  env: Record<string, string | undefined> = process.env,
): Readonly<Static<S>> {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const v = env[key];
    if (v !== undefined && v !== '') picked[key] = v;
  }
  const validate = envAjv.compile(schema);
  if (!validate(picked)) {
    // One line per variable. Values are never echoed: they may be secrets or URLs with passwords.
    const byName = new Map<string, string>();
    for (const e of validate.errors ?? []) {
      if (e.keyword === 'required') {
        byName.set(String(e.params.missingProperty), 'is required');
        continue;
      }
      const name = e.instancePath.replace(/^\//, '');
      const prop = (schema.properties as Record<string, { anyOf?: Array<{ const?: unknown }> }>)[name];
      const choices = prop?.anyOf?.map((c) => c.const).filter((c) => c !== undefined);
      if (choices?.length)
        byName.set(name, `must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`);
      else if (!byName.has(name)) byName.set(name, e.message ?? 'is invalid');
    }
    throw new ConfigError(
      service,
      [...byName].map(([name, problem]) => `${name} ${problem}`),
    );
  }
  return Object.freeze(picked) as Readonly<Static<S>>;
}

/** The variables every service reads; each service adds its own. Documented in .env.example. */
export const commonConfig = {
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('test'), Type.Literal('production')], {
    default: 'development',
  }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  DATABASE_URL: Type.String({
    pattern: '^(mysql|mariadb)://|^sqlite:',
    description:
      'mysql://user:pass@host:3306/db, or sqlite:<file> / sqlite::memory: for the embedded default',
  }),
  BUS: Type.Union([Type.Literal('kafka'), Type.Literal('in-process')], { default: 'kafka' }),
  KAFKA_BROKERS: Type.String({ default: '127.0.0.1:9092', description: 'comma-separated host:port list' }),
  KAFKA_CLIENT_ID: Type.Optional(Type.String()),
  KAFKA_TOPIC_PREFIX: Type.String({
    default: '',
    description: 'prepended to every topic and consumer group (tests, shared clusters)',
  }),
  AUTH_JWT_SECRET: Type.Optional(Type.String({ minLength: 16 })),
  AUTH_JWKS_URL: Type.Optional(Type.String({ format: 'uri' })),
  AUTH_ISSUER: Type.Optional(Type.String()),
  AUTH_AUDIENCE: Type.Optional(Type.String()),
  KAFKA_TOPIC_PARTITIONS: Type.Integer({
    minimum: 1,
    maximum: 1000,
    default: 3,
    description: 'partitions of the topics a service creates (existing topics keep theirs)',
  }),
  OUTBOX_POLL_MS: Type.Integer({ minimum: 10, default: 200 }),
  OUTBOX_BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 10000, default: 1000 }),
  OUTBOX_RETENTION_MS: Type.Integer({ minimum: 0, default: 3_600_000 }),
  INBOX_RETENTION_MS: Type.Integer({ minimum: 0, default: 604_800_000 }),
  CONSUMER_MAX_ATTEMPTS: Type.Integer({ minimum: 1, default: 5 }),
  CONSUMER_BATCH_MAX: Type.Integer({ minimum: 1, maximum: 10000, default: 1000 }),
  CONSUMER_PARTITIONS_CONCURRENTLY: Type.Integer({ minimum: 1, maximum: 64, default: 3 }),
  CONSUMER_MAX_WAIT_MS: Type.Integer({ minimum: 1, maximum: 10000, default: 50 }),
  CONSUMER_MAX_BYTES_PER_PARTITION: Type.Integer({
    minimum: 65536,
    maximum: 67108864,
    default: 1048576,
    description:
      'bytes one fetch takes from a partition (about 1,000 order events per MB); bounds the memory a delivery holds',
  }),
  CONSUMER_SESSION_TIMEOUT_MS: Type.Integer({
    minimum: 6000,
    maximum: 300000,
    default: 30000,
    description: 'how long the broker waits for a silent consumer before giving its partitions to another',
  }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10000 }),
  DB_MIGRATE_ON_START: Type.Boolean({
    default: true,
    description: 'apply pending migrations at start (false where a migration Job runs them first)',
  }),
  SHUTDOWN_DELAY_MS: Type.Integer({
    minimum: 0,
    maximum: 60000,
    default: 0,
    description: 'after SIGTERM, /readyz is 503 this long before requests are refused (load balancers)',
  }),
  HTTP_MAX_HEADER_BYTES: Type.Integer({
    minimum: 1024,
    maximum: 1048576,
    default: 16384,
    description: 'request heads larger than this are answered 431',
  }),
  RATE_LIMIT_REQUESTS: Type.Integer({
    minimum: 0,
    default: 6000,
    description:
      'requests one account may make to one instance per RATE_LIMIT_WINDOW_MS (429 past it); 0: off',
  }),
  RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 1000, default: 60000 }),
};

export type CommonConfig = Static<TObject<typeof commonConfig>>;

/** Auth needs one of a shared secret (local) or a JWKS URL (deployments). */
export function assertAuthConfigured(
  service: string,
  cfg: { AUTH_JWT_SECRET?: string; AUTH_JWKS_URL?: string },
) {
  if (!cfg.AUTH_JWT_SECRET && !cfg.AUTH_JWKS_URL) {
    throw new ConfigError(service, ['set AUTH_JWT_SECRET (HS256, local use) or AUTH_JWKS_URL (deployments)']);
  }
}
