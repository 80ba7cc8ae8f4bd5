import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ConsentState } from './common';

/**
 * The fields a customer CSV row can carry (SPEC §4), defined once: csv-import-service maps CSV
 * columns onto them and checks the limits at the door (a value over a limit is a row error, never a
 * message the schema refuses); customer-service applies them. Address parts are separate fields
 * (`shippingAddress.city`), so a file that maps only some parts of an address replaces only those.
 */
export const ADDRESS_PARTS = [
  'name',
  'company',
  'street1',
  'street2',
  'street3',
  'city',
  'state',
  'postalCode',
  'country',
  'phone',
] as const;
export type AddressPart = (typeof ADDRESS_PARTS)[number];

export const ADDRESS_TYPES = ['shippingAddress', 'billingAddress', 'postalAddress'] as const;
export type AddressType = (typeof ADDRESS_TYPES)[number];

/** Longest value per address part (characters). */
export const ADDRESS_PART_LIMITS: Record<AddressPart, number> = {
  name: 190,
  company: 190,
  street1: 190,
  street2: 190,
  street3: 190,
  city: 100,
  state: 100,
  postalCode: 32,
  country: 64,
  phone: 64,
};

export type CustomerImportFieldKind = 'text' | 'email' | 'phone' | 'date' | 'country' | 'tags' | 'consent';

export interface CustomerImportFieldSpec {
  kind: CustomerImportFieldKind;
  /** Longest value in characters (for tags: of one tag). */
  maxLength: number;
}

const text = (maxLength: number): CustomerImportFieldSpec => ({ kind: 'text', maxLength });

const addressFields = Object.fromEntries(
  ADDRESS_TYPES.flatMap((type) =>
    ADDRESS_PARTS.map((part) => [
      `${type}.${part}`,
      {
        kind: part === 'phone' ? 'phone' : part === 'country' ? 'country' : 'text',
        maxLength: ADDRESS_PART_LIMITS[part],
      } satisfies CustomerImportFieldSpec,
    ]),
  ),
) as Record<`${AddressType}.${AddressPart}`, CustomerImportFieldSpec>;

/** Every importable customer field, with its kind and limit (the same limits customer-service stores). */
export const CUSTOMER_IMPORT_FIELD_SPECS = {
  name: text(190),
  firstName: text(190),
  lastName: text(190),
  company: text(190),
  email: { kind: 'email', maxLength: 190 },
  phone: { kind: 'phone', maxLength: 64 },
  birthDate: { kind: 'date', maxLength: 10 },
  ...addressFields,
  tags: { kind: 'tags', maxLength: 100 },
  notes: text(5000),
  emailConsent: { kind: 'consent', maxLength: 16 },
  smsConsent: { kind: 'consent', maxLength: 16 },
} as const satisfies Record<string, CustomerImportFieldSpec>;

export type CustomerImportField = keyof typeof CUSTOMER_IMPORT_FIELD_SPECS;
export const CUSTOMER_IMPORT_FIELDS = Object.keys(CUSTOMER_IMPORT_FIELD_SPECS) as CustomerImportField[];

/** At most this many tags per row. */
export const MAX_TAGS = 50;
/** Longest `customerId` / `username` a row may target. */
export const TARGET_LIMITS = { customerId: 40, username: 190 } as const;

function valueSchema(spec: CustomerImportFieldSpec): TSchema {
  switch (spec.kind) {
    case 'tags':
      return Type.Array(Type.String({ minLength: 1, maxLength: spec.maxLength }), { maxItems: MAX_TAGS });
    case 'consent':
      return Type.Union([ConsentState, Type.Null()]);
    case 'date':
      return Type.Union([Type.String({ format: 'date' }), Type.Null()]);
    default:
      return Type.Union([Type.String({ minLength: 1, maxLength: spec.maxLength }), Type.Null()]);
  }
}

/** What `values` holds, field by field. */
export type CustomerImportValues = {
  [F in CustomerImportField]?: (typeof CUSTOMER_IMPORT_FIELD_SPECS)[F]['kind'] extends 'tags'
    ? string[]
    : (typeof CUSTOMER_IMPORT_FIELD_SPECS)[F]['kind'] extends 'consent'
      ? Static<typeof ConsentState> | null
      : string | null;
};

/**
 * One row's values: a property for each field the file maps (the chunk's `fields`), none for the
 * others. `null` is a blank cell: under replace semantics (R4.3) it clears the field. Tags are a
 * list (a blank cell is `[]`), consents a state or `null`. (Built from the field table, typed by
 * the mapped type above.)
 */
export const CustomerImportValues = Type.Unsafe<CustomerImportValues>(
  Type.Object(
    Object.fromEntries(
      Object.entries(CUSTOMER_IMPORT_FIELD_SPECS).map(([field, spec]) => [
        field,
        Type.Optional(valueSchema(spec)),
      ]),
    ),
  ),
);

/** A field's value before or after, in a dry run's changes: text, a tag list, or nothing. */
export const FieldValue = Type.Union([Type.String(), Type.Array(Type.String()), Type.Null()]);
export type FieldValue = Static<typeof FieldValue>;

export const FieldChange = Type.Object({
  field: Type.String({
    minLength: 1,
    description: 'A CustomerImportField name (`email`, `shippingAddress.city`, …).',
  }),
  before: FieldValue,
  after: FieldValue,
  clearedByBlank: Type.Boolean({
    description: 'R4.3: the cell was blank and the stored value was not empty: the import clears it.',
  }),
});
export type FieldChange = Static<typeof FieldChange>;

export const RowOutcome = Type.Union([
  Type.Literal('created'),
  Type.Literal('updated'),
  Type.Literal('unchanged'),
  Type.Literal('rejected'),
]);
export type RowOutcome = Static<typeof RowOutcome>;
