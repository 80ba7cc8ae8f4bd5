import { readFileSync } from 'node:fs';
import { fixturePath, readFixtureJson } from '@crp/testing/fixtures';
import { parseChannelJson } from '../../src/domain/channels/channel-json';
import { mapShopifyOrder } from '../../src/domain/channels/shopify-order';
import { mapWooOrder } from '../../src/domain/channels/woocommerce-order';
import type { JsonObject } from '../../src/domain/order';
import { OrderFormatError } from '../../src/domain/shipstation-order';

/** The published payloads, parsed the way the service parses what channels send (losslessly). */
const fixture = (...p: string[]) => parseChannelJson(readFileSync(fixturePath(...p), 'utf8')) as JsonObject;
const store = { name: 'Acme Shopify' };

describe('Shopify mapping (REST 2025-07, webhooks, legacy shape)', () => {
  const webhook = fixture('shopify', 'orders-create-webhook-shopify-docs-sample.json');
  const bob = fixture('shopify', 'order-get-450789469-rest-2025-07.json').order as JsonObject;
  const jane = fixture('shopify', 'order-create-response-jane-rest-2025-07.json').order as JsonObject;

  it('keeps 64-bit ids exactly (the webhook sample id is above 2^53)', () => {
    const o = mapShopifyOrder(webhook, store);
    expect(o.storeOrderId).toBe('820982911946154508');
    // R1.2: Shopify's customer id is the buyer key — every digit of it
    expect(o.username).toBe('115310627314723954');
    expect(JSON.parse(JSON.stringify({ id: 820982911946154508 })).id.toString()).not.toBe(
      '820982911946154508',
    );
  });

  it('R1.2 + R1.8: the 2025-07 order of Bob Norman', () => {
    const o = mapShopifyOrder(bob, store);
    expect(o).toMatchObject({
      storeOrderId: '450789469',
      orderNumber: '#1001',
      username: '207119551',
      email: 'bob.norman@mail.example.com',
      firstName: 'Bob',
      lastName: 'Norman',
      buyerName: 'Bob Norman',
      phone: '+16136120707',
      total: 199.65,
      currency: 'USD',
      orderStatus: 'awaiting_shipment',
    });
    expect(o.orderDate.toISOString()).toBe('2008-01-10T16:00:00.000Z');
    expect(o.channelUpdatedAt?.toISOString()).toBe('2008-01-10T16:00:00.000Z');
    expect(o.shipTo).toMatchObject({
      name: 'Bob Norman',
      street1: 'Chestnut Street 92',
      state: 'KY',
      country: 'US',
      phone: '+1(502)-459-2181',
    });
    expect(o.items).toHaveLength(3);
    expect(o.tags).toEqual(['shopify', 'Acme Shopify']);
    expect(o.channelData).toMatchObject({ financial_status: 'partially_refunded', customer_id: '207119551' });
  });

  it('R2.9: consent from the 2025-07 consent objects, with when it changed', () => {
    expect(mapShopifyOrder(bob, store).marketingConsent).toEqual({
      email: { state: 'not_subscribed', changedAt: '2004-06-13T15:57:11.000Z' },
      sms: { state: 'not_subscribed', changedAt: '2024-01-01T12:00:00.000Z' },
    });
  });

  it('the legacy webhook shape: buyer_accepts_marketing, order tags, customer email over the order email', () => {
    const o = mapShopifyOrder(webhook, store);
    expect(o.marketingConsent).toEqual({ email: { state: 'subscribed', changedAt: null } });
    expect(o.tags).toEqual(['shopify', 'Acme Shopify', 'tag1', 'tag2']);
    // the record describes the Shopify customer: its own email (john@), not this checkout's (jon@)
    expect(o.email).toBe('john@example.com');
    expect(o.orderStatus).toBe('cancelled');
    // "555-555-SHIP" is passed on as sent; customer-service's E.164 normalization decides
    expect(o.phone).toBe('555-555-SHIP');
    expect(o.orderNumber).toBe('#9999');
  });

  it('legacy customer.accepts_marketing (no consent objects, no phone) is read with its timestamp', () => {
    const legacy = JSON.parse(JSON.stringify(webhook)) as JsonObject;
    const customer = legacy.customer as JsonObject;
    customer.accepts_marketing = false;
    customer.accepts_marketing_updated_at = '2021-12-01T10:00:00-05:00';
    delete customer.phone;
    delete legacy.phone;
    const o = mapShopifyOrder(legacy, store);
    expect(o.marketingConsent.email).toEqual({
      state: 'not_subscribed',
      changedAt: '2021-12-01T15:00:00.000Z',
    });
    expect(o.phone).toBe('555-555-SHIP');
  });

  it('names come from the customer; the ship-to keeps its own (identity vs. address name)', () => {
    const o = mapShopifyOrder(jane, store);
    expect(o).toMatchObject({
      email: 'jane@example.com',
      firstName: 'John',
      lastName: 'Smith',
      username: '1073339475',
    });
    expect(o.shipTo?.name).toBe('Jane Smith');
    expect(o.billTo?.name).toBe('John Smith');
    expect(o.marketingConsent).toEqual({ email: { state: 'not_subscribed', changedAt: null } });
  });

  it('a POS or guest order with customer: null still imports, keyed by its email', () => {
    const pos = { ...webhook, customer: null, source_name: 'pos' } as JsonObject;
    const o = mapShopifyOrder(pos, store);
    expect(o.username).toBe('jon@example.com');
    expect(o.email).toBe('jon@example.com');
    expect(o.firstName).toBe('Steve');
  });

  it('an order with neither customer nor email carries no buyer key (R1.1)', () => {
    const o = mapShopifyOrder(
      { ...webhook, customer: null, email: null, contact_email: null } as JsonObject,
      store,
    );
    expect(o.username).toBeNull();
    expect(o.email).toBeNull();
  });

  it('refuses an order without an id, with a reason', () => {
    expect(() => mapShopifyOrder({ ...bob, id: null } as JsonObject, store)).toThrow(OrderFormatError);
  });
});

describe('WooCommerce v3 mapping', () => {
  const [guest, registered] = readFixtureJson<JsonObject[]>(
    'woocommerce',
    'orders-list-response-wc-v3-docs.json',
  );
  const woo = { name: 'Acme Woo' };

  it('R1.2: a guest (customer_id 0) is keyed by the billing email', () => {
    const o = mapWooOrder(guest!, woo);
    expect(o).toMatchObject({
      storeOrderId: '727',
      orderNumber: '727',
      username: 'john.doe@example.com',
      email: 'john.doe@example.com',
      firstName: 'John',
      lastName: 'Doe',
      phone: '(555) 555-5555',
      total: 29.35,
      currency: 'USD',
      orderStatus: 'awaiting_shipment',
      tags: ['woocommerce', 'Acme Woo'],
      marketingConsent: {},
    });
  });

  it('a custom (plugin) status is no order status: null, the word kept in channelData', () => {
    const o = mapWooOrder({ ...guest!, status: 'awaiting-pickup' }, woo);
    expect(o.orderStatus).toBeNull();
    expect(o.channelData).toMatchObject({ status: 'awaiting-pickup' });
  });

  it('R1.2: a registered customer is keyed by customer_id; accents kept', () => {
    const o = mapWooOrder(registered!, woo);
    expect(o).toMatchObject({ username: '26', firstName: 'João', lastName: 'Silva', orderStatus: 'shipped' });
    expect(o.shipTo).toMatchObject({
      street1: 'Av. Brasil, 432',
      country: 'BR',
      postalCode: '12345-000',
      phone: null,
    });
  });

  it('dates are the *_gmt fields, read as UTC (dates_are_gmt), not the site-local ones', () => {
    const o = mapWooOrder(guest!, woo);
    expect(o.orderDate.toISOString()).toBe('2017-03-22T19:28:02.000Z');
    expect(o.channelUpdatedAt?.toISOString()).toBe('2017-03-22T19:28:08.000Z');
  });

  it('money sent as strings becomes numbers; line items kept as sent', () => {
    const o = mapWooOrder(registered!, woo);
    expect(o.total).toBe(39);
    expect(o.items.map((i) => i.name)).toEqual(['Woo Album #2', 'Woo Ninja']);
  });

  it('refuses an order without date_created_gmt (its local date has no offset to trust)', () => {
    const { date_created_gmt: _gone, ...rest } = guest!;
    expect(() => mapWooOrder(rest as JsonObject, woo)).toThrow(/date_created_gmt/);
  });
});
