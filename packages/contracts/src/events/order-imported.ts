import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Address, Channel, LimitedString, MarketingConsent } from '../common';
import { COUNT_LIMITS, MONEY_LIMITS, TEXT_LIMITS as L } from '../limits';
import { defineEvent, envelopeOf } from '../envelope';
import { ORDER_STATUS_LIST, OrderStatusOrNull } from '../order-status';

/**
 * The payload, with the status field given: consumers decode any text of the limit's length (what
 * order-ingest published before the status was defined once), order-ingest publishes a status or
 * null (ADR 0029).
 */
const payloadWith = <T extends TSchema>(orderStatus: T) =>
  Type.Object({
    order: Type.Object({
      orderId: Type.String({
        minLength: 1,
        maxLength: L.id,
        description: 'order-ingest-service id of the order',
      }),
      storeId: Type.String({ minLength: 1, maxLength: L.storeId }),
      storeType: Channel,
      storeName: Type.String({ maxLength: L.storeName }),
      storeOrderId: Type.String({
        minLength: 1,
        maxLength: L.storeOrderId,
        description: 'The store-side order key (R1.9 idempotency).',
      }),
      orderNumber: Type.String({ maxLength: L.orderNumber }),
      orderDate: Type.String({
        format: 'date-time',
        description: 'When the buyer ordered (R1.7 uses it, not arrival).',
      }),
      orderStatus,
      total: Type.Number({ minimum: MONEY_LIMITS.orderTotalMin, maximum: MONEY_LIMITS.orderTotalMax }),
      currency: Type.Union([Type.String({ pattern: '^[A-Z]{3}$' }), Type.Null()]),
      revision: Type.Integer({ minimum: 1, description: 'Bumped on every changed re-import of the order.' }),
    }),
    buyer: Type.Object({
      username: Type.Union([Type.String({ minLength: 1, maxLength: L.username }), Type.Null()], {
        description: 'The store-side buyer key chosen by channel (R1.2); null when the order has none.',
      }),
      email: LimitedString(L.email),
      phone: LimitedString(L.phone),
      name: LimitedString(L.name),
      firstName: LimitedString(L.name),
      lastName: LimitedString(L.name),
      company: LimitedString(L.company),
      birthDate: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
      marketingConsent: MarketingConsent,
    }),
    shipTo: Type.Union([Address, Type.Null()]),
    billTo: Type.Union([Address, Type.Null()]),
    tags: Type.Array(Type.String({ maxLength: L.tag }), { maxItems: COUNT_LIMITS.tags }),
    source: Type.Union([
      Type.Literal('store'),
      Type.Literal('manual'),
      Type.Literal('csv'),
      Type.Literal('api'),
    ]),
  });

export const OrderImportedPayload = payloadWith(
  Type.Union([Type.String({ maxLength: L.orderStatus }), Type.Null()], {
    description: `order-ingest publishes one of ${ORDER_STATUS_LIST}, or null (the order has none, or its channel's status has no equivalent). An event published before that may hold the status as it was stored ("Awaiting Shipment", a channel's own word): a consumer that uses it reads it with canonicalOrderStatus (a word that is no status: none).`,
  }),
);

export const OrderImportedV1 = envelopeOf('OrderImported', 1, OrderImportedPayload);
export type OrderImportedV1 = Static<typeof OrderImportedV1>;

export const OrderImported = defineEvent({
  eventType: 'OrderImported',
  eventVersion: 1,
  topic: 'OrderImported',
  schema: OrderImportedV1,
  publishSchema: envelopeOf(
    'OrderImported',
    1,
    payloadWith(OrderStatusOrNull("null: the order has none, or its channel's status has no equivalent.")),
    'published',
  ),
  description:
    'An order was imported or changed (store sync, manual order, order CSV row). customer-service links it to a customer.',
  // All orders of one account share a partition: matching by email/phone (R1.4) must see earlier
  // orders of the same account, and one account's buyers must not race to create duplicates.
  partitionKey: (e) => e.accountId,
  example: {
    eventId: '5f1f4c1e-3a37-4a64-9d55-3a1b2b0d1e01',
    eventType: 'OrderImported',
    eventVersion: 1,
    occurredAt: '2026-11-23T10:00:00.000Z',
    accountId: 'acme',
    correlationId: 'req-7c0a',
    causationId: null,
    payload: {
      order: {
        orderId: 'ord_01',
        storeId: 'st_shopify_1',
        storeType: 'shopify',
        storeName: 'Acme Shopify',
        storeOrderId: '450789469',
        orderNumber: '#1001',
        orderDate: '2026-11-20T08:30:00.000Z',
        orderStatus: 'awaiting_shipment',
        total: 598.94,
        currency: 'USD',
        revision: 1,
      },
      buyer: {
        username: '207119551',
        email: 'bob.norman@mail.example.com',
        phone: '+16136120707',
        name: 'Bob Norman',
        firstName: 'Bob',
        lastName: 'Norman',
        company: null,
        birthDate: null,
        marketingConsent: { email: { state: 'not_subscribed', changedAt: null } },
      },
      shipTo: {
        name: 'Bob Norman',
        company: null,
        street1: 'Chestnut Street 92',
        street2: '',
        street3: null,
        city: 'Louisville',
        state: 'KY',
        postalCode: '40202',
        country: 'US',
        phone: '+1(502)-459-2181',
      },
      billTo: null,
      tags: ['shopify', 'Acme Shopify'],
      source: 'store',
    },
  },
});
