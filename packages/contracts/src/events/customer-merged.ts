import { Type, type Static } from '@sinclair/typebox';
import { defineEvent, envelopeOf } from '../envelope';

export const CustomerMergedV1 = envelopeOf(
  'CustomerMerged',
  1,
  Type.Object({
    survivorId: Type.String({ minLength: 1 }),
    mergedIds: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    mergedBy: Type.String({ description: 'The user (JWT sub) who confirmed the merge.' }),
  }),
);
export type CustomerMergedV1 = Static<typeof CustomerMergedV1>;

export const CustomerMerged = defineEvent({
  eventType: 'CustomerMerged',
  eventVersion: 1,
  topic: 'CustomerMerged',
  schema: CustomerMergedV1,
  description: 'Records were merged into a survivor (R2.7); the merged ones now point to it.',
  partitionKey: (e) => e.payload.survivorId,
  example: {
    eventId: '9d0b1a3c-6c55-4b8e-8a77-2f0e5d4c3b03',
    eventType: 'CustomerMerged',
    eventVersion: 1,
    occurredAt: '2026-11-23T11:00:00.000Z',
    accountId: 'acme',
    correlationId: 'req-81aa',
    causationId: null,
    payload: { survivorId: 'cus_01', mergedIds: ['cus_07', 'cus_09'], mergedBy: 'user_42' },
  },
});
