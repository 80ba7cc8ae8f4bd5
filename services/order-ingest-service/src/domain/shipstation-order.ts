import type { Address } from '@crp/contracts/common';
import { isEmailAddress } from '@crp/contracts/limits';
import { canonicalOrderStatus } from '@crp/contracts/order-status';
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
 * A sent status → the canonical one ("Awaiting Shipment", "SHIPPED", "on-hold" → awaiting_shipment,
 * shipped, on_hold); one that is no status stays as sent, and orderLimitProblem refuses it.
 */
export function orderStatusOf(v: string | null | undefined): string | null {
  const t = text(v);
  return t === null ? null : (canonicalOrderStatus(t) ?? t);
}

/**
 * ShipStation's API writes dates like "2015-06-28T17:46:27.0000000": no offset, 7 fraction digits,
 * and documents them as US Pacific time. This format is ShipStation's, so a date without an offset
 * is read the way ShipStation means it: wall-clock time in America/Los_Angeles (PST or PDT as that
 * day had it). A date with an offset (or `Z`) keeps it; integrators who mean UTC write `Z`.
 */
export const SHIPSTATION_TIME_ZONE = 'America/Los_Angeles';

export function parseOrderDate(raw: string): Date {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(
    raw.trim(),
  );
  if (!m) throw new OrderFormatError(`orderDate "${raw}" is not an ISO 8601 date`);
  const [, day, time = '00:00:00', frac = '', zone] = m;
  const ms = frac ? `.${frac.slice(1, 4).padEnd(3, '0')}` : '';
  const local = `${day}T${time.length === 5 ? `${time}:00` : time}${ms}`;
  const d = zone ? new Date(`${local}${zone}`) : wallClockIn(SHIPSTATION_TIME_ZONE, local);
  if (Number.isNaN(d.getTime()) || !sameCalendarDay(local, d, zone ?? SHIPSTATION_TIME_ZONE))
    throw new OrderFormatError(`orderDate "${raw}" is not a valid date`);
  return d;
}

const zoneFormat = new Map<string, Intl.DateTimeFormat>();
function partsIn(timeZone: string, d: Date): Record<string, number> {
  let f = zoneFormat.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    zoneFormat.set(timeZone, f);
  }
  const out: Record<string, number> = {};
  for (const p of f.formatToParts(d)) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

/** The instant at which the clocks of `timeZone` showed `local` (YYYY-MM-DDTHH:MM:SS[.mmm]). */
export function wallClockIn(timeZone: string, local: string): Date {
  const asUtc = new Date(`${local}Z`);
  if (Number.isNaN(asUtc.getTime())) return asUtc;
  // Two passes find the offset in force at that wall-clock time (DST changes included).
  let guess = asUtc.getTime();
  for (let i = 0; i < 2; i++) {
    const p = partsIn(timeZone, new Date(guess));
    const shown = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
    guess += asUtc.getTime() - (shown + (guess % 1000));
  }
  return new Date(guess);
}

/** Rejects dates such as 2026-02-30 that JavaScript would silently roll over. */
function sameCalendarDay(local: string, d: Date, zone: string): boolean {
  const [y, mo, da] = local.slice(0, 10).split('-').map(Number);
  if (zone === 'Z' || /^[+-]/.test(zone)) {
    const probe = new Date(`${local.slice(0, 10)}T12:00:00Z`);
    return probe.getUTCFullYear() === y && probe.getUTCMonth() + 1 === mo && probe.getUTCDate() === da;
  }
  const p = partsIn(zone, d);
  return p.year === y && p.month === mo && p.day === da;
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
 * channel sends one, else the email. The manual store keys by email (R3.1). An email that is not
 * an address (`not-an-email`) stays on the order but is never a key: it would match every other
 * order with the same typo.
 */
export function buyerKey(storeType: string, username: string | null, email: string | null): string | null {
  const emailKey = email && isEmailAddress(email.trim()) ? email.trim().toLowerCase() : null;
  if (storeType === 'amazon' || storeType === 'manual') return emailKey;
  return username ?? emailKey;
}

export function normalizeShipStationOrder(o: ShipStationOrder, storeType: string): NormalizedOrder {
  const shipTo = toAddress(o.shipTo);
  const billTo = toAddress(o.billTo);
  const email = text(o.customerEmail);
  return {
    storeOrderId: text(o.orderKey) ?? o.orderNumber.trim(),
    orderNumber: o.orderNumber.trim(),
    orderDate: parseOrderDate(o.orderDate),
    orderStatus: orderStatusOf(o.orderStatus),
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
    channelUpdatedAt: null,
    channelData: null,
  };
}
