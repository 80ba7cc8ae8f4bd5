import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import request from 'supertest';
import { createLogger } from '@crp/platform/logger';
import { FakeShopify, webhookSignature } from '@crp/testing/fake-channels';
import { waitFor } from '@crp/testing/wait';
import { startStack, type Stack } from '../support/stack';
import { manualOrder } from './tenant-world';

// Secrets and personal data stay out of the logs at info level (docs/security.md): one flow
// through the four services with a bearer token, a buyer's email, phone and name, an invitation
// link and store credentials; every line the services logged is then searched for them.
const BUYER = {
  email: 'Leak.Check+orders@Buyer-Example.test',
  name: 'Perpetua Leakcheck',
  phone: '+44 20 7946 0321',
};
const SHOP_TOKEN = 'shpat_logcheck_0123456789abcdef';
const SHOP_SECRET = 'shopify-app-secret-logcheck';

describe('secrets and personal data stay out of the info-level logs of a whole flow', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  let stack: Stack;
  let shopify: FakeShopify;

  beforeAll(async () => {
    shopify = await new FakeShopify({ accessToken: SHOP_TOKEN, pageSize: 5 }).seedPublished(0).start();
    stack = await startStack({
      mode: 'embedded',
      name: 'sec_logs',
      env: { CHANNEL_SHOPIFY_BASE_URL: shopify.url },
      logger: (service) => createLogger(service, 'info', sink),
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await shopify?.stop();
  });

  it('the token, the emails, the phone, the name, the invitation link and the store credentials appear in no line', async () => {
    const token = await stack.auth('tenant-l');
    const as = (t: string) => ({ Authorization: t });
    const ord = request(stack.app('order-ingest-service'));
    const cust = () => request(stack.app('customer-service'));
    const tpl = () => request(stack.app('tpl-connection-service'));

    // an order with the buyer's data; the customer made from it, searched by email and phone
    const created = await ord.post('/v1/orders').set(as(token)).send(manualOrder('log-1', BUYER));
    expect(created.status).toBe(201);
    const [customer] = await waitFor(async () => {
      const res = await cust().get('/v1/customers').query({ email: BUYER.email }).set(as(token));
      return res.body.customers?.length ? res.body.customers : undefined;
    });
    await cust().get('/v1/customers').query({ q: BUYER.phone }).set(as(token)).expect(200);
    await cust().get('/v1/customers').query({ q: BUYER.name }).set(as(token)).expect(200);
    await cust().get(`/v1/customers/${customer.customerId}`).set(as(token)).expect(200);
    await request(stack.app('order-ingest-service'))
      .get('/v1/orders')
      .query({ customerId: customer.customerId })
      .set(as(token))
      .expect(200);
    // refusals: a bad order carrying the buyer's data, a forged token, a search with a bad limit
    await request(stack.app('order-ingest-service'))
      .post('/v1/orders')
      .set(as(token))
      .send({ ...manualOrder('log-2', BUYER), orderDate: 'not a date' })
      .expect(400);
    await cust()
      .get('/v1/customers')
      .set(as(`${token}x`))
      .expect(401);
    await cust().get('/v1/customers').query({ email: BUYER.email, limit: 0 }).set(as(token)).expect(400);

    // a CSV import of the buyer, with a row that is refused
    const upload = await request(stack.app('csv-import-service'))
      .post('/v1/imports')
      .set(as(token))
      .field('kind', 'orders')
      .attach(
        'file',
        Buffer.from(
          `Order Number,Order Date,Customer Email,Ship To Name,Ship To Phone,Ship To Street 1,Ship To City,Ship To Postal Code,Ship To Country\n` +
            `LOG-CSV-1,2026-11-20,${BUYER.email},${BUYER.name},${BUYER.phone},1 Log Lane,London,NW1 6XE,GB\n` +
            `LOG-CSV-2,not-a-date,${BUYER.email},${BUYER.name},${BUYER.phone},1 Log Lane,London,NW1 6XE,GB\n`,
        ),
        'orders.csv',
      );
    expect(upload.status).toBe(202);
    await waitFor(async () => {
      const job = await request(stack.app('csv-import-service'))
        .get(`/v1/imports/${upload.body.jobId}`)
        .set(as(token));
      return ['completed', 'failed'].includes(job.body.status);
    });

    // a 3PL invites the merchant by its admin email; the link goes out by e-mail
    await tpl().get('/v1/connections').set(as(token)).expect(200);
    await tpl()
      .post('/v1/clients')
      .set(as(await stack.auth('tpl-l')))
      .send({ email: 'admin@tenant-l.example', clientName: 'L', companyName: 'Log Logistics' })
      .expect(201);
    await tpl()
      .post('/v1/clients')
      .set(as(await stack.auth('tpl-l')))
      .send({ email: 'nobody.here@unknown-l.example', clientName: 'N', companyName: 'Log Logistics' })
      .expect(404);
    const link = await waitFor(() => {
      const mail = readdirSync(stack.mailDir)
        .map((f) =>
          readFileSync(join(stack.mailDir, f), 'utf8')
            .replace(/=\r?\n/g, '')
            .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
        )
        .find((m) => m.includes('Log Logistics'));
      return mail ? /token=([A-Za-z0-9._-]+)/.exec(mail)?.[1] : undefined;
    });
    await tpl().post('/v1/invitations/inspect').set(as(token)).send({ token: link }).expect(200);

    // a store with credentials, and a signed webhook carrying the buyer's email
    const store = await ord
      .post('/v1/stores')
      .set(as(token))
      .send({
        channel: 'shopify',
        name: 'Log Shopify',
        credentials: { accessToken: SHOP_TOKEN, apiSecret: SHOP_SECRET },
        settings: { shop: 'log.myshopify.com', initialSyncFrom: '2000-01-01T00:00:00Z' },
      });
    expect(store.status).toBe(201);
    const jane = JSON.parse(shopify.orderJson('1073459981')) as { customer: Record<string, unknown> };
    const body = shopify.change('1073459981', {
      email: BUYER.email,
      contact_email: BUYER.email,
      customer: { ...jane.customer, email: BUYER.email, phone: BUYER.phone },
    });
    await request(stack.app('order-ingest-service'))
      .post(`/v1/webhooks/shopify/${store.body.storeId}`)
      .set('Content-Type', 'application/json')
      .set('X-Shopify-Topic', 'orders/updated')
      .set('X-Shopify-Hmac-Sha256', webhookSignature(body, SHOP_SECRET))
      .send(body)
      .expect(200);
    await request(stack.app('order-ingest-service'))
      .post(`/v1/webhooks/shopify/${store.body.storeId}`)
      .set('Content-Type', 'application/json')
      .set('X-Shopify-Hmac-Sha256', webhookSignature(body, 'wrong'))
      .send(body)
      .expect(401);
    await waitFor(async () => {
      const res = await ord.get('/v1/orders').query({ storeId: store.body.storeId }).set(as(token));
      return JSON.stringify(res.body.orders ?? [])
        .toLowerCase()
        .includes('leak.check');
    });

    // The logs saw all of it: requests of every service, consumers, the mailer.
    const text = lines.join('\n');
    for (const service of [
      'order-ingest-service',
      'customer-service',
      'csv-import-service',
      'tpl-connection-service',
    ])
      expect(text).toContain(`"service":"${service}"`);

    const bearer = token.replace(/^Bearer /, '');
    const secrets: Record<string, string> = {
      'the bearer token': bearer,
      "the bearer token's signature": bearer.split('.')[2]!,
      'the invitation link token': link!,
      "the invitation token's signature": link!.split('.')[2]!,
      'the store access token': SHOP_TOKEN,
      'the webhook secret': SHOP_SECRET,
      "the buyer's email": BUYER.email.toLowerCase(),
      "the buyer's email (URL-encoded)": encodeURIComponent(BUYER.email).toLowerCase(),
      "the email's local part": 'leak.check',
      "the merchant admin's email": 'admin@tenant-l.example',
      'an email no account uses': 'nobody.here',
      "the buyer's phone": '7946 0321',
      "the buyer's phone (digits)": '79460321',
      "the buyer's name": BUYER.name.toLowerCase(),
      "the buyer's surname": 'leakcheck',
    };
    const lower = text.toLowerCase();
    const found = Object.entries(secrets)
      .filter(([, s]) => lower.includes(s.toLowerCase()))
      .map(
        ([what, s]) =>
          `${what}: ${lines.find((l) => l.toLowerCase().includes(s.toLowerCase()))!.slice(0, 400)}`,
      );
    expect(found).toEqual([]);
    // …and searches are still there, by the names of their parameters.
    expect(text).toContain('"url":"/v1/customers?email=…"');
    expect(text).toContain('"url":"/v1/customers?email=…&limit=…"');
  });
});
