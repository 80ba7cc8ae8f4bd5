import request from 'supertest';
import { describeReal } from '@crp/testing/real-infra';
import { waitFor } from '@crp/testing/wait';
import { privateBroker } from './support/private-broker';
import {
  postManualOrder,
  shipStationOrder,
  startRealSystem,
  waitForCustomer,
  type RealSystem,
} from './support/system';

jest.setTimeout(240000);

describeReal('the flow survives a Kafka broker crash (outbox catches up, nothing duplicated)', () => {
  let sys: RealSystem;
  let broker: Awaited<ReturnType<typeof privateBroker>>;

  beforeAll(async () => {
    broker = await privateBroker();
    sys = await startRealSystem('e2e_rs', { brokers: broker.brokers });
  });
  afterAll(async () => {
    await sys?.stop();
    await broker?.stop();
  });

  it('orders taken while the broker is down become customers once it is back, exactly once', async () => {
    await postManualOrder(sys, 'acme', shipStationOrder('1', 'before@example.com'));
    await waitForCustomer(sys, 'acme', 'before@example.com', 30000);

    await broker.kill();
    // Issue 20 finding 6: order-ingest still takes orders (into its outbox), so it stays ready:
    // 200 "degraded" with the broker named, not 503 (docs/adr/0017-readiness-and-shutdown.md).
    const ready = await request(sys.orders.app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('degraded');
    expect(ready.body.checks.database).toBe('ok');
    expect(ready.body.checks.bus).toMatch(/^failed: /);
    const during = ['2', '3', '4', '5', '6'].map((n) => ({ n, email: `during${n}@example.com` }));
    for (const { n, email } of during) {
      const res = await postManualOrder(sys, 'acme', shipStationOrder(n, email));
      // The API keeps accepting orders: they are committed with their outbox rows.
      expect(res.status).toBe(201);
    }
    // the same order again while down: still idempotent
    expect(
      (await postManualOrder(sys, 'acme', shipStationOrder('2', 'during2@example.com'))).body.importStatus,
    ).toBe('unchanged');
    expect(await sys.orders.messaging.relay.pendingCount()).toBeGreaterThanOrEqual(during.length);

    await broker.start();
    for (const { email } of during) await waitForCustomer(sys, 'acme', email, 120000);
    await waitFor(async () => ((await sys.orders.messaging.relay.pendingCount()) === 0 ? true : undefined), {
      timeoutMs: 30000,
      what: 'outbox drained',
    });

    const token = await sys.token('acme');
    const all = await request(sys.customers.app)
      .get('/v1/customers')
      .query({ limit: 100 })
      .set('Authorization', `Bearer ${token}`);
    const emails = all.body.customers.map((c: { email: string }) => c.email).sort();
    expect(emails).toEqual(['before@example.com', ...during.map((d) => d.email)].sort());
    for (const c of all.body.customers) expect(c.history.orderCount).toBe(1);
  });
});
