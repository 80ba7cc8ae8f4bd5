import type { JsonObject, NormalizedOrder } from '../order';
import { canonicalOrderStatus } from '@crp/contracts/order-status';
import { isEmailAddress } from '@crp/contracts/limits';
import { OrderFormatError } from '../shipstation-order';
import {
  address,
  emailOf,
  gmtInstant,
  idOf,
  items,
  joinName,
  money,
  obj,
  pick,
  storeTags,
  str,
} from './mapping';

/** A WooCommerce REST v3 order (`GET /wp-json/wc/v3/orders`, and `order.*` webhooks). */
export type WooOrder = JsonObject;

const STATUS: Record<string, string> = {
  pending: 'awaiting_payment',
  'on-hold': 'on_hold',
  processing: 'awaiting_shipment',
  completed: 'shipped',
  cancelled: 'cancelled',
  refunded: 'cancelled',
  failed: 'cancelled',
  'checkout-draft': 'awaiting_payment',
};

function wooAddress(a: JsonObject | null) {
  if (!a) return null;
  return address({
    name: joinName(str(a.first_name), str(a.last_name)),
    company: a.company,
    street1: a.address_1,
    street2: a.address_2,
    city: a.city,
    state: a.state,
    postalCode: a.postcode,
    country: a.country,
    phone: a.phone,
  });
}

/**
 * One WooCommerce order → the normalized order (R1.2, R1.8). Buyer key: `customer_id` for a
 * registered customer; a guest has `customer_id` 0 and is keyed by the billing email. Dates are
 * the `*_gmt` fields (WooCommerce's plain ones are the site's local time, without an offset).
 * WooCommerce sends no marketing consent.
 */
export function mapWooOrder(o: WooOrder, store: { name: string }): NormalizedOrder {
  const id = idOf(o.id);
  if (!id) throw new OrderFormatError('WooCommerce order without a numeric id');
  const billing = obj(o.billing);
  const shipping = obj(o.shipping);
  const billTo = wooAddress(billing);
  const shipTo = wooAddress(shipping);
  const email = emailOf(billing?.email);
  const customerId = idOf(o.customer_id);
  const orderNumber = str(o.number) ?? id;
  const total = money(o.total);
  if (total === null) throw new OrderFormatError(`WooCommerce order ${orderNumber} has no total`);
  if (!str(o.date_created_gmt))
    throw new OrderFormatError(`WooCommerce order ${orderNumber} has no date_created_gmt`);
  const firstName = str(billing?.first_name) ?? str(shipping?.first_name);
  const lastName = str(billing?.last_name) ?? str(shipping?.last_name);
  const status = str(o.status);
  return {
    storeOrderId: id,
    orderNumber,
    orderDate: gmtInstant(o.date_created_gmt, 'date_created_gmt'),
    // A custom (plugin) status is no order status: null (the channel's word stays in channelData).
    orderStatus: status ? (STATUS[status] ?? canonicalOrderStatus(status) ?? null) : null,
    // A guest is keyed by the billing email, only if it is an address (never by a typo, R1.4).
    username:
      customerId && customerId !== '0'
        ? customerId
        : email && isEmailAddress(email)
          ? email.toLowerCase()
          : null,
    email,
    buyerName: joinName(firstName, lastName),
    firstName,
    lastName,
    company: billTo?.company ?? shipTo?.company ?? null,
    phone: billTo?.phone ?? shipTo?.phone ?? null,
    birthDate: null,
    shipTo,
    billTo,
    total,
    currency: str(o.currency),
    notes: [str(o.customer_note)].filter((n): n is string => n !== null),
    items: items(o.line_items),
    tags: storeTags('woocommerce', store.name, []),
    marketingConsent: {},
    channelUpdatedAt: o.date_modified_gmt ? gmtInstant(o.date_modified_gmt, 'date_modified_gmt') : null,
    channelData: pick(o, ['status', 'created_via', 'payment_method', 'currency', 'total', 'customer_id']),
  };
}
