import { Type } from '@sinclair/typebox';
import {
  ADDRESS_PART_LIMITS as A,
  TEXT_LIMITS as L,
  MONEY_LIMITS,
  REQUEST_LIMITS,
} from '@crp/contracts/limits';
import { TOTAL_CAP } from '../app/queries';
import { ORDER_STATUSES, ORDER_STATUS_LIST } from '@crp/contracts/order-status';
import { OrderSchema } from './order-schemas';

/** Orders one request may carry (POST …/orders with an array). */
export const MAX_ORDERS_PER_REQUEST = 5000;

const S = (maxLength: number) => Type.Union([Type.String({ maxLength }), Type.Null()]);

const Money = Type.Number({ minimum: MONEY_LIMITS.orderTotalMin, maximum: MONEY_LIMITS.orderTotalMax });

export const ShipStationAddressSchema = Type.Object({
  name: Type.Optional(S(A.name)),
  company: Type.Optional(S(A.company)),
  street1: Type.Optional(S(A.street1)),
  street2: Type.Optional(S(A.street2)),
  street3: Type.Optional(S(A.street3)),
  city: Type.Optional(S(A.city)),
  state: Type.Optional(S(A.state)),
  postalCode: Type.Optional(S(A.postalCode)),
  country: Type.Optional(S(A.country)),
  phone: Type.Optional(S(A.phone)),
});

/**
 * ShipStation API v1 Order (POST /orders/createorder body). Only what this service reads is
 * declared; unknown fields are accepted and ignored, as integrators send the whole object.
 */
export const ShipStationOrderSchema = Type.Object(
  {
    orderNumber: Type.String({ minLength: 1, maxLength: L.orderNumber }),
    orderKey: Type.Optional(S(L.storeOrderId)),
    orderDate: Type.String({
      minLength: 10,
      description:
        'ISO 8601; without an offset it is US Pacific wall-clock time (America/Los_Angeles), as ShipStation means it; write Z or an offset for UTC',
    }),
    orderStatus: Type.Optional(
      Type.Union([Type.String({ maxLength: L.orderStatus }), Type.Null()], {
        description: `One of ${ORDER_STATUS_LIST}, in any case and with spaces or hyphens ("Awaiting Shipment", "on-hold", "canceled" too): stored as the canonical value, so GET /v1/orders?status= finds it. Anything else is refused (a 400; in an array, that order's reason).`,
      }),
    ),
    customerUsername: Type.Optional(S(L.username)),
    customerEmail: Type.Optional(S(L.email)),
    billTo: Type.Optional(Type.Union([ShipStationAddressSchema, Type.Null()])),
    shipTo: Type.Optional(Type.Union([ShipStationAddressSchema, Type.Null()])),
    items: Type.Optional(Type.Union([Type.Array(Type.Unknown()), Type.Null()])),
    orderTotal: Type.Optional(Type.Union([Money, Type.Null()])),
    amountPaid: Type.Optional(Type.Union([Money, Type.Null()])),
    customerNotes: Type.Optional(S(L.note)),
    internalNotes: Type.Optional(S(L.note)),
  },
  { additionalProperties: true },
);

const CAP = TOTAL_CAP.toLocaleString('en-US');

/**
 * `GET /v1/orders`'s query. A value no order can have is a 400 naming the parameter (and the
 * statuses allowed), not an empty page that reads as "no such orders"; a parameter not listed here
 * is a 400 too (the route table refuses unknown ones). `storeId` has two forms of two lengths, so
 * its form and length are checked by the handler (app/queries.ts, ID_FORMS), before any query.
 */
export const OrderListQuery = Type.Object({
  storeId: Type.Optional(
    Type.String({
      description: `A store id (\`st_…\`, at most ${L.storeId} characters); a 3PL's orders delegated by a client: \`client:<clientAccountId>\` (an account id of at most ${L.accountId})`,
    }),
  ),
  customerId: Type.Optional(
    Type.String({
      maxLength: L.id,
      description: 'A customer-service record id (`cus_…`): the orders linked to that customer',
    }),
  ),
  status: Type.Optional(
    Type.Union(
      ORDER_STATUSES.map((s) => Type.Literal(s)),
      { description: 'One order status (ShipStation’s)' },
    ),
  ),
  updatedSince: Type.Optional(
    Type.String({
      format: 'date-time',
      description:
        'ISO 8601 date-time with its offset (`2026-11-20T10:00:00Z`): orders changed at or after it, by (modifyDate, id)',
    }),
  ),
  cursor: Type.Optional(
    Type.String({ maxLength: REQUEST_LIMITS.cursor, description: 'nextCursor of the previous page' }),
  ),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
});

/** `GET /v1/orders`: one page, how many orders match in all, and where the next page starts. */
export const OrderListSchema = Type.Object({
  orders: Type.Array(OrderSchema, {
    description: 'The page: by id, or with updatedSince by (modifyDate, id)',
  }),
  total: Type.Integer({
    description: `How many orders match the filters in all: exact up to ${CAP} (see totalRelation)`,
  }),
  totalRelation: Type.Union([Type.Literal('eq'), Type.Literal('gte')], {
    description: `\`eq\`: total is exact; \`gte\`: more than ${CAP} match and total says ${CAP}`,
  }),
  nextCursor: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as `cursor` for the next page; null on the last page',
  }),
});
