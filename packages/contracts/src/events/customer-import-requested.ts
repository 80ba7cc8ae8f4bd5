import { Type, type Static } from '@sinclair/typebox';
import { Address, MarketingConsent, NullableString } from '../common';
import { defineEvent, envelopeOf } from '../envelope';

export const CustomerImportRequestedV1 = envelopeOf(
  'CustomerImportRequested',
  1,
  Type.Object({
    jobId: Type.String({ minLength: 1 }),
    lineNumber: Type.Integer({ minimum: 1, description: 'Line in the uploaded file, for the row report.' }),
    customerId: Type.Union([Type.String(), Type.Null()], {
      description: 'Target record, when the row names one.',
    }),
    // Replace semantics (R4.3): every field is present; null means "blank cell: clear it".
    fields: Type.Object({
      name: NullableString,
      firstName: NullableString,
      lastName: NullableString,
      company: NullableString,
      email: NullableString,
      phone: NullableString,
      shippingAddress: Type.Union([Address, Type.Null()]),
      billingAddress: Type.Union([Address, Type.Null()]),
      postalAddress: Type.Union([Address, Type.Null()]),
      tags: Type.Array(Type.String()),
      notes: NullableString,
      marketingConsent: MarketingConsent,
    }),
  }),
);
export type CustomerImportRequestedV1 = Static<typeof CustomerImportRequestedV1>;

export const CustomerImportRequested = defineEvent({
  eventType: 'CustomerImportRequested',
  eventVersion: 1,
  topic: 'CustomerImportRequested',
  schema: CustomerImportRequestedV1,
  description: 'One row of a customer CSV import, for customer-service to create or replace (R4.1–R4.3).',
  partitionKey: (e) => e.accountId,
  example: {
    eventId: '7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c05',
    eventType: 'CustomerImportRequested',
    eventVersion: 1,
    occurredAt: '2026-11-23T13:00:00.000Z',
    accountId: 'acme',
    correlationId: 'job-imp_01',
    causationId: null,
    payload: {
      jobId: 'imp_01',
      lineNumber: 2,
      customerId: null,
      fields: {
        name: 'John DOE',
        firstName: 'John',
        lastName: 'DOE',
        company: null,
        email: 'pub@prestashop.com',
        phone: null,
        shippingAddress: null,
        billingAddress: null,
        postalAddress: null,
        tags: [],
        notes: null,
        marketingConsent: { email: { state: 'subscribed', changedAt: null } },
      },
    },
  },
});
