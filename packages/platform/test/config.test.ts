import { Type } from '@sinclair/typebox';
import { ConfigError, assertAuthConfigured, commonConfig, loadConfig } from '../src/config';

const schema = Type.Object(commonConfig);
const minimalEnv = { DATABASE_URL: 'sqlite::memory:' };

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('loadConfig', () => {
  it('coerces numeric strings to numbers', () => {
    const cfg = loadConfig('svc', schema, {
      ...minimalEnv,
      OUTBOX_POLL_MS: '750',
      CONSUMER_MAX_ATTEMPTS: '3',
    });
    expect(cfg.OUTBOX_POLL_MS).toBe(750);
    expect(cfg.CONSUMER_MAX_ATTEMPTS).toBe(3);
  });

  it('fills defaults for unset variables', () => {
    const cfg = loadConfig('svc', schema, minimalEnv);
    expect(cfg).toMatchObject({
      BUS: 'kafka',
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      KAFKA_BROKERS: '127.0.0.1:9092',
      KAFKA_TOPIC_PREFIX: '',
      OUTBOX_POLL_MS: 200,
      CONSUMER_MAX_ATTEMPTS: 5,
      SHUTDOWN_TIMEOUT_MS: 10000,
    });
    expect(cfg.AUTH_JWT_SECRET).toBeUndefined();
  });

  it('returns a frozen object', () => {
    const cfg = loadConfig('svc', schema, minimalEnv);
    expect(Object.isFrozen(cfg)).toBe(true);
    expect(() => {
      (cfg as { BUS: string }).BUS = 'in-process';
    }).toThrow(TypeError);
  });

  it('lists every problem at once, by variable name', () => {
    const err = configErrorOf(() =>
      loadConfig('orders', schema, { ...minimalEnv, OUTBOX_POLL_MS: 'soon', BUS: 'rabbitmq' }),
    );
    expect(err.message).toContain('orders');
    expect(err.message).toContain('OUTBOX_POLL_MS');
    expect(err.message).toContain('BUS');
    expect(err.problems.some((p) => p.startsWith('OUTBOX_POLL_MS'))).toBe(true);
    expect(err.problems.some((p) => p.startsWith('BUS'))).toBe(true);
  });

  it('names a missing required variable', () => {
    const err = configErrorOf(() => loadConfig('svc', schema, {}));
    expect(err.problems).toContain('DATABASE_URL is required');
  });

  it('rejects values outside the declared bounds', () => {
    const err = configErrorOf(() => loadConfig('svc', schema, { ...minimalEnv, OUTBOX_POLL_MS: '5' }));
    expect(err.message).toContain('OUTBOX_POLL_MS');
  });

  it('treats empty strings as unset', () => {
    const cfg = loadConfig('svc', schema, {
      ...minimalEnv,
      OUTBOX_POLL_MS: '',
      BUS: '',
      AUTH_JWT_SECRET: '',
    });
    expect(cfg.OUTBOX_POLL_MS).toBe(200);
    expect(cfg.BUS).toBe('kafka');
    // An empty secret would otherwise fail minLength and block start for no reason.
    expect(cfg.AUTH_JWT_SECRET).toBeUndefined();

    const err = configErrorOf(() => loadConfig('svc', schema, { DATABASE_URL: '' }));
    expect(err.problems).toContain('DATABASE_URL is required');
  });

  it('ignores variables the schema does not name', () => {
    const cfg = loadConfig('svc', schema, {
      ...minimalEnv,
      PATH: '/usr/bin',
      HOME: '/root',
      SOMETHING_ELSE: 'x',
    });
    expect(cfg).not.toHaveProperty('PATH');
    expect(cfg).not.toHaveProperty('HOME');
    expect(cfg).not.toHaveProperty('SOMETHING_ELSE');
  });

  it('does not mutate the env it reads', () => {
    const env = { ...minimalEnv, OUTBOX_POLL_MS: '300' };
    loadConfig('svc', schema, env);
    expect(env).toEqual({ DATABASE_URL: 'sqlite::memory:', OUTBOX_POLL_MS: '300' });
  });
});

describe('assertAuthConfigured', () => {
  it('throws a ConfigError naming both options when neither is set', () => {
    const err = configErrorOf(() => assertAuthConfigured('svc', {}));
    expect(err.message).toContain('AUTH_JWT_SECRET');
    expect(err.message).toContain('AUTH_JWKS_URL');
  });

  it('accepts either a secret or a JWKS URL', () => {
    expect(() => assertAuthConfigured('svc', { AUTH_JWT_SECRET: 'x'.repeat(32) })).not.toThrow();
    expect(() => assertAuthConfigured('svc', { AUTH_JWKS_URL: 'https://idp.example/jwks' })).not.toThrow();
  });
});
