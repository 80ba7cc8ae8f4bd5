import { Type } from '@sinclair/typebox';

/** Orders one request may carry (POST …/orders with an array). */
export const MAX_ORDERS_PER_REQUEST = 5000;

const S = Type.Union([Type.String(), Type.Null()]);

export const ShipStationAddressSchema = Type.Object({
  name: Type.Optional(S),
  company: Type.Optional(S),
  street1: Type.Optional(S),
  street2: Type.Optional(S),
  street3: Type.Optional(S),
  city: Type.Optional(S),
  state: Type.Optional(S),
  postalCode: Type.Optional(S),
  country: Type.Optional(S),
  phone: Type.Optional(S),
});

/**
 * ShipStation API v1 Order (POST /orders/createorder body). Only what this service reads is
 * declared; unknown fields are accepted and ignored, as integrators send the whole object.
 */
export const ShipStationOrderSchema = Type.Object(
  {
    orderNumber: Type.String({ minLength: 1, maxLength: 190 }),
    orderKey: Type.Optional(Type.Union([Type.String({ maxLength: 190 }), Type.Null()])),
    orderDate: Type.String({ minLength: 10, description: 'ISO 8601; without an offset it is read as UTC' }),
    orderStatus: Type.Optional(S),
    customerUsername: Type.Optional(Type.Union([Type.String({ maxLength: 190 }), Type.Null()])),
    customerEmail: Type.Optional(Type.Union([Type.String({ maxLength: 190 }), Type.Null()])),
    billTo: Type.Optional(Type.Union([ShipStationAddressSchema, Type.Null()])),
    shipTo: Type.Optional(Type.Union([ShipStationAddressSchema, Type.Null()])),
    items: Type.Optional(Type.Union([Type.Array(Type.Unknown()), Type.Null()])),
    orderTotal: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    amountPaid: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    customerNotes: Type.Optional(S),
    internalNotes: Type.Optional(S),
  },
  { additionalProperties: true },
);
