import { kafkaBrokers } from './real-infra';

/** The JWT secret every service under test is configured with; sign test tokens with it. */
export const TEST_SECRET = 'test-secret-test-secret-test-secret';

type Env = Record<string, string | undefined>;

/** Service config for the zero-setup default: SQLite in memory, the in-process bus. */
export function embeddedEnv(extra: Env = {}): Env {
  return {
    DATABASE_URL: 'sqlite::memory:',
    BUS: 'in-process',
    AUTH_JWT_SECRET: TEST_SECRET,
    OUTBOX_POLL_MS: '20',
    LOG_LEVEL: 'silent',
    ...extra,
  };
}

/** Service config for the real-infrastructure suites: a MySQL/MariaDB database and real Kafka. */
export function realEnv(databaseUrl: string, topicPrefix: string, extra: Env = {}): Env {
  return {
    DATABASE_URL: databaseUrl,
    BUS: 'kafka',
    KAFKA_BROKERS: kafkaBrokers().join(','),
    KAFKA_TOPIC_PREFIX: topicPrefix,
    AUTH_JWT_SECRET: TEST_SECRET,
    OUTBOX_POLL_MS: '50',
    LOG_LEVEL: 'silent',
    ...extra,
  };
}
