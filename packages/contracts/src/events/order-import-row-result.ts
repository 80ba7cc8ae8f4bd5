import { Type, type Static } from '@sinclair/typebox';
import { RowOutcome } from '../customer-import-fields';
import { defineEvent, envelopeOf } from '../envelope';
import { TEXT_LIMITS } from '../limits';

export const OrderImportRowResultV1 = envelopeOf(
  'OrderImportRowResult',
  1,
  Type.Object({
    jobId: Type.String({ minLength: 1, maxLength: TEXT_LIMITS.id }),
    chunk: Type.Integer({ minimum: 1 }),
    part: Type.Integer({ minimum: 1 }),
    parts: Type.Integer({ minimum: 1 }),
    rows: Type.Array(
      Type.Object({
        lineNumber: Type.Integer({ minimum: 2 }),
        outcome: RowOutcome,
        orderId: Type.Union([Type.String({ minLength: 1, maxLength: TEXT_LIMITS.id }), Type.Null()]),
        reason: Type.Union([Type.String({ minLength: 1, maxLength: TEXT_LIMITS.reason }), Type.Null()]),
      }),
    ),
  }),
);
export type OrderImportRowResultV1 = Static<typeof OrderImportRowResultV1>;

export const OrderImportRowResult = defineEvent({
  eventType: 'OrderImportRowResult',
  eventVersion: 1,
  topic: 'OrderImportRowResult',
  schema: OrderImportRowResultV1,
  description: `What order-ingest-service did with the rows of one OrderImportRequested chunk: per row created / updated (a new revision) / unchanged (same content, R1.9) / rejected with a reason, and the order id. Published in the transaction that ingested the chunk; csv-import-service counts it. Every lineNumber of a chunk is answered exactly once, in one or more parts (part 1 … parts, each under 512 KB). Key jobId; eventId deterministic per (request eventId, part); csv-import also drops an answer whose (jobId, chunk, part) it has counted.`,
  partitionKey: (e) => e.payload.jobId,
  example: {
    eventId: '6a7b8c9d-0e1f-5a2b-9c3d-4e5f6a7b8c9d',
    eventType: 'OrderImportRowResult',
    eventVersion: 1,
    occurredAt: '2026-11-23T13:00:01.000Z',
    accountId: 'acme',
    correlationId: 'job-imp_02',
    causationId: '3c4d5e6f-7081-5a92-8b3c-4d5e6f708192',
    payload: {
      jobId: 'imp_02',
      chunk: 1,
      part: 1,
      parts: 1,
      rows: [
        { lineNumber: 2, outcome: 'created', orderId: 'ord_01', reason: null },
        { lineNumber: 3, outcome: 'rejected', orderId: null, reason: 'store st_9 was not found' },
      ],
    },
  },
});

export type OrderImportRowAnswer = OrderImportRowResultV1['payload']['rows'][number];
