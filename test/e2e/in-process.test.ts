import request from 'supertest';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import {
  postManualOrder,
  shipStationOrder,
  startSystem,
  waitForCustomer,
  type System,
} from './support/system';

// The same flow as walking-skeleton.test.ts on the zero-setup default (in-process bus, SQLite):
// what `npm start` runs.
describe('walking skeleton on the in-process bus and embedded SQLite', () => {
  let sys: System;
  let bus: InProcessBus;

  beforeAll(async () => {
    bus = new InProcessBus();
    sys = await startSystem({ customerDbUrl: 'sqlite::memory:', orderDbUrl: 'sqlite::memory:', bus });
  });
  afterAll(async () => {
    await sys.stop();
    await bus.close();
  });

  it('an order posted to order-ingest becomes a customer in customer-service', async () => {
    const res = await postManualOrder(sys, 'acme', shipStationOrder('1', 'Sherlock@Example.com'));
    expect(res.status).toBe(201);
    const [customer] = await waitForCustomer(sys, 'acme', 'sherlock@example.com');
    expect(customer).toMatchObject({
      name: 'Sherlock Holmes',
      email: 'Sherlock@Example.com',
      phone: '+44 20 7946 0001',
      street1: '221 B Baker St',
      countryCode: 'GB',
      marketplaceUsernames: [
        expect.objectContaining({ marketplace: 'manual', username: 'sherlock@example.com' }),
      ],
      history: expect.objectContaining({ orderCount: 1, totalSpent: 99.98 }),
    });
  });

  it("another account's token cannot see the customer (404)", async () => {
    const [customer] = await waitForCustomer(sys, 'acme', 'sherlock@example.com');
    const other = await sys.token('globex');
    const res = await request(sys.customers.app)
      .get(`/v1/customers/${customer.customerId}`)
      .set('Authorization', `Bearer ${other}`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
    const list = await request(sys.customers.app)
      .get('/v1/customers')
      .set('Authorization', `Bearer ${other}`);
    expect(list.body.customers).toEqual([]);
  });

  it('a manual order without email is refused with a reason (R3.1)', async () => {
    const res = await postManualOrder(sys, 'acme', shipStationOrder('2', null));
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/customerEmail/);
  });
});
