import { Type } from '@sinclair/typebox';
import { ConsentState, Nullable } from '@crp/contracts/common';
import {
  ADDRESS_PART_LIMITS,
  ADDRESS_PARTS,
  COUNT_LIMITS,
  TEXT_LIMITS as LIMITS,
} from '@crp/contracts/limits';
import {
  PRIVACY_NOTE_MAX_LENGTH,
  PrivacyBasis,
  PrivacyRequestStatus,
  PrivacyRequestType,
} from '@crp/contracts/privacy-request';

import { CustomerSchema } from './customer-schemas';

// Request and response shapes of the customer API, for validation and the OpenAPI document. The
// limits are the ones packages/contracts defines for customer fields (the columns hold them).

const text = (maxLength: number, description?: string) =>
  Type.Union([Type.String({ maxLength }), Type.Null()], description ? { description } : {});

export const CustomerIdParam = Type.Object({
  customerId: Type.String({ minLength: 1, maxLength: LIMITS.id }),
});

/** An address in a request: any parts; a part left out keeps its value, `null` clears it. */
export const AddressInput = Type.Object(
  Object.fromEntries(ADDRESS_PARTS.map((p) => [p, Type.Optional(text(ADDRESS_PART_LIMITS[p]))])),
  { additionalProperties: false },
);

export const AddressOut = Type.Object(
  Object.fromEntries(ADDRESS_PARTS.map((p) => [p, Nullable(Type.String())])),
);

const ConsentInput = Type.Object({ state: ConsentState }, { additionalProperties: false });

/** PATCH /v1/customers/:id and POST /v1/customers. */
export const CustomerEditBody = Type.Object(
  {
    firstName: Type.Optional(text(LIMITS.name)),
    lastName: Type.Optional(text(LIMITS.name)),
    name: Type.Optional(
      text(LIMITS.name, 'Display name; follows first and last name when it was made from them'),
    ),
    company: Type.Optional(text(LIMITS.company)),
    email: Type.Optional(
      text(LIMITS.email, 'Must be an email address; a matching key (R2.5: the answer warns when it changes)'),
    ),
    phone: Type.Optional(
      text(LIMITS.phone, "Any format; compared as E.164 with the account's default country"),
    ),
    birthDate: Type.Optional(Nullable(Type.String({ format: 'date' }))),
    notes: Type.Optional(
      text(
        LIMITS.note,
        `The merchant's free text on the record (at most ${LIMITS.note} characters); null or blank clears it`,
      ),
    ),
    addresses: Type.Optional(
      Type.Object(
        {
          shipping: Type.Optional(Nullable(AddressInput)),
          billing: Type.Optional(Nullable(AddressInput)),
          postal: Type.Optional(Nullable(AddressInput)),
        },
        {
          additionalProperties: false,
          description: 'R2.3: each address is merged part by part; null removes it',
        },
      ),
    ),
    tags: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: LIMITS.tag }), {
        maxItems: COUNT_LIMITS.tags,
        description: 'Replaces the tags',
      }),
    ),
    marketingConsent: Type.Optional(
      Type.Object(
        { email: Type.Optional(ConsentInput), sms: Type.Optional(ConsentInput) },
        { additionalProperties: false, description: 'R2.9: recorded now, with the source of the edit' },
      ),
    ),
  },
  { additionalProperties: false },
);

export const WarningOut = Type.Object({ code: Type.String(), field: Type.String(), message: Type.String() });

/** GET /v1/customers/:id (the read side's schema): what every write answers too. */
export const CustomerOut = CustomerSchema;

/** What an edit, a creation or a status change answers. */
export const CustomerWriteOut = Type.Intersect([
  CustomerOut,
  Type.Object({
    warnings: Type.Array(WarningOut, { description: 'R2.5 and others: the change was made, but note this' }),
  }),
]);

export const LockedConflictOut = Type.Object({
  error: Type.Object({
    code: Type.Literal('CONFLICT'),
    message: Type.String(),
    details: Type.Object({
      lockedFields: Type.Array(
        Type.Object({
          field: Type.String(),
          storeId: Nullable(Type.String()),
          storeName: Nullable(Type.String()),
        }),
      ),
    }),
    correlationId: Type.String(),
  }),
});

const Id = Type.String({ minLength: 1, maxLength: LIMITS.id });

/** POST /v1/customers/merge/preview and /merge (R2.7). */
export const MergeBody = Type.Object(
  {
    survivorId: Id,
    mergedIds: Type.Array(Id, {
      minItems: 1,
      maxItems: 20,
      description: 'Records that go into the survivor',
    }),
    choices: Type.Optional(
      Type.Record(Type.String(), Id, {
        description:
          "Per field (name, company, email, phone, birthDate, addresses.shipping, addresses.billing, addresses.postal, notes): the record whose value wins. Without a choice, notes are the survivor's (else the first merged record's that has some): the preview names that rule (`survivor`)",
      }),
    ),
  },
  { additionalProperties: false },
);

const MergeConflictOut = Type.Object({
  field: Type.String(),
  candidates: Type.Array(
    Type.Object({
      customerId: Type.String(),
      value: Type.Unknown(),
      source: Nullable(Type.String()),
      at: Nullable(Type.String()),
    }),
  ),
  winner: Type.String({ description: 'The record whose value the survivor keeps' }),
  rule: Type.Union(['choice', 'newest', 'source_priority', 'survivor'].map((r) => Type.Literal(r))),
  because: Type.String(),
});

const MergeBlockerOut = Type.Object({
  customerId: Type.String(),
  code: Type.Union(
    ['NOT_IN_ACCOUNT', 'DELETED', 'ALREADY_MERGED', 'SURVIVOR_NOT_ACTIVE', 'PRIVACY_REQUEST_OPEN'].map((c) =>
      Type.Literal(c),
    ),
  ),
  reason: Type.String(),
});

const MergeMovesOut = Type.Object({
  identities: Type.Integer(),
  orders: Type.Integer(),
  tags: Type.Array(Type.String(), { description: 'Tags the survivor gains' }),
});

export const MergePreviewOut = Type.Object({
  mergeable: Type.Boolean(),
  survivorId: Type.String(),
  mergedIds: Type.Array(Type.String()),
  result: Nullable(CustomerOut),
  conflicts: Type.Array(MergeConflictOut),
  blockers: Type.Array(MergeBlockerOut),
  moves: MergeMovesOut,
  etag: Type.String({
    description:
      'The ETag header of this answer: send it as If-Match on POST /v1/customers/merge to merge only if none of the records has changed since this preview (else 412)',
  }),
});

export const MergeOut = Type.Object({
  survivor: CustomerOut,
  mergedIds: Type.Array(Type.String()),
  conflicts: Type.Array(MergeConflictOut),
  moves: MergeMovesOut,
});

export const MergeRefusedOut = Type.Object({
  error: Type.Object({
    code: Type.Literal('CONFLICT'),
    message: Type.String(),
    details: Type.Object({ blockers: Type.Array(MergeBlockerOut) }),
    correlationId: Type.String(),
  }),
});

/** POST /v1/privacy-requests (R2.10). */
export const PrivacyRequestBody = Type.Object(
  {
    type: PrivacyRequestType,
    customerId: Id,
    basis: PrivacyBasis,
    note: Type.Optional(Nullable(Type.String({ maxLength: PRIVACY_NOTE_MAX_LENGTH }))),
    fulfilNow: Type.Optional(
      Type.Boolean({
        default: true,
        description: 'false: record it open (e.g. while the person is verified) and fulfil it later',
      }),
    ),
  },
  { additionalProperties: false },
);

export const PrivacyRequestOut = Type.Object({
  requestId: Type.String(),
  customerId: Type.String(),
  type: PrivacyRequestType,
  basis: PrivacyBasis,
  legalBasis: Type.String({ description: 'e.g. GDPR Art. 17' }),
  note: Nullable(Type.String()),
  status: PrivacyRequestStatus,
  requestedBy: Type.String({ description: 'The user (JWT sub) who asked' }),
  requestedAt: Type.String({ format: 'date-time' }),
  completedAt: Nullable(Type.String({ format: 'date-time' })),
  completedBy: Nullable(Type.String()),
  outcome: Nullable(Type.Record(Type.String(), Type.Unknown())),
});

export const PrivacyResultOut = Type.Object({
  request: PrivacyRequestOut,
  document: Type.Optional(
    Type.Object(
      {
        generatedAt: Type.String({ format: 'date-time' }),
        request: PrivacyRequestOut,
        customer: Type.Record(Type.String(), Type.Unknown(), {
          description: 'Every field with its source (fieldSources), addresses, consent and its history',
        }),
        mergedRecords: Type.Array(Type.Record(Type.String(), Type.Unknown())),
        identities: Type.Array(Type.Record(Type.String(), Type.Unknown())),
        orders: Type.Array(Type.Record(Type.String(), Type.Unknown())),
        changes: Type.Array(Type.Record(Type.String(), Type.Unknown())),
        possibleDuplicates: Type.Array(Type.String()),
      },
      { description: 'export only: one JSON document of everything held on the customer' },
    ),
  ),
});

export const PrivacyListQuery = Type.Object(
  {
    customerId: Type.Optional(Id),
    status: Type.Optional(PrivacyRequestStatus),
    cursor: Type.Optional(
      Type.String({ maxLength: LIMITS.id, description: 'nextCursor of the previous page' }),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
);

export const PrivacyListOut = Type.Object({
  requests: Type.Array(PrivacyRequestOut),
  nextCursor: Nullable(Type.String()),
});
