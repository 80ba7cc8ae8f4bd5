import request from 'supertest';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { signDevToken } from '@crp/platform/auth';
import { uniqueName } from '@crp/testing/real-infra';
import { embeddedEnv } from '@crp/testing/service-env';
import { testLogger } from '@crp/testing/silent-logger';
import { waitFor } from '@crp/testing/wait';
import { createCustomerService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import { SECRET, buyer, orderEvent, type CustomerServiceHandle } from '../support/scenarios';

// OrderImported names an order (store, store order, order id) and a buyer. customer-service keys
// everything by the event's account (ADR 0006): an event of account B that names account A's
// exact order, with a new revision and a higher total, is B's order — A's customer, its history
// and totals stay as they were.
describe("OrderImported of one account naming another account's order (SQLite, in-process bus)", () => {
  let bus: InProcessBus;
  let svc: CustomerServiceHandle;
  const get = async (accountId: string, path: string, query: Record<string, string> = {}) =>
    request(svc.app)
      .get(path)
      .query(query)
      .set('Authorization', `Bearer ${await signDevToken(SECRET, { accountId })}`);
  const publish = (event: ReturnType<typeof orderEvent>) =>
    bus.publish([{ topic: 'OrderImported', key: event.accountId, value: JSON.stringify(event) }]);
  const customers = async (accountId: string) =>
    (await get(accountId, '/v1/customers')).body.customers as Array<{ customerId: string }>;

  beforeAll(async () => {
    bus = new InProcessBus();
    svc = await createCustomerService(loadConfig(embeddedEnv()), { bus, logger: testLogger() });
    await svc.start();
  });
  afterAll(async () => {
    await svc?.stop();
    await bus?.close();
  });

  it("R1.9 per account: B's new revision of A's store order changes neither A's customer nor its history", async () => {
    const a = uniqueName('acctA');
    const b = uniqueName('acctB');
    const ada = buyer('ada', { phone: '+44 20 7946 0018' });
    const mine = orderEvent(a, { buyer: ada, order: { total: 100 } });
    await publish(mine);
    const [ca] = await waitFor(async () => {
      const l = await customers(a);
      return l.length ? l : undefined;
    });
    const before = (await get(a, `/v1/customers/${ca!.customerId}`)).body;

    await publish(
      orderEvent(b, {
        order: { ...mine.payload.order, revision: 2, total: 999, orderStatus: 'cancelled' },
        buyer: { ...ada, name: 'Someone Else', firstName: 'Someone', lastName: 'Else' },
      }),
    );
    const [cb] = await waitFor(async () => {
      const l = await customers(b);
      return l.length ? l : undefined;
    });
    expect(cb!.customerId).not.toBe(ca!.customerId);
    expect((await get(b, `/v1/customers/${cb!.customerId}`)).body.history).toMatchObject({
      orderCount: 1,
      totalSpent: 999,
    });

    const after = (await get(a, `/v1/customers/${ca!.customerId}`)).body;
    expect(after).toEqual(before);
    expect(after.history).toMatchObject({ orderCount: 1, totalSpent: 100 });
    expect(await customers(a)).toHaveLength(1);
    expect((await get(b, `/v1/customers/${ca!.customerId}`)).status).toBe(404);
    expect((await get(a, `/v1/customers/${cb!.customerId}`)).status).toBe(404);
  });
});
