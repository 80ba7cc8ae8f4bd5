import request from 'supertest';
import { describeReal } from '@crp/testing/real-infra';
import { waitFor } from '@crp/testing/wait';
import { startTplSystem, type TplSystem } from './support/tpl-system';

const EXACT =
  'The shipping service is invalid because the client does not have a carrier account that supports it';

// SPEC §5 across two services, through real Kafka and MariaDB: tpl-connection-service owns the
// connection, order-ingest-service delegates over it.
describeReal('3PL connection end to end on real Kafka and MariaDB', () => {
  let sys: TplSystem;

  beforeAll(async () => {
    sys = await startTplSystem('e2e_tpl');
  });
  afterAll(async () => {
    await sys?.stop();
  });

  it('invite → e-mail written → link accepted with confirmation → order delegated by a rule → awaiting_shipment at the 3PL with its notes → unsupported service refused', async () => {
    const tpl = request(sys.tpl.app);
    const orders = request(sys.orders.app);

    // The client's admin has used the platform: the accounts directory knows its email (ADR 0008).
    await tpl
      .get('/v1/connections')
      .set('Authorization', await sys.auth('acme'))
      .expect(200);
    // …and its carrier account is registered: UPS Ground only.
    await tpl
      .post('/v1/carrier-accounts')
      .set('Authorization', await sys.auth('acme'))
      .send({ carrierCode: 'ups', services: ['ups_ground'] })
      .expect(201);

    // R5.1: the 3PL invites the client by its account's email.
    const invited = await tpl
      .post('/v1/clients')
      .set('Authorization', await sys.auth('shipfast'))
      .send({ email: 'admin@acme.example', clientName: 'Acme (big one)', companyName: 'ShipFast Logistics' });
    expect(invited.status).toBe(201);
    expect(invited.body.status).toBe('pending');

    // The invitation e-mail is written (ClientInvited → Kafka → the mailer).
    const [mail] = await waitFor(() => (sys.mails().length ? sys.mails() : undefined), {
      timeoutMs: 30000,
      what: 'the invitation e-mail',
    });
    expect(mail!.raw).toMatch(/^To: admin@acme\.example$/m);
    expect(mail!.raw).toMatch(/^Subject: ShipFast Logistics invites you to connect as its client$/m);
    const token =
      /https:\/\/app\.example\/settings\/logistics-providers\/review\?token=([A-Za-z0-9._-]+)/.exec(
        mail!.raw,
      )![1]!;

    // R5.3: the link needs the explicit confirmation, then connects.
    const unconfirmed = await tpl
      .post('/v1/invitations/accept')
      .set('Authorization', await sys.auth('acme'))
      .send({ token });
    expect(unconfirmed.status).toBe(422);
    const accepted = await tpl
      .post('/v1/invitations/accept')
      .set('Authorization', await sys.auth('acme'))
      .send({ token, confirm: true });
    expect(accepted.status).toBe(200);
    expect(accepted.body.connection).toMatchObject({ status: 'active', clientAccountId: 'acme' });
    const clients = await tpl.get('/v1/clients').set('Authorization', await sys.auth('shipfast'));
    expect(clients.body.clients.map((c: { kind: string; status: string }) => [c.kind, c.status])).toEqual([
      ['self', 'active'],
      ['client', 'active'],
    ]);

    // R5.4: the client's rule "all orders of my Shopify store → ShipFast", once order-ingest has
    // heard (ClientConnectionChanged over Kafka) that the connection is active.
    const store = await orders
      .post('/v1/stores')
      .set('Authorization', await sys.auth('acme'))
      .send({
        type: 'shopify',
        name: 'Acme Shopify',
        // a Shopify store connects with its credentials (issue 15); the test needs no sync of it
        credentials: { accessToken: 'shpat_test_0000001' },
        settings: { shop: 'acme' },
      })
      .expect(201);
    const rule = await waitFor(
      async () => {
        const res = await orders
          .post('/v1/automation-rules')
          .set('Authorization', await sys.auth('acme'))
          .send({
            name: 'Shopify orders to ShipFast',
            match: { storeId: store.body.storeId },
            action: { type: 'set_fulfillment_provider', providerAccountId: 'shipfast' },
          });
        return res.status === 201 ? res : undefined;
      },
      { timeoutMs: 30000, what: 'the connection to reach order-ingest' },
    );
    expect(rule.body.action.providerAccountId).toBe('shipfast');

    // An order arrives from the store and is delegated on import.
    const imported = await orders
      .post(`/v1/stores/${store.body.storeId}/orders`)
      .set('Authorization', await sys.auth('acme'))
      .send({
        orderNumber: '#1001',
        orderKey: '450789469',
        orderDate: '2026-11-20T08:30:00.0000000',
        customerUsername: '207119551',
        customerEmail: 'bob.norman@mail.example.com',
        shipTo: {
          name: 'Bob Norman',
          street1: 'Chestnut Street 92',
          city: 'Louisville',
          state: 'KY',
          postalCode: '40202',
          country: 'US',
        },
        orderTotal: 598.94,
        customerNotes: 'Please leave at the back door',
        internalNotes: 'Big client: double-check the packing',
      });
    expect(imported.status).toBe(201);
    const clientOrderId = imported.body.orderId as string;

    // R5.4: it shows in the 3PL's orders as awaiting_shipment, with the client's notes.
    const theirs = await orders.get('/v1/orders').set('Authorization', await sys.auth('shipfast'));
    expect(theirs.body.orders).toEqual([
      expect.objectContaining({
        orderNumber: '#1001',
        orderStatus: 'awaiting_shipment',
        notes: ['Please leave at the back door', 'Big client: double-check the packing'],
        fulfillment: expect.objectContaining({
          side: 'provider',
          clientAccountId: 'acme',
          clientOrderId,
          delegatedBy: 'automation_rule',
          ruleId: rule.body.ruleId,
          connectionStatus: 'active',
        }),
      }),
    ]);
    const copyId = theirs.body.orders[0].orderId as string;

    // R5.5: once the client's carrier account has reached order-ingest (CarrierAccountChanged),
    // its UPS Ground may be used; a service none of its carrier accounts supports is refused
    // with the exact sentence.
    const ok = await waitFor(
      async () => {
        const res = await orders
          .put(`/v1/orders/${copyId}/shipping-service`)
          .set('Authorization', await sys.auth('shipfast'))
          .send({ carrierCode: 'ups', serviceCode: 'ups_ground' });
        return res.status === 200 ? res : undefined;
      },
      { timeoutMs: 30000, what: "the client's carrier account to reach order-ingest" },
    );
    expect(ok.body.carrierAccountOwner).toBe('client');
    const refused = await orders
      .put(`/v1/orders/${copyId}/shipping-service`)
      .set('Authorization', await sys.auth('shipfast'))
      .send({ carrierCode: 'ups', serviceCode: 'ups_next_day_air' });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'SHIPPING_SERVICE_INVALID', message: EXACT });

    // R5.2: the client disconnects; the next order stays with it, the delegated one stays with
    // the 3PL and says so.
    const connectionId = invited.body.connectionId as string;
    await tpl
      .post(`/v1/connections/${connectionId}/disconnect`)
      .set('Authorization', await sys.auth('acme'))
      .expect(200);
    await waitFor(
      async () => {
        const res = await orders.get(`/v1/orders/${copyId}`).set('Authorization', await sys.auth('shipfast'));
        return res.body.fulfillment?.connectionStatus === 'disconnected' ? res : undefined;
      },
      { timeoutMs: 30000, what: 'the disconnection to reach order-ingest' },
    );
    const later = await orders
      .post(`/v1/stores/${store.body.storeId}/orders`)
      .set('Authorization', await sys.auth('acme'))
      .send({
        orderNumber: '#1002',
        orderDate: '2026-11-21T08:30:00Z',
        customerEmail: 'bob.norman@mail.example.com',
      });
    expect(later.status).toBe(201);
    const after = await orders.get('/v1/orders').set('Authorization', await sys.auth('shipfast'));
    expect(after.body.orders.map((o: { orderNumber: string }) => o.orderNumber)).toEqual(['#1001']);
    expect(after.body.orders[0].fulfillment.note).toMatch(/stays with the 3PL/);
    const mine = await orders
      .get(`/v1/orders/${later.body.orderId}/fulfillment`)
      .set('Authorization', await sys.auth('acme'));
    expect(mine.body.fulfillment).toBeNull();
  });
});
