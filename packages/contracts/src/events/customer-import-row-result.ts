import { Type, type Static } from '@sinclair/typebox';
import { FieldChange, RowOutcome } from '../customer-import-fields';
import { defineEvent, envelopeOf } from '../envelope';
import { TEXT_LIMITS } from '../limits';

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

/** v1: one answer per row. Superseded by v2 (answers per chunk, ADR 0012); still decoded and counted. */
export const CustomerImportRowResultLegacyV1 = defineEvent({
  eventType: 'CustomerImportRowResult',
  eventVersion: 1,
  topic: 'CustomerImportRowResult',
  schema: CustomerImportRowResultV1,
  description:
    'DEPRECATED (v2 answers per chunk): what customer-service did with one imported row; csv-import-service counts and reports it.',
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

/** Keep each answer event under this many bytes of JSON (the broker's default limit is 1 MB). */
export const MAX_RESULT_EVENT_BYTES = 512 * 1024;

export const CustomerImportRowAnswer = Type.Object({
  lineNumber: Type.Integer({ minimum: 2 }),
  outcome: RowOutcome,
  customerId: Type.Union([Type.String({ minLength: 1, maxLength: TEXT_LIMITS.id }), Type.Null()], {
    description: 'The record created or updated (or that would be); for a rejection, the target when known.',
  }),
  reason: Type.Union([Type.String({ minLength: 1, maxLength: TEXT_LIMITS.reason }), Type.Null()], {
    description: 'Why the row was rejected (R4.2, R4.4); null otherwise.',
  }),
  changes: Type.Union([Type.Array(FieldChange), Type.Null()], {
    description:
      "Dry run: every field whose value would change, in the order of the request's `fields` ([] when unchanged, null when rejected). A real run may send null.",
  }),
  warnings: Type.Optional(
    Type.Array(Type.String({ maxLength: TEXT_LIMITS.warning }), {
      description: 'Things to tell the user about an accepted row (R2.5: "email is a matching key").',
    }),
  ),
});
export type CustomerImportRowAnswer = Static<typeof CustomerImportRowAnswer>;

export const CustomerImportRowResultV2 = envelopeOf(
  'CustomerImportRowResult',
  2,
  Type.Object({
    jobId: Type.String({ minLength: 1, maxLength: TEXT_LIMITS.id }),
    chunk: Type.Integer({ minimum: 1, description: 'The request chunk this answers.' }),
    part: Type.Integer({ minimum: 1, description: "This answer's number among the chunk's answers (1 …)." }),
    parts: Type.Integer({ minimum: 1, description: 'How many answers the chunk has in all.' }),
    dryRun: Type.Boolean(),
    rows: Type.Array(CustomerImportRowAnswer),
  }),
);
export type CustomerImportRowResultV2 = Static<typeof CustomerImportRowResultV2>;

export const CUSTOMER_IMPORT_ROW_RESULT_DESCRIPTION = `What customer-service did (or, in a dry run, would do) with the rows of one CustomerImportRequested v2 chunk. Published by customer-service in the transaction that applied the chunk; csv-import-service counts it, keeps the rejected rows for the error report and every dry-run row for the preview.

One answer per row: every lineNumber of the chunk appears in exactly one row of exactly one part. Usually one event answers a whole chunk (part 1 of 1); when the rows (dry-run changes can be long) would make an event larger than 512 KB of JSON, the rows are split over several events, part 1 … parts, each with the same chunk, parts, jobId and dryRun. A chunk with no rows needs no answer.

Outcomes: "created" (a new customer of the manual store), "updated" (at least one field changed), "unchanged" (every value already as stored), "rejected" (nothing changed; reason says why: target not found, customer of a connected store R4.2, a locked field R2.1, …).

Dry run (dryRun true): rows that are not rejected carry changes: each field of the request's fields whose value would differ, before (the stored value; null for a record that would be created) and after (the row's value), clearedByBlank true when the cell was blank and the stored value was not empty (R4.3: the preview warns about each). Unchanged rows carry [].

Key: jobId. causationId: the request's eventId; correlationId: the request's. eventId: deterministic, e.g. deterministicEventId('CustomerImportRowResult', requestEventId, part). csv-import-service also drops an answer whose (jobId, chunk, part) it has already counted, so no answer ever counts twice.`;

/** v2: the answers to one chunk of a customer CSV import (ADR 0012). The current version. */
export const CustomerImportRowResult = defineEvent({
  eventType: 'CustomerImportRowResult',
  eventVersion: 2,
  topic: 'CustomerImportRowResult',
  schema: CustomerImportRowResultV2,
  description: CUSTOMER_IMPORT_ROW_RESULT_DESCRIPTION,
  partitionKey: (e) => e.payload.jobId,
  example: {
    eventId: '5d2e8c41-9a07-5b3f-8e6d-1f2a3b4c5d6e',
    eventType: 'CustomerImportRowResult',
    eventVersion: 2,
    occurredAt: '2026-11-23T13:00:01.000Z',
    accountId: 'acme',
    correlationId: 'job-imp_01',
    causationId: '0f3c5a8e-2b61-5d40-9e1a-7c2b3d4e5f60',
    payload: {
      jobId: 'imp_01',
      chunk: 1,
      part: 1,
      parts: 1,
      dryRun: true,
      rows: [
        {
          lineNumber: 2,
          outcome: 'created',
          customerId: null,
          reason: null,
          changes: [
            { field: 'firstName', before: null, after: 'Peter', clearedByBlank: false },
            { field: 'tags', before: null, after: ['Customer'], clearedByBlank: false },
          ],
        },
        {
          lineNumber: 3,
          outcome: 'updated',
          customerId: 'cus_01',
          reason: null,
          changes: [{ field: 'shippingAddress.city', before: 'London', after: null, clearedByBlank: true }],
          warnings: ['email is a matching key: orders will match this customer by the new address (R2.5)'],
        },
        {
          lineNumber: 4,
          outcome: 'rejected',
          customerId: 'cus_02',
          reason:
            'customer cus_02 belongs to store "Acme Shopify" (shopify); only manual-store customers can be imported (R4.2)',
          changes: null,
        },
      ],
    },
  },
});
