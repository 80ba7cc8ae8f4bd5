import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ADDRESS_PART_LIMITS } from './limits';

// Building blocks shared by several event payloads. Nullable rather than optional where a channel
// may explicitly send nothing, so consumers can tell "cleared" from "not sent".
export const NullableString = Type.Union([Type.String(), Type.Null()]);

/** `t`, or null. */
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** A text of at most `maxLength` characters (limits.ts), or null. */
export const LimitedString = (maxLength: number) => Type.Union([Type.String({ maxLength }), Type.Null()]);

export const Channel = Type.Union(
  ['shopify', 'ebay', 'amazon', 'woocommerce', 'bigcommerce', 'etsy', 'api', 'manual', 'csv'].map((c) =>
    Type.Literal(c),
  ),
  { description: 'The kind of store a record came from (SPEC §0).' },
);
export type Channel = Static<typeof Channel>;

export const Address = Type.Object(
  {
    name: LimitedString(ADDRESS_PART_LIMITS.name),
    company: LimitedString(ADDRESS_PART_LIMITS.company),
    street1: LimitedString(ADDRESS_PART_LIMITS.street1),
    street2: LimitedString(ADDRESS_PART_LIMITS.street2),
    street3: LimitedString(ADDRESS_PART_LIMITS.street3),
    city: LimitedString(ADDRESS_PART_LIMITS.city),
    state: LimitedString(ADDRESS_PART_LIMITS.state),
    postalCode: LimitedString(ADDRESS_PART_LIMITS.postalCode),
    country: LimitedString(ADDRESS_PART_LIMITS.country),
    phone: LimitedString(ADDRESS_PART_LIMITS.phone),
  },
  { description: 'A postal address in ShipStation field names; country is ISO 3166-1 alpha-2 when known.' },
);
export type Address = Static<typeof Address>;

export const ConsentState = Type.Union([
  Type.Literal('subscribed'),
  Type.Literal('unsubscribed'),
  Type.Literal('not_subscribed'),
]);
export type ConsentState = Static<typeof ConsentState>;

export const ConsentChange = Type.Object({
  state: ConsentState,
  changedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const MarketingConsent = Type.Object({
  email: Type.Optional(ConsentChange),
  sms: Type.Optional(ConsentChange),
});
export type MarketingConsent = Static<typeof MarketingConsent>;

export const StoreIdentity = Type.Object({
  storeId: Type.String({ minLength: 1 }),
  username: Type.String({ minLength: 1, description: 'The store-side buyer key (R1.2).' }),
});
