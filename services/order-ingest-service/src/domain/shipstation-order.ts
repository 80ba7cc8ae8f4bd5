import type { Address } from '@crp/contracts/common';
import type { JsonObject, NormalizedOrder } from './order';

/**
 * The generic order format of POST /v1/orders and POST /v1/stores/:storeId/orders: ShipStation's
 * public API v1 Order JSON (the body of POST /orders/createorder). Only the fields this service
 * uses are typed; anything else is accepted and ignored.
 */

export interface ShipStationAddress {
  name?: string | null;
  company?: string | null;
  street1?: string | null;
  street2?: string | null;
  street3?: string | null;
  city?: string | null;
  state?: string | null;
  postalCode?: string | null;
  country?: string | null;
  phone?: string | null;
}

export interface ShipStationOrder {
  orderNumber: string;
  orderKey?: string | null;
  orderDate: string;
  orderStatus?: string | null;
  customerUsername?: string | null;
  customerEmail?: string | null;
  billTo?: ShipStationAddress | null;
  shipTo?: ShipStationAddress | null;
  items?: unknown[] | null;
  orderTotal?: number | null;
  amountPaid?: number | null;
  customerNotes?: string | null;
  internalNotes?: string | null;
}

export class OrderFormatError extends Error {}

const text = (v: string | null | undefined): string | null => {
  const t = typeof v === 'string' ? v.trim() : '';
  return t ? t : null;
};

/**
 * ShipStation writes dates like "2015-06-28T17:46:27.0000000": no offset, 7 fraction digits.
 * A date without an offset is read as UTC; one with an offset keeps it.
 */
export function parseOrderDate(raw: string): Date {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(
    raw.trim(),
  );
  if (!m) throw new OrderFormatError(`orderDate "${raw}" is not an ISO 8601 date`);
  const [, day, time = '00:00:00', frac = '', zone = 'Z'] = m;
  const ms = frac ? `.${frac.slice(1, 4).padEnd(3, '0')}` : '';
  const d = new Date(`${day}T${time.length === 5 ? `${time}:00` : time}${ms}${zone}`);
  if (Number.isNaN(d.getTime())) throw new OrderFormatError(`orderDate "${raw}" is not a valid date`);
  return d;
}

export function toAddress(a: ShipStationAddress | null | undefined): Address | null {
  if (!a) return null;
  const addr: Address = {
    name: text(a.name),
    company: text(a.company),
    street1: text(a.street1),
    street2: text(a.street2),
    street3: text(a.street3),
    city: text(a.city),
    state: text(a.state),
    postalCode: text(a.postalCode),
    country: text(a.country)?.toUpperCase() ?? null,
    phone: text(a.phone),
  };
  return Object.values(addr).every((v) => v === null) ? null : addr;
}

/**
 * R1.2: the buyer key depends on the channel. Amazon buyers are known by email; eBay by username;
 * Shopify by its customer id (sent as customerUsername); others by their customer id if the
 * channel sends one, else the email. The manual store keys by email (R3.1).
 */
export function buyerKey(storeType: string, username: string | null, email: string | null): string | null {
  if (storeType === 'amazon' || storeType === 'manual') return email?.toLowerCase() ?? null;
  return username ?? email?.toLowerCase() ?? null;
}

export function normalizeShipStationOrder(o: ShipStationOrder, storeType: string): NormalizedOrder {
  const shipTo = toAddress(o.shipTo);
  const billTo = toAddress(o.billTo);
  const email = text(o.customerEmail);
  return {
    storeOrderId: text(o.orderKey) ?? o.orderNumber.trim(),
    orderNumber: o.orderNumber.trim(),
    orderDate: parseOrderDate(o.orderDate),
    orderStatus: text(o.orderStatus),
    username: buyerKey(storeType, text(o.customerUsername), email),
    email,
    // The bill-to person is the buyer; ship-to may be a gift recipient.
    buyerName: billTo?.name ?? shipTo?.name ?? null,
    firstName: null,
    lastName: null,
    company: billTo?.company ?? shipTo?.company ?? null,
    phone: billTo?.phone ?? shipTo?.phone ?? null,
    birthDate: null,
    shipTo,
    billTo,
    total: Math.round(Number(o.orderTotal ?? o.amountPaid ?? 0) * 100) / 100,
    currency: null,
    notes: [text(o.customerNotes), text(o.internalNotes)].filter((n): n is string => n !== null),
    items: Array.isArray(o.items)
      ? o.items.filter((i): i is JsonObject => typeof i === 'object' && i !== null && !Array.isArray(i))
      : [],
    tags: [],
    marketingConsent: {},
  };
}
