import { createHash } from 'node:crypto';
import type { Address } from '@crp/contracts/common';
import type {
  BuyerAliasRecord,
  NormalizedOrder,
  OrderRecord,
  OrderRevisionRecord,
  RevisionSource,
} from './order';

export interface BatchItem {
  /** Position in the caller's request or page, echoed in the outcome. */
  index: number;
  order: NormalizedOrder;
}

export type ItemOutcome =
  | {
      index: number;
      orderNumber: string;
      status: 'created' | 'updated' | 'unchanged';
      orderId: string;
      /** Why an `unchanged` item changed nothing, when it is not simply identical. */
      note?: string;
      /** What was accepted but will not be used as the sender may expect (orderWarnings). */
      warnings?: string[];
    }
  | { index: number; orderNumber: string | null; status: 'rejected'; reason: string };

export interface OrderBatchDecision {
  /** One per item, in item order. */
  outcomes: ItemOutcome[];
  /** Rows to write, one per store order in its final state: new ones, and ones stored before. */
  inserts: OrderRecord[];
  updates: OrderRecord[];
  /** One history line per new revision. */
  revisions: OrderRevisionRecord[];
  /** Each new revision, in item order: what OrderImported announces. */
  imported: Array<{ record: OrderRecord; order: NormalizedOrder }>;
  /** New buyer-key aliases learned from this batch (channels whose buyer keys are renamed). */
  aliases: BuyerAliasRecord[];
}

/**
 * What a stored order is compared on: a re-import with the same content changes nothing (R1.9).
 * The channel's own updated-at is left out: a channel touches it for changes this service does not
 * keep (metafields, risk scores), and those must not make a revision.
 */
export function contentHash(o: NormalizedOrder): string {
  const { channelUpdatedAt: _ignored, ...content } = o;
  return createHash('sha256')
    .update(JSON.stringify({ ...content, orderDate: o.orderDate.toISOString() }))
    .digest('hex');
}

/** The buyer's personal fields of an order: what R2.10 erases and what a channel may later blank. */
const PERSONAL = ['username', 'email', 'buyerName', 'firstName', 'lastName', 'phone'] as const;

/**
 * The incoming order as it should be stored, given what was stored before:
 * - an email (or other buyer contact field) the channel later redacted or left empty never
 *   overwrites one captured earlier (Shopify redacts, eBay drops contact data after 14/90 days);
 * - an order whose buyer was erased (R2.10) stays erased: later revisions carry no personal data.
 */
export function mergeWithStored(order: NormalizedOrder, before: OrderRecord | undefined): NormalizedOrder {
  if (!before) return order;
  if (before.redactedAt) {
    return {
      ...order,
      username: null,
      email: null,
      buyerName: null,
      firstName: null,
      lastName: null,
      company: null,
      phone: null,
      birthDate: null,
      shipTo: null,
      billTo: null,
      notes: [],
      marketingConsent: {},
    };
  }
  const kept: Record<(typeof PERSONAL)[number], string | null> = {
    username: before.customerUsername,
    email: before.customerEmail,
    buyerName: before.buyerName,
    firstName: before.buyerFirstName,
    lastName: before.buyerLastName,
    phone: before.buyerPhone,
  };
  const merged = { ...order };
  for (const k of PERSONAL) if (!merged[k] && kept[k]) merged[k] = kept[k];
  merged.shipTo = keepAddress(order.shipTo, before.shipTo);
  merged.billTo = keepAddress(order.billTo, before.billTo);
  return merged;
}

const CONTACT_PARTS = ['name', 'company', 'phone'] as const;
const PLACE_PARTS = ['street1', 'street2', 'street3', 'city', 'state', 'postalCode', 'country'] as const;

/**
 * An address the channel later dropped (eBay's registration address after 90 days) or sent again
 * without its contact parts keeps what was captured: the same place (every part of it the channel
 * still sends is unchanged) keeps its stored name, company and phone; a different place is a new
 * address and replaces the stored one whole.
 */
export function keepAddress(incoming: Address | null, stored: Address | null): Address | null {
  if (!stored) return incoming;
  if (!incoming) return stored;
  const samePlace = PLACE_PARTS.every((p) => incoming[p] === null || incoming[p] === stored[p]);
  if (!samePlace) return incoming;
  const out: Address = { ...incoming };
  for (const p of [...CONTACT_PARTS, ...PLACE_PARTS])
    if (out[p] === null && stored[p] !== null) out[p] = stored[p];
  return out;
}

/**
 * Buyer keys that are usernames the buyer can change (eBay: a renamed buyer's old name works for
 * 30 days; some developers get an immutable user id in the same field instead). A store order
 * never changes buyer, so the same store order seen again under another key says both keys are
 * one buyer: the new key becomes an alias of the key the order was stored under (the identity
 * customer-service holds), and every order under an alias is announced under that first key.
 * Returns the alias learned, or null. A key that already is an alias keeps its first meaning.
 */
export function renameOf(
  order: NormalizedOrder,
  before: OrderRecord | undefined,
  aliases: Map<string, string>,
): BuyerAliasRecord | null {
  if (!order.username || !before?.customerUsername || before.redactedAt) return null;
  if (aliases.has(order.username)) return null;
  const stored = aliases.get(before.customerUsername) ?? before.customerUsername;
  if (order.username === stored) return null;
  return {
    accountId: before.accountId,
    storeId: before.storeId,
    alias: order.username,
    username: stored,
    createdAt: new Date(0),
  };
}

/** What an order says: the fields a re-import compares, and the ones it may overwrite (with its bookkeeping). */
export const ORDER_CONTENT_FIELDS: ReadonlyArray<keyof OrderRecord & string> = [
  'orderNumber',
  'orderDate',
  'orderStatus',
  'customerUsername',
  'customerEmail',
  'buyerName',
  'buyerFirstName',
  'buyerLastName',
  'buyerPhone',
  'shipTo',
  'billTo',
  'items',
  'notes',
  'total',
  'currency',
  'channelData',
];

/** The record fields a new revision changed (names only: the history holds no personal data). */
export function changedFields(before: OrderRecord | undefined, after: OrderRecord): string[] {
  if (!before) return [];
  const enc = (v: unknown) => JSON.stringify(v instanceof Date ? v.toISOString() : v);
  return ORDER_CONTENT_FIELDS.filter((k) => enc(before[k]) !== enc(after[k]));
}

/**
 * R1.9 for a whole batch, as a pure decision over plain data: each store order is created once,
 * a re-import with the same content is `unchanged`, a changed one is a new revision. Two items of
 * one batch for the same store order are applied in turn (the second sees the first). A delivery
 * older than the stored state (by the channel's own updated-at) changes nothing: webhooks are
 * retried and arrive out of order. `existing` holds the stored rows of the batch's store orders.
 */
export function decideOrderBatch(input: {
  accountId: string;
  storeId: string;
  items: BatchItem[];
  existing: OrderRecord[];
  now: Date;
  newId: () => string;
  source?: RevisionSource;
  /**
   * Stored aliases of the batch's buyer keys (alias → the buyer's first key), given only for a
   * channel whose buyer keys are renamable usernames (eBay); absent: keys are taken as they come.
   */
  aliases?: Map<string, string>;
}): OrderBatchDecision {
  const current = new Map(input.existing.map((r) => [r.storeOrderId, r]));
  const aliases = input.aliases ? new Map(input.aliases) : null;
  const newAliases: BuyerAliasRecord[] = [];
  // Renames first, from every item of the batch whose store order is stored: a renamed buyer's new
  // order earlier in the page than the old order that reveals the rename is still announced right.
  if (aliases) {
    for (const { order } of input.items) {
      const found = renameOf(order, current.get(order.storeOrderId), aliases);
      if (!found) continue;
      aliases.set(found.alias, found.username);
      newAliases.push({ ...found, createdAt: input.now });
    }
  }
  const stored = new Set(current.keys());
  const outcomes: ItemOutcome[] = [];
  const imported: OrderBatchDecision['imported'] = [];
  const revisions: OrderRevisionRecord[] = [];
  const touched = new Set<string>();
  for (const { index, order: sent } of input.items) {
    const before = current.get(sent.storeOrderId);
    const key = sent.username && aliases?.get(sent.username);
    const incoming = key ? { ...sent, username: key } : sent;
    if (
      before?.channelUpdatedAt &&
      incoming.channelUpdatedAt &&
      incoming.channelUpdatedAt.getTime() < before.channelUpdatedAt.getTime()
    ) {
      outcomes.push({
        index,
        orderNumber: incoming.orderNumber,
        status: 'unchanged',
        orderId: before.id,
        note: 'older than the stored state (channel updated-at)',
      });
      continue;
    }
    const order = mergeWithStored(incoming, before);
    const hash = contentHash(order);
    if (before && before.contentHash === hash) {
      outcomes.push({ index, orderNumber: order.orderNumber, status: 'unchanged', orderId: before.id });
      continue;
    }
    const record: OrderRecord = {
      id: before?.id ?? input.newId(),
      accountId: input.accountId,
      storeId: input.storeId,
      storeOrderId: order.storeOrderId,
      orderNumber: order.orderNumber,
      orderDate: order.orderDate,
      orderStatus: order.orderStatus,
      customerUsername: order.username,
      customerEmail: order.email,
      buyerName: order.buyerName,
      buyerFirstName: order.firstName,
      buyerLastName: order.lastName,
      buyerPhone: order.phone,
      shipTo: order.shipTo,
      billTo: order.billTo,
      items: order.items,
      notes: order.notes,
      total: order.total,
      currency: order.currency,
      channelUpdatedAt: order.channelUpdatedAt ?? before?.channelUpdatedAt ?? null,
      channelData: order.channelData,
      customerId: before?.customerId ?? null,
      redactedAt: before?.redactedAt ?? null,
      revision: (before?.revision ?? 0) + 1,
      contentHash: hash,
      createdAt: before?.createdAt ?? input.now,
      updatedAt: input.now,
    };
    current.set(order.storeOrderId, record);
    touched.add(order.storeOrderId);
    imported.push({ record, order });
    revisions.push({
      orderId: record.id,
      revision: record.revision,
      accountId: input.accountId,
      source: input.source ?? 'api',
      channelUpdatedAt: order.channelUpdatedAt,
      changedFields: changedFields(before, record),
      createdAt: input.now,
    });
    outcomes.push({
      index,
      orderNumber: order.orderNumber,
      status: before ? 'updated' : 'created',
      orderId: record.id,
    });
  }
  const final = [...touched].map((k) => current.get(k)!);
  return {
    outcomes,
    inserts: final.filter((r) => !stored.has(r.storeOrderId)),
    updates: final.filter((r) => stored.has(r.storeOrderId)),
    revisions,
    imported,
    aliases: newAliases,
  };
}
