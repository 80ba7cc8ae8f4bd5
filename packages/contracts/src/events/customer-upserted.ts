import { Type, type Static } from '@sinclair/typebox';
import { Address, NullableString, StoreIdentity } from '../common';
import { defineEvent, envelopeOf } from '../envelope';
import { TEXT_LIMITS } from '../limits';

/**
 * The most order ids one CustomerUpserted carries in `orderIds` (about 25 KB of JSON at the
 * longest ids): a batch that links more orders to one customer announces it in several events,
 * the same record each, the orders split between them (ADR 0036).
 */
export const CUSTOMER_UPSERTED_MAX_ORDER_IDS = 500;

export const CustomerStatus = Type.Union([
  Type.Literal('active'),
  Type.Literal('archived'),
  Type.Literal('merged'),
  Type.Literal('deleted'),
]);

export const CustomerUpsertedPayload = Type.Object({
  customer: Type.Object({
    customerId: Type.String({ minLength: 1 }),
    status: CustomerStatus,
    name: NullableString,
    firstName: NullableString,
    lastName: NullableString,
    company: NullableString,
    email: NullableString,
    phone: NullableString,
    shippingAddress: Type.Union([Address, Type.Null()]),
    identities: Type.Array(StoreIdentity),
    tags: Type.Array(Type.String()),
    version: Type.Integer({
      minimum: 1,
      description: 'Increases on every change; consumers drop older ones.',
    }),
  }),
  created: Type.Boolean(),
  cause: Type.Union([
    Type.Literal('order'),
    Type.Literal('edit'),
    Type.Literal('import'),
    Type.Literal('merge'),
    Type.Literal('status'),
  ]),
  orderId: Type.Union([Type.String(), Type.Null()], { description: 'The order that caused it, if any.' }),
  orderIds: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: TEXT_LIMITS.id }), {
      maxItems: CUSTOMER_UPSERTED_MAX_ORDER_IDS,
      description:
        "The orders this change linked to this customer (customer-service's decision, ADR 0036): " +
        'every order of the batch that landed on the record, `orderId` among them; `[]` when the ' +
        'change linked none (an edit, a status change, a merge, an import). More than ' +
        `${CUSTOMER_UPSERTED_MAX_ORDER_IDS} are split over several events of the same record. ` +
        'A consumer links exactly these orders; the identities only stand for orders it has not ' +
        'linked yet. Absent in events published before ADR 0036: then every order of the ' +
        'identities belongs to this customer.',
    }),
  ),
});

export const CustomerUpsertedV1 = envelopeOf('CustomerUpserted', 1, CustomerUpsertedPayload);
export type CustomerUpsertedV1 = Static<typeof CustomerUpsertedV1>;

export const CustomerUpserted = defineEvent({
  eventType: 'CustomerUpserted',
  eventVersion: 1,
  topic: 'CustomerUpserted',
  schema: CustomerUpsertedV1,
  description: 'A customer record was created or changed; carries the record as it now is.',
  partitionKey: (e) => e.payload.customer.customerId,
  example: {
    eventId: '0b8e7d52-6a1f-4f83-9a0c-1c2e3f4a5b02',
    eventType: 'CustomerUpserted',
    eventVersion: 1,
    occurredAt: '2026-11-23T10:00:00.120Z',
    accountId: 'acme',
    correlationId: 'req-7c0a',
    causationId: '5f1f4c1e-3a37-4a64-9d55-3a1b2b0d1e01',
    payload: {
      customer: {
        customerId: 'cus_01',
        status: 'active',
        name: 'Bob Norman',
        firstName: 'Bob',
        lastName: 'Norman',
        company: null,
        email: 'bob.norman@mail.example.com',
        phone: '+16136120707',
        shippingAddress: null,
        identities: [{ storeId: 'st_shopify_1', username: '207119551' }],
        tags: ['shopify', 'Acme Shopify'],
        version: 1,
      },
      created: true,
      cause: 'order',
      orderId: 'ord_01',
      orderIds: ['ord_01'],
    },
  },
});
