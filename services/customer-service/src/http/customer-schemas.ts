import { Type } from '@sinclair/typebox';
import { Address, NullableString } from '@crp/contracts/common';
import { CustomerStatus } from '@crp/contracts/events/customer-upserted';
import { EXPORT_COLUMNS } from '../app/export-format';
import { DUPLICATES_CAP } from '../app/duplicates';
import { POSSIBLE_DUPLICATES_CAP } from '../app/queries';
import { SUGGESTION_REASONS } from '../domain/duplicates';

const DUPLICATE_REASONS = ['same_email', 'same_phone', ...SUGGESTION_REASONS] as const;

// Response schemas for the OpenAPI document (the shapes src/app/customer-view.ts builds).

const NullableAddress = Type.Union([Address, Type.Null()]);
const Instant = Type.String({ format: 'date-time' });
const Consent = Type.Object({
  state: Type.Union(['subscribed', 'unsubscribed', 'not_subscribed'].map((s) => Type.Literal(s))),
  changedAt: Type.Union([Instant, Type.Null()]),
  source: Type.String(),
  storeId: NullableString,
});
const FieldSource = Type.Object({
  source: Type.Union(['store', 'manual', 'csv', 'api', 'mailchimp'].map((s) => Type.Literal(s))),
  storeId: NullableString,
  storeName: NullableString,
  at: Instant,
});

/** ShipStation's Customer fields plus what SPEC §1–§2 adds. */
export const CustomerSchema = Type.Object(
  {
    customerId: Type.String(),
    createDate: Instant,
    modifyDate: Instant,
    name: NullableString,
    firstName: NullableString,
    lastName: NullableString,
    company: NullableString,
    street1: NullableString,
    street2: NullableString,
    street3: NullableString,
    city: NullableString,
    state: NullableString,
    postalCode: NullableString,
    countryCode: NullableString,
    phone: NullableString,
    email: NullableString,
    birthDate: NullableString,
    notes: Type.Union([Type.String(), Type.Null()], {
      description: "The merchant's free text on the record (POST, PATCH, the customer CSV import)",
    }),
    marketplaceUsernames: Type.Array(
      Type.Object({
        customerUserId: Type.String(),
        customerId: Type.String(),
        createDate: Instant,
        modifyDate: Instant,
        marketplace: Type.String(),
        marketplaceId: Type.String(),
        storeName: Type.String(),
        username: Type.String(),
      }),
    ),
    tags: Type.Array(Type.Object({ name: Type.String() })),
    status: CustomerStatus,
    mergedIntoId: NullableString,
    erasedAt: Type.Union([Instant, Type.Null()], { description: 'R2.10: when its personal data was erased' }),
    addresses: Type.Object({ shipping: NullableAddress, billing: NullableAddress, postal: NullableAddress }),
    marketingConsent: Type.Object({ email: Type.Optional(Consent), sms: Type.Optional(Consent) }),
    fieldSources: Type.Record(Type.String(), FieldSource),
    flags: Type.Array(Type.Object({ field: Type.String(), code: Type.String(), message: Type.String() }), {
      description:
        'Things a person should look at, e.g. EMAIL_NOT_AN_ADDRESS (an email kept as written, never matched on)',
    }),
    history: Type.Object({
      orderCount: Type.Integer(),
      totalSpent: Type.Number(),
      firstOrderDate: Type.Union([Instant, Type.Null()]),
      lastOrderDate: Type.Union([Instant, Type.Null()]),
      orders: Type.Optional(
        Type.Array(
          Type.Object({
            orderId: Type.String(),
            storeId: Type.String(),
            storeOrderId: Type.String(),
            orderNumber: Type.String(),
            orderDate: Instant,
            total: Type.Number(),
            currency: NullableString,
          }),
          { description: 'GET /v1/customers/{customerId} only: the newest orders (R1.11)' },
        ),
      ),
    }),
    possibleDuplicates: Type.Optional(
      Type.Array(Type.String(), {
        description: `GET /v1/customers/{customerId} only: R1.6 possible duplicates, the first ${POSSIBLE_DUPLICATES_CAP} in id order (see possibleDuplicatesTruncated)`,
      }),
    ),
    possibleDuplicatesTruncated: Type.Optional(
      Type.Boolean({
        description: `GET /v1/customers/{customerId} only: true when more than ${POSSIBLE_DUPLICATES_CAP} records are possible duplicates of this one (a shared placeholder email or phone); GET /v1/customers/{customerId}/duplicates lists the surest`,
      }),
    ),
    version: Type.Integer(),
  },
  { additionalProperties: true },
);

export const CustomerListSchema = Type.Object({
  customers: Type.Array(CustomerSchema),
  total: Type.Integer({
    description: 'How many customers match the filters in all: exact up to 1,000 (see totalRelation)',
  }),
  totalRelation: Type.Union([Type.Literal('eq'), Type.Literal('gte')], {
    description: '`eq`: total is exact; `gte`: more than 1,000 match and total says 1,000 (or a lower bound)',
  }),
  nextCursor: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as `cursor` for the next page; null on the last page',
  }),
});

export const CustomerCsvSchema = Type.String({
  description: `UTF-8 with a BOM, CRLF line ends, one header row: ${EXPORT_COLUMNS.join(', ')}. Cells that begin with = + - @ tab or CR carry a leading apostrophe (formula injection).`,
});

const Summary = Type.Object({
  customerId: Type.String(),
  status: CustomerStatus,
  name: NullableString,
  email: NullableString,
  phone: NullableString,
  street1: NullableString,
  city: NullableString,
  postalCode: NullableString,
  countryCode: NullableString,
  orderCount: Type.Integer(),
  createDate: Instant,
});

const DuplicateEntry = Type.Object({
  customerId: Type.String(),
  confidence: Type.Number({ minimum: 0, maximum: 1, description: 'The highest confidence of its reasons' }),
  reasons: Type.Array(
    Type.Object({
      reason: Type.Union(
        [...DUPLICATE_REASONS].map((r) => Type.Literal(r)),
        {
          description:
            'same_email / same_phone: R1.6, two records holding the key an order matched on; same_name_and_address, email_typo_same_address, same_phone_other_email: suggestions that share no key',
        },
      ),
      confidence: Type.Number({ minimum: 0, maximum: 1 }),
      source: Type.Union([Type.Literal('matching'), Type.Literal('suggestion')]),
    }),
  ),
  customer: Summary,
});

const Truncated = Type.Boolean({
  description: `true when more than ${DUPLICATES_CAP} other records qualify (a shared placeholder email or phone): \`duplicates\` holds the ${DUPLICATES_CAP} surest (ties in id order)`,
});

export const CustomerDuplicatesSchema = Type.Object({
  customerId: Type.String(),
  duplicates: Type.Array(DuplicateEntry, {
    description: `Surest first, at most ${DUPLICATES_CAP} (see truncated)`,
  }),
  truncated: Truncated,
});

export const DuplicateGroupsSchema = Type.Object({
  groups: Type.Array(
    Type.Object({
      customer: Summary,
      duplicates: Type.Array(DuplicateEntry, {
        description: `Surest first, at most ${DUPLICATES_CAP} (see truncated)`,
      }),
      truncated: Truncated,
    }),
  ),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
