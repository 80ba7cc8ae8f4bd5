import request from 'supertest';
import type { Bus } from '@crp/messaging/bus';
import { signDevToken } from '@crp/platform/auth';
import { createCustomerService } from '@crp/customer-service/composition-root';
import { loadConfig as customerConfig } from '@crp/customer-service/config';
import { createOrderIngestService } from '@crp/order-ingest-service/composition-root';
import { loadConfig as orderConfig } from '@crp/order-ingest-service/config';
import { freshMysqlDatabase, kafkaBrokers, uniqueName } from '@crp/testing/real-infra';
import { testLogger } from '@crp/testing/silent-logger';
import { waitFor } from '@crp/testing/wait';

export const SECRET = 'e2e-secret-e2e-secret-e2e-secret';

export interface SystemOptions {
  customerDbUrl: string;
  orderDbUrl: string;
  bus?: Bus;
  kafka?: { brokers: string; prefix: string };
  /** Extra order-ingest variables (channel base URLs pointed at fake channels, …). */
  orderEnv?: Record<string, string>;
  /** Extra customer-service variables (MAILCHIMP_BASE_URL pointed at a fake Mailchimp, …). */
  customerEnv?: Record<string, string>;
}

/** order-ingest-service + customer-service, wired as in production, in this process. */
export async function startSystem(opts: SystemOptions) {
  const env = (dbUrl: string) => ({
    DATABASE_URL: dbUrl,
    BUS: opts.kafka ? 'kafka' : 'in-process',
    KAFKA_BROKERS: opts.kafka?.brokers,
    KAFKA_TOPIC_PREFIX: opts.kafka?.prefix,
    AUTH_JWT_SECRET: SECRET,
    OUTBOX_POLL_MS: '50',
    LOG_LEVEL: 'silent',
  });
  const customers = await createCustomerService(
    customerConfig({ ...env(opts.customerDbUrl), ...opts.customerEnv }),
    {
      bus: opts.bus,
      logger: testLogger('customer-service'),
    },
  );
  const orders = await createOrderIngestService(orderConfig({ ...env(opts.orderDbUrl), ...opts.orderEnv }), {
    bus: opts.bus,
    logger: testLogger('order-ingest-service'),
  });
  await customers.start();
  await orders.start();
  return {
    customers,
    orders,
    token: (accountId: string, role: 'admin' | 'member' = 'admin') =>
      signDevToken(SECRET, { accountId, role }),
    async stop() {
      await orders.stop();
      await customers.stop();
    },
  };
}

export type System = Awaited<ReturnType<typeof startSystem>>;

/**
 * The system on real infrastructure: a fresh MariaDB database per service and a random topic
 * prefix, both named after `name`; `stop()` also drops the databases.
 */
export async function startRealSystem(
  name: string,
  opts: {
    brokers?: string;
    prefix?: string;
    orderEnv?: Record<string, string>;
    customerEnv?: Record<string, string>;
  } = {},
) {
  const cust = await freshMysqlDatabase(`${name}_cust`);
  const ord = await freshMysqlDatabase(`${name}_ord`);
  const prefix = opts.prefix ?? `${uniqueName(name)}.`;
  const sys = await startSystem({
    customerDbUrl: cust.url,
    orderDbUrl: ord.url,
    kafka: { brokers: opts.brokers ?? kafkaBrokers().join(','), prefix },
    orderEnv: opts.orderEnv,
    customerEnv: opts.customerEnv,
  });
  return {
    ...sys,
    prefix,
    /** The two services' database names, for tests that read MariaDB directly. */
    databases: { customers: new URL(cust.url).pathname.slice(1), orders: new URL(ord.url).pathname.slice(1) },
    async stop() {
      await sys.stop();
      await cust.drop();
      await ord.drop();
    },
  };
}

export function shipStationOrder(n: string, email: string | null, extra: Record<string, unknown> = {}) {
  return {
    orderNumber: `SO-${n}`,
    orderKey: `key-${n}`,
    orderDate: '2026-11-20T10:00:00.0000000',
    orderStatus: 'awaiting_shipment',
    customerUsername: email,
    customerEmail: email,
    billTo: { name: 'Sherlock Holmes', company: null, phone: `+44 20 7946 ${n.padStart(4, '0').slice(-4)}` },
    shipTo: {
      name: 'Sherlock Holmes',
      street1: '221 B Baker St',
      city: 'London',
      postalCode: 'NW1 6XE',
      country: 'GB',
    },
    items: [{ sku: 'Ele-1234', quantity: 2, unitPrice: 49.99 }],
    orderTotal: 99.98,
    ...extra,
  };
}

export async function postManualOrder(sys: System, accountId: string, body: unknown) {
  return request(sys.orders.app)
    .post('/v1/orders')
    .set('Authorization', `Bearer ${await sys.token(accountId)}`)
    .send(body as object);
}

/** Polls customer-service until a customer with this email shows up. */
export async function waitForCustomer(sys: System, accountId: string, email: string, timeoutMs = 15000) {
  const token = await sys.token(accountId);
  return waitFor(
    async () => {
      const res = await request(sys.customers.app)
        .get('/v1/customers')
        .query({ email })
        .set('Authorization', `Bearer ${token}`);
      return res.status === 200 && res.body.customers.length > 0 ? res.body.customers : undefined;
    },
    { timeoutMs, intervalMs: 25, what: `customer ${email} in ${accountId}` },
  );
}

export type RealSystem = Awaited<ReturnType<typeof startRealSystem>>;
