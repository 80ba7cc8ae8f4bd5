import { Type, type Static } from '@sinclair/typebox';
import { Address, MarketingConsent, NullableString } from '../common';
import { TEXT_LIMITS } from '../limits';
import { CUSTOMER_IMPORT_FIELDS, CustomerImportValues, TARGET_LIMITS } from '../customer-import-fields';
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

/**
 * v1: one event per CSV row. Superseded by v2 (rows in chunks, ADR 0012); kept so that a v1 message
 * still on the topic decodes. Nothing publishes it any more.
 */
export const CustomerImportRequestedLegacyV1 = defineEvent({
  eventType: 'CustomerImportRequested',
  eventVersion: 1,
  topic: 'CustomerImportRequested',
  schema: CustomerImportRequestedV1,
  description:
    'DEPRECATED (no producer since v2): one row of a customer CSV import, for customer-service to create or replace (R4.1–R4.3).',
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

/** Most rows one v2 chunk carries (csv-import-service sends up to CSV_IMPORT_CHUNK_ROWS, 500 by default). */
export const MAX_ROWS_PER_CHUNK = 1000;

export const CustomerImportRow = Type.Object({
  lineNumber: Type.Integer({
    minimum: 2,
    description: 'Line of the uploaded file where the row starts (line 1 is the header).',
  }),
  customerId: Type.Union([Type.String({ minLength: 1, maxLength: TARGET_LIMITS.customerId }), Type.Null()], {
    description: 'Target: update this record (it must be in the account and the manual store).',
  }),
  username: Type.Union([Type.String({ minLength: 1, maxLength: TARGET_LIMITS.username }), Type.Null()], {
    description: "Target: update the customer of the manual store's identity with this username.",
  }),
  values: CustomerImportValues,
});
export type CustomerImportRow = Static<typeof CustomerImportRow>;

export const CustomerImportRequestedV2 = envelopeOf(
  'CustomerImportRequested',
  2,
  Type.Object({
    jobId: Type.String({ minLength: 1, maxLength: TEXT_LIMITS.id }),
    chunk: Type.Integer({
      minimum: 1,
      description: 'Sequence number in the job: 1, 2, 3 … in publish order.',
    }),
    dryRun: Type.Boolean({ description: 'Answer what would happen; change nothing.' }),
    final: Type.Boolean({ description: 'The last chunk of the job: nothing follows (it may have no rows).' }),
    fields: Type.Array(Type.Union(CUSTOMER_IMPORT_FIELDS.map((f) => Type.Literal(f))), {
      uniqueItems: true,
      description:
        'The fields the file maps, the same in every chunk of a job. Replace semantics (R4.3) apply to exactly these; every other field of a record is left as it is.',
    }),
    rows: Type.Array(CustomerImportRow, { maxItems: MAX_ROWS_PER_CHUNK }),
  }),
);
export type CustomerImportRequestedV2 = Static<typeof CustomerImportRequestedV2>;

export const CUSTOMER_IMPORT_REQUESTED_DESCRIPTION = `Rows of a customer CSV import, in chunks, for customer-service to create or replace customers of the manual store (R4.1–R4.3). Published by csv-import-service; consumed by customer-service, which answers with CustomerImportRowResult v2.

Order. The key is accountId: one account's chunks arrive in publish order. Chunks of one job are numbered 1, 2, 3 …; rows within a chunk are in file order. customer-service applies them in that order and a later row sees what earlier rows did (a duplicate row answers "unchanged").

Idempotency. eventId is deterministic per (jobId, chunk): a chunk published again after a crash of csv-import-service carries the same eventId, and the consumer's inbox drops it. A chunk is applied once or not at all (one transaction with the inbox mark and the answer's outbox row).

Rows. \`fields\` lists the fields the file maps; each row's \`values\` has exactly those properties. A value replaces the stored one; \`null\` (or \`[]\` for tags) is a blank cell and clears the field (R4.3); fields not listed are never touched. csv-import-service has already rejected, with a row-level reason, rows it can tell are bad (wrong column count, malformed email, phone that cannot be read, value over its limit, unreadable date or consent): they never travel. Address parts are separate fields (\`shippingAddress.city\`); an address whose parts all end up empty is no address.

Target. \`customerId\` names the record to update; else \`username\` names the manual store's identity whose customer is updated; else customer-service matches as for a manual order (the manual store keys buyers by email, R1.2, then the account's match policy, R1.4) and creates a customer of the manual store when nothing matches. A customerId or username that matches nothing is "rejected" with a reason.

R4.2. A row whose target is a customer that belongs to a connected store (not the manual store) is answered "rejected" with a reason naming the store; nothing of that customer changes.

Dry run. With \`dryRun\` nothing is written (no customer, no history, no CustomerUpserted); every row is still answered, with the outcome it would have and its \`changes\`, as if the earlier rows of the same job had been applied (keep a would-be state per job; it can be dropped once the \`final\` chunk is answered). A chunk with no rows (a \`final\` marker) needs no answer.`;

/** v2: the rows of a customer CSV import in chunks (ADR 0012). The current version. */
export const CustomerImportRequested = defineEvent({
  eventType: 'CustomerImportRequested',
  eventVersion: 2,
  topic: 'CustomerImportRequested',
  schema: CustomerImportRequestedV2,
  description: CUSTOMER_IMPORT_REQUESTED_DESCRIPTION,
  partitionKey: (e) => e.accountId,
  example: {
    eventId: '0f3c5a8e-2b61-5d40-9e1a-7c2b3d4e5f60',
    eventType: 'CustomerImportRequested',
    eventVersion: 2,
    occurredAt: '2026-11-23T13:00:00.000Z',
    accountId: 'acme',
    correlationId: 'job-imp_01',
    causationId: null,
    payload: {
      jobId: 'imp_01',
      chunk: 1,
      dryRun: false,
      final: true,
      fields: ['firstName', 'lastName', 'email', 'phone', 'shippingAddress.city', 'tags', 'emailConsent'],
      rows: [
        {
          lineNumber: 2,
          customerId: null,
          username: null,
          values: {
            firstName: 'Peter',
            lastName: 'Pan',
            email: 'Peter.Pan@prestashop.com',
            phone: null,
            'shippingAddress.city': 'New York',
            tags: ['Customer'],
            emailConsent: 'subscribed',
          },
        },
        {
          lineNumber: 3,
          customerId: 'cus_01',
          username: null,
          values: {
            firstName: 'Wendy Moira',
            lastName: 'Darling',
            email: 'Wendy.Moira.Darling@prestashop.com',
            phone: '+44 20 7946 0000',
            'shippingAddress.city': null,
            tags: [],
            emailConsent: null,
          },
        },
      ],
    },
  },
});
