import type { MarketingConsent } from '@crp/contracts/common';
import type { JsonObject, NormalizedOrder } from '../order';
import { OrderFormatError } from '../shipstation-order';
import {
  address,
  consentState,
  emailOf,
  idOf,
  instant,
  items,
  joinName,
  money,
  obj,
  pick,
  splitTags,
  storeTags,
  str,
} from './mapping';

/**
 * A Shopify order as its REST Admin API (2025-07) returns it and as `orders/create` /
 * `orders/updated` webhooks deliver it — and the legacy shape older shops and API versions still
 * send (`buyer_accepts_marketing`, `customer.accepts_marketing`, no `phone`). Parsed with
 * parseChannelJson, so 64-bit ids arrive as strings.
 */
export type ShopifyOrder = JsonObject;

function shopifyAddress(a: JsonObject | null) {
  if (!a) return null;
  const name = str(a.name) ?? joinName(str(a.first_name), str(a.last_name));
  return address({
    name,
    company: a.company,
    street1: a.address1,
    street2: a.address2,
    city: a.city,
    state: str(a.province_code) ?? a.province,
    postalCode: a.zip,
    country: str(a.country_code) ?? a.country,
    phone: a.phone,
  });
}

/**
 * R2.9 consent from what the order carries: the 2025-07 consent objects on the customer; else the
 * legacy `customer.accepts_marketing` (+ its timestamp); else the order's `buyer_accepts_marketing`
 * when it is true (false only means the box was not ticked at this checkout: it is not an
 * unsubscribe, and must not downgrade a subscription given elsewhere).
 */
function consentOf(o: JsonObject, customer: JsonObject | null): MarketingConsent {
  const out: MarketingConsent = {};
  const emailConsent = obj(customer?.email_marketing_consent);
  const smsConsent = obj(customer?.sms_marketing_consent);
  const changedAt = (v: unknown) => {
    const s = str(v);
    const d = s ? new Date(s) : null;
    return d && !Number.isNaN(d.getTime()) ? d.toISOString() : null;
  };
  if (emailConsent) {
    const state = consentState(emailConsent.state);
    if (state) out.email = { state, changedAt: changedAt(emailConsent.consent_updated_at) };
  } else if (typeof customer?.accepts_marketing === 'boolean') {
    out.email = {
      state: customer.accepts_marketing ? 'subscribed' : 'not_subscribed',
      changedAt: changedAt(customer.accepts_marketing_updated_at),
    };
  } else if (o.buyer_accepts_marketing === true) {
    out.email = { state: 'subscribed', changedAt: null };
  }
  if (smsConsent) {
    const state = consentState(smsConsent.state);
    if (state) out.sms = { state, changedAt: changedAt(smsConsent.consent_updated_at) };
  }
  return out;
}

/** Shopify's financial/fulfillment statuses as the ShipStation order statuses the rest speaks. */
export function shopifyOrderStatus(o: JsonObject): string {
  if (str(o.cancelled_at)) return 'cancelled';
  const fulfillment = str(o.fulfillment_status);
  if (fulfillment === 'fulfilled') return 'shipped';
  const financial = str(o.financial_status);
  if (financial === 'pending' || financial === 'authorized') return 'awaiting_payment';
  if (financial === 'voided' || financial === 'refunded') return 'cancelled';
  return 'awaiting_shipment';
}

/**
 * One Shopify order → the normalized order (R1.2, R1.8). The buyer key is Shopify's customer id;
 * an order without a customer (POS, some guest and draft orders: `customer: null`) falls back to
 * the email (lower-cased), and without an email it carries no buyer key (R1.1).
 *
 * Email: the customer's own (`customer.email`) when there is a customer — the record describes
 * that Shopify customer — else the order's `email` / `contact_email`. Names: the customer's,
 * else the billing address's (the ship-to may be a gift recipient).
 */
export function mapShopifyOrder(o: ShopifyOrder, store: { name: string }): NormalizedOrder {
  const id = idOf(o.id);
  if (!id) throw new OrderFormatError('Shopify order without a numeric id');
  const customer = obj(o.customer);
  const billing = obj(o.billing_address);
  const shipping = obj(o.shipping_address);
  const billTo = shopifyAddress(billing);
  const shipTo = shopifyAddress(shipping);
  const email = emailOf(customer?.email) ?? emailOf(o.email) ?? emailOf(o.contact_email);
  const firstName = str(customer?.first_name) ?? str(billing?.first_name);
  const lastName = str(customer?.last_name) ?? str(billing?.last_name);
  const customerId = customer ? idOf(customer.id) : null;
  const orderNumber = str(o.name) ?? str(o.order_number) ?? id;
  const total = money(o.current_total_price) ?? money(o.total_price);
  if (total === null) throw new OrderFormatError(`Shopify order ${orderNumber} has no total_price`);
  const notes = [str(o.note)].filter((n): n is string => n !== null);
  return {
    storeOrderId: id,
    orderNumber,
    orderDate: instant(o.processed_at ?? o.created_at, 'processed_at/created_at'),
    orderStatus: shopifyOrderStatus(o),
    username: customerId ?? email?.toLowerCase() ?? null,
    email,
    buyerName: joinName(firstName, lastName) ?? billTo?.name ?? shipTo?.name ?? null,
    firstName,
    lastName,
    company: billTo?.company ?? shipTo?.company ?? null,
    phone: str(customer?.phone) ?? str(o.phone) ?? billTo?.phone ?? shipTo?.phone ?? null,
    birthDate: null,
    shipTo,
    billTo,
    total,
    currency: str(o.currency),
    notes,
    items: items(o.line_items),
    tags: storeTags('shopify', store.name, splitTags(o.tags)),
    marketingConsent: consentOf(o, customer),
    channelUpdatedAt: o.updated_at ? instant(o.updated_at, 'updated_at') : null,
    channelData: {
      ...pick(o, [
        'financial_status',
        'fulfillment_status',
        'cancelled_at',
        'source_name',
        'test',
        'order_number',
        'currency',
        'total_price',
      ]),
      ...(str(o.admin_graphql_api_id) ? { admin_graphql_api_id: str(o.admin_graphql_api_id) } : {}),
      customer_id: customerId,
    },
  };
}
