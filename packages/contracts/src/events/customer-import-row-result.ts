import { Type, type Static } from '@sinclair/typebox';
import { defineEvent, envelopeOf } from '../envelope';

export const CustomerImportRowResultV1 = envelopeOf(
  'CustomerImportRowResult',
  1,
  Type.Object({
    jobId: Type.String({ minLength: 1 }),
    lineNumber: Type.Integer({ minimum: 1 }),
    outcome: Type.Union([
      Type.Literal('created'),
      Type.Literal('updated'),
      Type.Literal('unchanged'),
      Type.Literal('rejected'),
    ]),
    customerId: Type.Union([Type.String(), Type.Null()]),
    reason: Type.Union([Type.String(), Type.Null()], { description: 'Why a row was rejected (R4.2, R4.4).' }),
  }),
);
export type CustomerImportRowResultV1 = Static<typeof CustomerImportRowResultV1>;

export const CustomerImportRowResult = defineEvent({
  eventType: 'CustomerImportRowResult',
  eventVersion: 1,
  topic: 'CustomerImportRowResult',
  schema: CustomerImportRowResultV1,
  description: 'What customer-service did with one imported row; csv-import-service counts and reports it.',
  partitionKey: (e) => e.payload.jobId,
  example: {
    eventId: '1b2c3d4e-5f60-4718-9a2b-3c4d5e6f7a06',
    eventType: 'CustomerImportRowResult',
    eventVersion: 1,
    occurredAt: '2026-11-23T13:00:01.000Z',
    accountId: 'acme',
    correlationId: 'job-imp_01',
    causationId: '7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c05',
    payload: {
      jobId: 'imp_01',
      lineNumber: 2,
      outcome: 'rejected',
      customerId: 'cus_01',
      reason:
        'customer cus_01 belongs to store "Acme Shopify" (shopify); only manual-store customers can be imported',
    },
  },
});
