import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ConsentState } from './common';
import { ADDRESS_PARTS, ADDRESS_PART_LIMITS, COUNT_LIMITS, TEXT_LIMITS, type AddressPart } from './limits';

/**
 * The fields a customer CSV row can carry (SPEC §4), defined once: csv-import-service maps CSV
 * columns onto them and checks the limits at the door (a value over a limit is a row error, never a
 * message the schema refuses); customer-service applies them. Address parts are separate fields
 * (`shippingAddress.city`), so a file that maps only some parts of an address replaces only those.
 */
export { ADDRESS_PARTS, ADDRESS_PART_LIMITS, type AddressPart } from './limits';

export const ADDRESS_TYPES = ['shippingAddress', 'billingAddress', 'postalAddress'] as const;
export type AddressType = (typeof ADDRESS_TYPES)[number];

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
  name: text(TEXT_LIMITS.name),
  firstName: text(TEXT_LIMITS.name),
  lastName: text(TEXT_LIMITS.name),
  company: text(TEXT_LIMITS.company),
  email: { kind: 'email', maxLength: TEXT_LIMITS.email },
  phone: { kind: 'phone', maxLength: TEXT_LIMITS.phone },
  birthDate: { kind: 'date', maxLength: 10 },
  ...addressFields,
  tags: { kind: 'tags', maxLength: TEXT_LIMITS.tag },
  notes: text(TEXT_LIMITS.note),
  emailConsent: { kind: 'consent', maxLength: 16 },
  smsConsent: { kind: 'consent', maxLength: 16 },
} as const satisfies Record<string, CustomerImportFieldSpec>;

export type CustomerImportField = keyof typeof CUSTOMER_IMPORT_FIELD_SPECS;
export const CUSTOMER_IMPORT_FIELDS = Object.keys(CUSTOMER_IMPORT_FIELD_SPECS) as CustomerImportField[];

/** At most this many tags per row. */
export const MAX_TAGS = COUNT_LIMITS.tags;
/** Longest `customerId` / `username` a row may target. */
export const TARGET_LIMITS = { customerId: TEXT_LIMITS.id, username: TEXT_LIMITS.username } as const;

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
