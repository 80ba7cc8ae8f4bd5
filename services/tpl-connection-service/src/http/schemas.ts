import { Type } from '@sinclair/typebox';
import { CARRIER_LIMITS, REQUEST_LIMITS, TEXT_LIMITS as L } from '@crp/contracts/limits';
import type { Principal } from '@crp/platform/auth';
import type { Caller } from '../app/ports';
import { CONNECTION_STATUSES } from '../domain/connection';

// Request and response shapes of the routes, with the limits the columns can hold (packages/contracts
// limits).

export const Status = Type.Union(CONNECTION_STATUSES.map((s) => Type.Literal(s)));
const Name = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: '\\S' });
const Iso = Type.String({ format: 'date-time' });
const NullableIso = Type.Union([Iso, Type.Null()]);

export const InviteBody = Type.Object(
  {
    email: Type.String({
      format: 'email',
      maxLength: L.email,
      description: "An admin email of the client's account (R5.1)",
    }),
    clientName: Type.String({
      ...Name(L.clientName),
      description: 'Your internal nickname for the client; the client never sees it',
    }),
    companyName: Type.String({
      ...Name(L.company),
      description: 'The company name the client will see for you',
    }),
  },
  { additionalProperties: false },
);

export const ConfirmBody = Type.Object(
  {
    confirm: Type.Optional(
      Type.Boolean({ description: 'Must be true: "I understand the connection" (R5.3)' }),
    ),
  },
  { additionalProperties: false },
);

export const TokenBody = Type.Object(
  {
    token: Type.String({
      minLength: 1,
      maxLength: REQUEST_LIMITS.invitationToken,
      description: "The `token` of the e-mail's link",
    }),
  },
  { additionalProperties: false },
);

export const TokenAnswerBody = Type.Object(
  { token: TokenBody.properties.token, confirm: ConfirmBody.properties.confirm },
  { additionalProperties: false },
);

export const ConnectionIdParams = Type.Object({
  connectionId: Type.String({ minLength: 1, maxLength: L.id }),
});

export const History = Type.Array(
  Type.Object({
    action: Type.String(),
    from: Type.Union([Status, Type.Null()]),
    to: Status,
    side: Type.Union([Type.Literal('tpl'), Type.Literal('client')]),
    actorAccountId: Type.String(),
    actorUserId: Type.String(),
    via: Type.String(),
    at: Iso,
  }),
);

export const Client = Type.Object({
  kind: Type.Union([Type.Literal('client'), Type.Literal('self')], {
    description: '"self": the 3PL itself, always listed (R5.6)',
  }),
  connectionId: Type.Union([Type.String(), Type.Null()]),
  clientAccountId: Type.Union([Type.String(), Type.Null()], { description: 'null until the client accepts' }),
  clientEmail: Type.Union([Type.String(), Type.Null()]),
  clientName: Type.String({ description: "The 3PL's nickname for the client" }),
  companyName: Type.Union([Type.String(), Type.Null()], { description: 'The name the client sees' }),
  status: Status,
  invitationExpiresAt: NullableIso,
  createdAt: NullableIso,
  updatedAt: NullableIso,
});

export const ClientConnection = Type.Object({
  connectionId: Type.String(),
  tplAccountId: Type.String(),
  companyName: Type.String(),
  invitedEmail: Type.String(),
  clientAccountId: Type.Union([Type.String(), Type.Null()]),
  status: Status,
  createdAt: Iso,
  updatedAt: Iso,
});

// Any case at the door; stored and published lower-cased (CARRIER_LIMITS.codePattern).
const Code = Type.String({ pattern: CARRIER_LIMITS.codeInputPattern });
export const CarrierAccountBody = Type.Object(
  {
    carrierCode: Type.String({ ...Code, description: 'e.g. ups, fedex, usps, dhl_express' }),
    services: Type.Array(Code, {
      minItems: 1,
      maxItems: CARRIER_LIMITS.maxServices,
      description: 'Service codes, e.g. ups_ground',
    }),
    sharedWithProviders: Type.Optional(
      Type.Boolean({ description: 'Connected 3PLs may ship your orders with it (R5.5); default true' }),
    ),
  },
  { additionalProperties: false },
);
export const CarrierAccountPatch = Type.Object(
  {
    services: Type.Optional(CarrierAccountBody.properties.services),
    sharedWithProviders: CarrierAccountBody.properties.sharedWithProviders,
  },
  { additionalProperties: false, minProperties: 1 },
);
export const CarrierAccount = Type.Object({
  carrierAccountId: Type.String(),
  carrierCode: Type.String(),
  services: Type.Array(Type.String()),
  sharedWithProviders: Type.Boolean(),
  version: Type.Integer(),
  createdAt: Iso,
  updatedAt: Iso,
});

export const DEFAULT_LIMIT = 50;
export const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: DEFAULT_LIMIT }));
/** A list's keyset cursor, as the previous page's nextCursor gave it. */
export const Cursor = Type.String({
  minLength: 1,
  maxLength: REQUEST_LIMITS.cursor,
  description: 'nextCursor of the previous page (keyset pagination); 400 if altered',
});
export const NextCursor = Type.Union([Type.String(), Type.Null()], {
  description: 'Pass as `cursor` for the next page; null on the last page',
});

export function callerOf(principal: Principal, correlationId: string): Caller {
  return { ...principal, correlationId };
}
