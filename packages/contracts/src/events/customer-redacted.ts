import { Type, type Static } from '@sinclair/typebox';
import { StoreIdentity } from '../common';
import { defineEvent, envelopeOf } from '../envelope';

export const CustomerRedactedV1 = envelopeOf(
  'CustomerRedacted',
  1,
  Type.Object({
    customerId: Type.String({ minLength: 1 }),
    requestId: Type.String({
      minLength: 1,
      description: 'The privacy request this erasure fulfils (R2.10).',
    }),
    legalBasis: Type.String({ minLength: 1, description: 'e.g. "GDPR Art. 17", "CCPA 1798.105".' }),
    identities: Type.Array(StoreIdentity, {
      description: 'Store identities of the erased customer, so other services can find their copies.',
    }),
  }),
);
export type CustomerRedactedV1 = Static<typeof CustomerRedactedV1>;

export const CustomerRedacted = defineEvent({
  eventType: 'CustomerRedacted',
  eventVersion: 1,
  topic: 'CustomerRedacted',
  schema: CustomerRedactedV1,
  description: 'A customer was erased; every service removes the personal data it holds of them.',
  partitionKey: (e) => e.payload.customerId,
  example: {
    eventId: '3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a04',
    eventType: 'CustomerRedacted',
    eventVersion: 1,
    occurredAt: '2026-11-23T12:00:00.000Z',
    accountId: 'acme',
    correlationId: 'req-9f00',
    causationId: null,
    payload: {
      customerId: 'cus_01',
      requestId: 'prq_01',
      legalBasis: 'GDPR Art. 17',
      identities: [{ storeId: 'st_shopify_1', username: '207119551' }],
    },
  },
});
