import { createServer, connect, type Server, type Socket } from 'node:net';
import mysql from 'mysql2/promise';
import { signDevToken } from '@crp/platform/auth';
import {
  checkCustomerDatabase,
  countRows,
  generateOrderStream,
  shipStationOrder,
  type AccountExpectation,
  type StreamOrder,
} from '@crp/testing/order-stream';
import { freshMysqlDatabase, kafkaBrokers, mysqlUrl, uniqueName } from '@crp/testing/real-infra';
import { TEST_SECRET } from '@crp/testing/service-env';
import { startServiceProcess, type ServiceProcess } from '../../support/processes';

// The fault suite's common ground: order-ingest and customer-service as processes (so a test can
// SIGKILL them), fed a seeded order stream through the batch endpoint by a client that retries
// until every request is answered (what a channel sync does), and a final check of both databases
// against the stream's expectation: exact counts, no duplicates, no gaps.

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** FAULTS_VERBOSE=1 prints the progress of a fault run (requests, retries, settling) to stderr. */
const verbose = process.env.FAULTS_VERBOSE === '1';
export const trace = (msg: string) => {
  if (verbose) process.stderr.write(`[faults ${new Date().toISOString().slice(11, 23)}] ${msg}\n`);
};

/** A TCP proxy in front of MariaDB: `down()` drops every connection and refuses new ones. */
export async function mysqlProxy(target = { host: '127.0.0.1', port: 3306 }) {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const p = (probe.address() as { port: number }).port;
      probe.close(() => resolve(p));
    });
  });
  const up = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(target.port, target.host);
        // Either side gone (closed, reset by a kill -9, errored): the other goes too. pipe() alone
        // does not end its destination on an error, and an upstream left open kept a killed
        // process's MariaDB session, inside its transaction, holding the locks DROP DATABASE then
        // waited on for good (the CI run that never finished).
        const pair: Array<[Socket, Socket]> = [
          [client, upstream],
          [upstream, client],
        ];
        for (const [s, other] of pair) {
          sockets.add(s);
          s.on('close', () => {
            sockets.delete(s);
            other.destroy();
          });
          s.on('error', () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  await up();
  return {
    port,
    up,
    async down() {
      // close() stops new connections but waits for the open ones: destroy those first.
      const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      for (const s of sockets) s.destroy();
      sockets.clear();
      await closed;
      server = null;
    },
  };
}

export interface FaultSystem {
  prefix: string;
  brokers: string;
  urls: { cust: string; ord: string };
  env: { cust: Record<string, string>; ord: Record<string, string> };
  procs: { cust: ServiceProcess; ord: ServiceProcess };
  restart(which: 'cust' | 'ord'): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Fresh databases and topic prefix; both services as processes. `viaPort` routes the services'
 * database connections through another port (the proxy) while the test reads MariaDB directly.
 */
export async function startFaultSystem(
  name: string,
  opts: { brokers?: string; viaPort?: number; extraEnv?: Record<string, string> } = {},
): Promise<FaultSystem> {
  const cust = await freshMysqlDatabase(`${name}_c`);
  const ord = await freshMysqlDatabase(`${name}_o`);
  const through = (url: string) =>
    opts.viaPort ? url.replace('127.0.0.1:3306', `127.0.0.1:${opts.viaPort}`) : url;
  const prefix = `${uniqueName(name)}.`;
  const brokers = opts.brokers ?? kafkaBrokers().join(',');
  const common = {
    BUS: 'kafka',
    KAFKA_BROKERS: brokers,
    KAFKA_TOPIC_PREFIX: prefix,
    AUTH_JWT_SECRET: TEST_SECRET,
    OUTBOX_POLL_MS: '50',
    CONSUMER_SESSION_TIMEOUT_MS: '6000',
    NODE_ENV: 'test',
    ...opts.extraEnv,
  };
  const env = {
    cust: { ...common, DATABASE_URL: through(cust.url) },
    ord: { ...common, DATABASE_URL: through(ord.url) },
  };
  const procs = {
    cust: await startServiceProcess('customer-service', env.cust),
    ord: await startServiceProcess('order-ingest-service', env.ord),
  };
  const names = { cust: 'customer-service', ord: 'order-ingest-service' } as const;
  return {
    prefix,
    brokers,
    urls: { cust: cust.url, ord: ord.url },
    env,
    procs,
    async restart(which) {
      await procs[which].kill9().catch(() => undefined);
      procs[which] = await startServiceProcess(names[which], env[which]);
    },
    async stop() {
      for (const p of Object.values(procs)) await p.kill9().catch(() => undefined);
      await cust.drop();
      await ord.drop();
    },
  };
}

export function stream(orders: number, seed: number) {
  return generateOrderStream({ orders, accounts: 6, seed });
}

/** Creates the stream's stores (two per account) through the API; returns ids and tokens. */
export async function createStores(baseUrl: () => string, accounts: string[]) {
  const tokens = new Map<string, string>();
  const storeIds = new Map<string, string>();
  for (const accountId of accounts) {
    const token = await signDevToken(TEST_SECRET, { accountId, role: 'admin', sub: `faults@${accountId}` });
    tokens.set(accountId, token);
    for (const n of [0, 1]) {
      const body = await retrying(async () => {
        const res = await fetch(`${baseUrl()}/v1/stores`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ channel: 'api', name: `${accountId} store ${n}` }),
        });
        if (res.status >= 500) throw new Error(`store: ${res.status}`);
        return (await res.json()) as { storeId: string };
      });
      storeIds.set(`${accountId}-store-${n}`, body.storeId);
    }
  }
  return { tokens, storeIds };
}

/** An answer no retry can change (a 4xx other than 409): the test fails at once. */
export class Refused extends Error {}

/** Calls `fn` until it resolves (network errors, 5xx): what any client of a flaky service does. */
export async function retrying<T>(fn: () => Promise<T>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof Refused || Date.now() > deadline) throw err;
      await sleep(wait);
    }
  }
}

/**
 * Sends the stream in requests of `batch` orders per store; every request is retried until
 * order-ingest answers it (re-sending a batch is idempotent: R1.9). `between` runs after each
 * request: the test's chance to break something mid-stream.
 */
export async function sendStream(
  baseUrl: () => string,
  orders: StreamOrder[],
  stores: Awaited<ReturnType<typeof createStores>>,
  opts: { batch?: number; between?: (sent: number) => Promise<void> } = {},
): Promise<{ answered: Record<string, number>; retries: number }> {
  const answered: Record<string, number> = { created: 0, updated: 0, unchanged: 0, rejected: 0 };
  let retries = 0;
  const batch = opts.batch ?? 200;
  // One queue per store, served round-robin: accounts interleave, each store's orders stay in order.
  const queues = new Map<string, StreamOrder[]>();
  for (const o of orders) queues.set(o.storeId, [...(queues.get(o.storeId) ?? []), o]);
  const requests: StreamOrder[][] = [];
  const lists = [...queues.values()];
  for (let at = 0; lists.some((l) => at < l.length); at += batch) {
    for (const l of lists) if (at < l.length) requests.push(l.slice(at, at + batch));
  }
  let sent = 0;
  for (const chunk of requests) {
    const first = chunk[0]!;
    const body = await retrying(async () => {
      const res = await fetch(`${baseUrl()}/v1/stores/${stores.storeIds.get(first.storeId)}/orders`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${stores.tokens.get(first.accountId)}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(chunk.map(shipStationOrder)),
      }).catch((err: Error) => {
        retries += 1;
        trace(`orders: ${err.message} after ${sent} sent, retrying`);
        throw err;
      });
      if (res.status >= 500 || res.status === 409) {
        retries += 1;
        trace(`orders: ${res.status} after ${sent} sent, retrying`);
        throw new Error(`orders: ${res.status}`);
      }
      if (!res.ok) throw new Refused(`orders refused: ${res.status} ${await res.text()}`);
      return (await res.json()) as { counts: Record<string, number> };
    });
    for (const [k, v] of Object.entries(body.counts)) answered[k] = (answered[k] ?? 0) + v;
    sent += chunk.length;
    trace(`sent ${sent} of ${orders.length}`);
    await opts.between?.(sent);
  }
  return { answered, retries };
}

/** Waits until customer-service holds every order and both outboxes are drained, then checks. */
export async function settleAndCheck(
  sys: FaultSystem,
  expected: Record<string, AccountExpectation>,
  timeoutMs = 180_000,
): Promise<{ problems: string[]; orders: number }> {
  const total = Object.values(expected).reduce((t, e) => t + e.orders, 0);
  const cust = await mysql.createConnection(sys.urls.cust);
  const ord = await mysql.createConnection(sys.urls.ord);
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const n = await countRows(cust, 'customer_orders');
      const pending =
        (await countRows(cust, 'outbox_events', 'published_at IS NULL')) +
        (await countRows(ord, 'outbox_events', 'published_at IS NULL'));
      trace(`settling: ${n} of ${total} orders linked, ${pending} unpublished`);
      if (n >= total && pending === 0) break;
      if (Date.now() > deadline)
        return {
          problems: [
            `stalled: ${n} of ${total} orders linked, ${pending} unpublished`,
            ...(await diagnose(sys)),
          ],
          orders: n,
        };
      await sleep(250);
    }
    await sleep(1000); // anything late (a duplicate) would land now
    const check = await checkCustomerDatabase(cust, expected);
    const stored = await countRows(ord, 'orders');
    if (stored !== total) check.problems.push(`order-ingest holds ${stored} orders (expected ${total})`);
    return { problems: check.problems, orders: await countRows(cust, 'customer_orders') };
  } finally {
    await cust.end();
    await ord.end();
  }
}

/**
 * What a stalled run leaves to go on (the services' logs are not kept): each process's liveness,
 * its /readyz answer and its consumer and outbox counters, so a failure in CI says which side
 * stopped (a consumer that never got its partitions, an outbox that cannot publish, a process gone).
 */
async function diagnose(sys: FaultSystem): Promise<string[]> {
  const lines: string[] = [];
  for (const [name, p] of Object.entries(sys.procs)) {
    const ready = await fetch(`${p.url}/readyz`, { signal: AbortSignal.timeout(5000) }).then(
      async (r) => `${r.status} ${(await r.text()).slice(0, 600)}`,
      (err: Error) => `unreachable (${err.message})`,
    );
    const metrics = await fetch(`${p.url}/metrics`, { signal: AbortSignal.timeout(5000) }).then(
      (r) => r.text(),
      () => '',
    );
    const counters = metrics
      .split('\n')
      .filter((l) =>
        /^(consumer_messages_total|consumer_batch_seconds_count|outbox_published_total|outbox_publish_failures_total|outbox_pending_events)/.test(
          l,
        ),
      )
      .slice(0, 20)
      .join('; ');
    lines.push(
      `${name} (pid ${p.pid}, exit code ${p.exitCode()}): readyz ${ready}; ${counters || 'no consumer or outbox counters'}`,
    );
  }
  return lines;
}

export { mysqlUrl };
