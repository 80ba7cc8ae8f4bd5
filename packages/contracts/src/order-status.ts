import { Type } from '@sinclair/typebox';

/**
 * The order statuses, defined once (issue #20, "what is accepted is stored"): ShipStation API v1's
 * `orderStatus` values. Every channel mapping produces one of them, `GET /v1/orders?status=`
 * filters by them, and every edge that accepts an order's status (POST /v1/orders, POST
 * /v1/stores/:storeId/orders, order CSV rows) stores only them — a status no filter can find is
 * refused at the door (a 400, a per-order reason, a row-level reason), never stored.
 */
export const ORDER_STATUSES = [
  'awaiting_payment',
  'awaiting_shipment',
  'pending_fulfillment',
  'shipped',
  'on_hold',
  'cancelled',
  'rejected_fulfillment',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Letters only, lower-cased: "Awaiting Shipment", "awaiting-shipment", "AWAITING_SHIPMENT" alike. */
const key = (s: string) => s.toLowerCase().replace(/[^a-z]/g, '');

/**
 * The spellings people and exports use, by their key: each status's own words in any case and with
 * any separators (ShipStation's UI labels and CSV exports write "Awaiting Shipment", "On Hold"…),
 * and US "canceled".
 */
const SPELLINGS = new Map<string, OrderStatus>([
  ...ORDER_STATUSES.map((s) => [key(s), s] as const),
  ['canceled', 'cancelled'],
]);

/** The statuses as a sentence, for the reasons that refuse a status. */
export const ORDER_STATUS_LIST = ORDER_STATUSES.join(', ');

/**
 * A sent status → the canonical one: blank/null → null; a known spelling → its status; anything
 * else → undefined (the caller refuses it, with orderStatusProblem's words).
 */
export function canonicalOrderStatus(raw: string | null | undefined): OrderStatus | null | undefined {
  if (raw === null || raw === undefined || raw.trim() === '') return null;
  return SPELLINGS.get(key(raw));
}

export function isOrderStatus(s: string): s is OrderStatus {
  return (ORDER_STATUSES as readonly string[]).includes(s);
}

/** Why `label`'s value is not an order status, or null (null and canonical values pass). */
export function orderStatusProblem(label: string, value: string | null): string | null {
  return value === null || isOrderStatus(value)
    ? null
    : `${label} "${value}" is not an order status (one of: ${ORDER_STATUS_LIST}; any case, spaces or hyphens)`;
}

/**
 * The JSON Schema of a status field of an event a producer publishes now: one of the statuses, or
 * null (`description` says what null means there).
 */
export const OrderStatusOrNull = (description: string) =>
  Type.Union([...ORDER_STATUSES.map((s) => Type.Literal(s)), Type.Null()], { description });
