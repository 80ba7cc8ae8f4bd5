import type { JsonObject, NormalizedOrder } from '../order';
import { canonicalOrderStatus } from '@crp/contracts/order-status';
import { OrderFormatError } from '../shipstation-order';
import {
  address,
  emailOf,
  idOf,
  isObject,
  joinName,
  money,
  obj,
  pick,
  rfc2822Instant,
  storeTags,
  str,
} from './mapping';

/**
 * A BigCommerce order as its v2 API returns it (`GET /stores/{hash}/v2/orders`): snake_case,
 * RFC 2822 dates, money as 4-decimal strings, `zip` and `phone` sometimes JSON numbers, and the
 * shipping addresses only as a resource link — the connector puts the sub-resource's list in
 * `shipping_addresses` before mapping.
 */
export type BigCommerceOrder = JsonObject;

/** BigCommerce's order status ids as the ShipStation order statuses the rest speaks. */
const STATUS: Record<string, string> = {
  '0': 'awaiting_payment', // Incomplete
  '1': 'awaiting_payment', // Pending
  '2': 'shipped',
  '3': 'awaiting_shipment', // Partially Shipped
  '4': 'cancelled', // Refunded
  '5': 'cancelled',
  '6': 'cancelled', // Declined
  '7': 'awaiting_payment',
  '8': 'awaiting_shipment', // Awaiting Pickup
  '9': 'awaiting_shipment',
  '10': 'shipped', // Completed
  '11': 'awaiting_shipment', // Awaiting Fulfillment
  '12': 'on_hold', // Manual Verification Required
  '13': 'on_hold', // Disputed
  '14': 'awaiting_shipment', // Partially Refunded
};

function bcAddress(a: JsonObject | null) {
  if (!a) return null;
  return address({
    name: joinName(str(a.first_name), str(a.last_name)),
    company: a.company,
    street1: a.street_1,
    street2: a.street_2,
    city: a.city,
    state: a.state,
    postalCode: a.zip,
    country: str(a.country_iso2) ?? a.country,
    phone: a.phone,
  });
}

/**
 * One BigCommerce order → the normalized order (R1.2, R1.8). Buyer key: `customer_id` of a
 * registered customer; a guest has `customer_id` 0 and is keyed by the billing email, lower-cased
 * (customer-service then matches that email to a registered customer, R1.4). Dates are RFC 2822
 * with a zone, read as UTC. The ship-to is the first of the order's shipping addresses.
 */
export function mapBigCommerceOrder(o: BigCommerceOrder, store: { name: string }): NormalizedOrder {
  const id = idOf(o.id);
  if (!id) throw new OrderFormatError('BigCommerce order without a numeric id');
  const billing = obj(o.billing_address);
  const shipping = Array.isArray(o.shipping_addresses) ? o.shipping_addresses.filter(isObject) : [];
  const billTo = bcAddress(billing);
  const shipTo = bcAddress(shipping[0] ?? null);
  const email = emailOf(billing?.email) ?? emailOf(shipping[0]?.email);
  const customerId = idOf(o.customer_id);
  const total = money(o.total_inc_tax);
  if (total === null) throw new OrderFormatError(`BigCommerce order ${id} has no total_inc_tax`);
  const statusId = str(o.status_id);
  return {
    storeOrderId: id,
    orderNumber: id,
    orderDate: rfc2822Instant(o.date_created, 'date_created'),
    // An unknown status id is no order status unless its label is one: else null (kept in channelData).
    orderStatus: statusId !== null ? (STATUS[statusId] ?? canonicalOrderStatus(str(o.status)) ?? null) : null,
    username: customerId && customerId !== '0' ? customerId : (email?.toLowerCase() ?? null),
    email,
    buyerName: billTo?.name ?? shipTo?.name ?? null,
    firstName: str(billing?.first_name),
    lastName: str(billing?.last_name),
    company: billTo?.company ?? null,
    phone: billTo?.phone ?? shipTo?.phone ?? null,
    birthDate: null,
    shipTo,
    billTo,
    total,
    currency: str(o.currency_code),
    notes: [str(o.customer_message)].filter((n): n is string => n !== null),
    items: Array.isArray(o.products) ? o.products.filter(isObject) : [],
    tags: storeTags('bigcommerce', store.name, []),
    marketingConsent: o.is_email_opt_in === true ? { email: { state: 'subscribed', changedAt: null } } : {},
    channelUpdatedAt: o.date_modified ? rfc2822Instant(o.date_modified, 'date_modified') : null,
    channelData: pick(o, [
      'status_id',
      'status',
      'payment_status',
      'order_source',
      'channel_id',
      'customer_id',
      'currency_code',
      'total_inc_tax',
      'is_deleted',
    ]),
  };
}
