import type { OrderImportRowOrder } from '@crp/contracts/events/order-import-requested';
import type { JsonObject, NormalizedOrder } from './order';
import { orderStatusOf } from './shipstation-order';

/**
 * An order CSV row, as csv-import-service read it (R3.2), → the order this service ingests like
 * any other (R1.9). Pure. A row without a date keeps the date of the stored order it re-imports
 * (so re-importing the same file is "unchanged"), else takes the upload time. The buyer username
 * is the identity key only when the import maps it (`link`); an email used as a username is
 * compared lower-cased, as manual orders key by email (R1.2).
 */
export function csvOrderToNormalized(
  row: OrderImportRowOrder,
  opts: { link: boolean; storedDate: Date | null; receivedAt: Date },
): NormalizedOrder {
  const username = opts.link && row.buyer.username ? row.buyer.username.trim() : null;
  return {
    storeOrderId: row.storeOrderId ?? row.orderNumber,
    orderNumber: row.orderNumber,
    orderDate: row.orderDate ? new Date(row.orderDate) : (opts.storedDate ?? opts.receivedAt),
    // csv-import-service sends the canonical status; an older producer's spelling is read the same way.
    orderStatus: orderStatusOf(row.orderStatus),
    username: username && username.includes('@') ? username.toLowerCase() : username,
    email: row.buyer.email,
    buyerName: row.buyer.name ?? row.billTo?.name ?? row.shipTo?.name ?? null,
    firstName: null,
    lastName: null,
    company: row.buyer.company ?? row.billTo?.company ?? row.shipTo?.company ?? null,
    phone: row.buyer.phone ?? row.billTo?.phone ?? row.shipTo?.phone ?? null,
    birthDate: null,
    shipTo: row.shipTo,
    billTo: row.billTo,
    total: Math.round((row.total ?? 0) * 100) / 100,
    currency: row.currency,
    notes: row.notes ? [row.notes] : [],
    items: row.items.map(
      (i) => Object.fromEntries(Object.entries(i).filter(([, v]) => v !== null)) as JsonObject,
    ),
    tags: [],
    marketingConsent: {},
    // A file has no channel clock: rows apply in file order (R1.9 by content).
    channelUpdatedAt: null,
    channelData: null,
  };
}
