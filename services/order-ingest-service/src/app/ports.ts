import type { EntityManager } from 'typeorm';
import type {
  BuyerAliasRecord,
  Json,
  JsonObject,
  NormalizedOrder,
  OrderRecord,
  OrderRevisionRecord,
  StoreRecord,
  StoreType,
} from '../domain/order';
import type { SyncJobRecord, WebhookDeliveryRecord } from '../domain/sync';
import type { DelegationRepository } from './delegation-ports';

/**
 * What the use cases need from storage and from the channels; `src/infra` implements it. Functions
 * that must run inside a transaction take it as their first argument.
 */
/** What `GET /v1/orders` filters by (every filter optional; always one account). */
export interface OrderListFilter {
  storeId?: string;
  customerId?: string;
  status?: string;
  updatedSince?: Date;
}

export interface OrderListQuery extends OrderListFilter {
  /** Keyset position: the last row of the previous page. */
  after?: { id: string; updatedAt?: Date };
  limit: number;
}

export interface OrderRepository {
  /**
   * The stored rows of these store orders of one store, one query for a whole batch, locked until
   * the transaction ends (two imports of one order must not both make "revision 2").
   */
  lockByStoreOrderIds(
    tx: EntityManager,
    accountId: string,
    storeId: string,
    storeOrderIds: string[],
  ): Promise<OrderRecord[]>;
  /** New rows: a store order another transaction created meanwhile is a retriable conflict. */
  insert(tx: EntityManager, rows: OrderRecord[]): Promise<void>;
  /** Rows read (and locked) in this transaction, overwritten with their new revision. */
  update(tx: EntityManager, rows: OrderRecord[]): Promise<void>;
  insertRevisions(tx: EntityManager, rows: OrderRevisionRecord[]): Promise<void>;
  revisions(tx: EntityManager, accountId: string, orderId: string): Promise<OrderRevisionRecord[]>;
  get(tx: EntityManager, accountId: string, orderId: string): Promise<OrderRecord | null>;
  /** Keyset page: by id, or by updated-at then id when `updatedSince` is given. */
  list(tx: EntityManager, accountId: string, q: OrderListQuery): Promise<OrderRecord[]>;
  /**
   * How many orders match, counted up to `upTo` and no further: the count reads at most that many
   * index entries however many orders the account has.
   */
  count(tx: EntityManager, accountId: string, filter: OrderListFilter, upTo: number): Promise<number>;
  /** Which customer record each order is linked to (customer-service's answer), many at once. */
  linkCustomers(
    tx: EntityManager,
    accountId: string,
    links: Array<{ orderId: string; customerId: string }>,
  ): Promise<void>;
  /**
   * The orders of each buyer identity (store, buyer key) belong to that customer: one statement
   * for many identities. An identity listed twice goes to its last customer. Orders linked to
   * their customer already are left alone (not written, not locked); the count is of the others.
   * `onlyUnlinked`: only the orders linked to no customer yet (ADR 0036) — an order another
   * customer holds stays there.
   */
  linkIdentities(
    tx: EntityManager,
    accountId: string,
    links: Array<{ customerId: string; storeId: string; username: string }>,
    opts?: { onlyUnlinked?: boolean },
  ): Promise<number>;
  relinkCustomers(tx: EntityManager, accountId: string, fromIds: string[], toId: string): Promise<void>;
  /**
   * R2.10: empties the personal fields of the orders of some customers (by link, or by their store
   * identities) and marks them redacted; rows, totals and dates stay. Returns how many.
   */
  redact(
    tx: EntityManager,
    accountId: string,
    who: { customerIds: string[]; identities: Array<{ storeId: string; username: string }> },
    at: Date,
  ): Promise<number>;
}

export interface StoreRepository {
  find(tx: EntityManager, accountId: string, storeId: string): Promise<StoreRecord | null>;
  /** A store by id alone: only for webhooks, which prove who they are by signature. */
  findForWebhook(tx: EntityManager, storeId: string): Promise<StoreRecord | null>;
  findMany(tx: EntityManager, storeIds: string[]): Promise<StoreRecord[]>;
  /** The account's built-in manual store, made on first use. */
  manual(tx: EntityManager, accountId: string): Promise<StoreRecord>;
  insert(tx: EntityManager, store: StoreRecord): Promise<void>;
  save(tx: EntityManager, store: StoreRecord): Promise<void>;
  /** The account's stores, oldest first. */
  list(tx: EntityManager, accountId: string): Promise<StoreRecord[]>;
  /** Connected stores whose next sync is due (status active), oldest due first. */
  due(tx: EntityManager, now: Date, limit: number): Promise<StoreRecord[]>;
}

export interface SyncJobRepository {
  insert(tx: EntityManager, job: SyncJobRecord): Promise<void>;
  save(tx: EntityManager, job: SyncJobRecord): Promise<void>;
  get(tx: EntityManager, accountId: string, storeId: string, jobId: string): Promise<SyncJobRecord | null>;
  list(tx: EntityManager, accountId: string, storeId: string, limit: number): Promise<SyncJobRecord[]>;
  /** The store's job that is queued or running, if any. */
  active(tx: EntityManager, storeId: string): Promise<SyncJobRecord | null>;
  /** Stores (of these) that have a queued or running job. */
  activeStores(tx: EntityManager, storeIds: string[]): Promise<Set<string>>;
  /** Takes the oldest queued job (no other worker gets it), marked running. */
  claimNext(tx: EntityManager, now: Date): Promise<SyncJobRecord | null>;
  /** Running jobs whose worker stopped beating before `staleBefore` (a crash): failed, so they rerun. */
  failStale(tx: EntityManager, staleBefore: Date, now: Date): Promise<number>;
}

export interface WebhookRepository {
  /** false when this (store, delivery id) was received before: a duplicate. */
  insert(tx: EntityManager, row: Omit<WebhookDeliveryRecord, 'id'>): Promise<boolean>;
  /** The oldest unprocessed deliveries of these channels, read without a lock (to fetch what they name). */
  peekPending(tx: EntityManager, channels: string[], limit: number): Promise<WebhookDeliveryRecord[]>;
  /** The oldest unprocessed deliveries, locked for this transaction (other workers skip them). */
  claimPending(tx: EntityManager, limit: number): Promise<WebhookDeliveryRecord[]>;
  markProcessed(
    tx: EntityManager,
    rows: Array<{ id: number; outcome: string; error: string | null }>,
    at: Date,
  ): Promise<void>;
}

/** R1.2: a renamed buyer's later keys, per store (domain/order-batch.ts, renameOf). */
export interface BuyerAliasRepository {
  /** alias → the buyer's first key, for those of `keys` that are aliases: one query. */
  find(tx: EntityManager, accountId: string, storeId: string, keys: string[]): Promise<Map<string, string>>;
  insert(tx: EntityManager, rows: BuyerAliasRecord[]): Promise<void>;
  /** R2.10: the aliases of these (store, buyer key) identities are dropped. */
  forget(
    tx: EntityManager,
    accountId: string,
    identities: Array<{ storeId: string; username: string }>,
  ): Promise<void>;
}

/** Everything the use cases reach storage through, built by the composition root. */
export interface Repositories {
  orders: OrderRepository;
  stores: StoreRepository;
  syncJobs: SyncJobRepository;
  webhooks: WebhookRepository;
  /** Delegation to 3PLs (R5.4, R5.5): src/app/delegation-ports.ts. */
  delegation: DelegationRepository;
  buyerAliases: BuyerAliasRepository;
}

/** Store credentials at rest: AES-256-GCM, bound to the store id. */
export interface CredentialCipher {
  encrypt(storeId: string, credentials: Record<string, string>): string;
  decrypt(storeId: string, sealed: string): Record<string, string>;
}

/** Refuses merchant-site URLs that point into private or loopback ranges (SSRF), unless allowed. */
export interface UrlGuard {
  /** Resolves the host and throws a 422 AppError naming the problem when it is not public. */
  assertPublic(url: string, field: string): Promise<void>;
}

/** A store as a connector sees it: its settings and its decrypted credentials. */
export interface ConnectorStore {
  id: string;
  accountId: string;
  name: string;
  settings: JsonObject;
  credentials: Record<string, string>;
}

export interface OrderPage {
  /** The channel's orders, as sent (parsed losslessly). */
  orders: JsonObject[];
  /** Opaque position of the next page of the same window; null on the last page. */
  next: string | null;
}

/**
 * One sales channel. The machinery (jobs, windows, watermarks, webhook queue, R1.9) is shared;
 * a connector only knows its channel's API, payloads and signatures.
 */
export interface ChannelConnector {
  channel: Exclude<StoreType, 'manual' | 'api'>;
  /**
   * Windows end this long before now: a channel that refuses (or may not yet show) the last
   * minutes (Amazon: `LastUpdatedBefore` at least 2 minutes in the past). The watermark then
   * moves only to the end of what was actually read.
   */
  windowEndLagMs?: number;
  /**
   * One page of the orders the channel changed within [from, to] (its own updated-at, UTC),
   * oldest change first. Throttling and transient retries happen inside; a refused credential
   * throws ChannelAuthError.
   */
  fetchPage(
    store: ConnectorStore,
    window: { from: Date; to: Date },
    cursor: string | null,
    /** Aborted when the service stops: waits and requests end at once. */
    signal?: AbortSignal,
  ): Promise<OrderPage>;
  /** The channel's order → the normalized order (throws OrderFormatError for a bad one). */
  mapOrder(raw: JsonObject, store: { name: string }): NormalizedOrder;
  webhook: {
    /** The secret webhooks are signed with, from the store's credentials (null: none set). */
    secret(credentials: Record<string, string>): string | null;
    /** Constant-time check of the signature header over the raw body. */
    verify(rawBody: Buffer, headers: Record<string, string | undefined>, secret: string): boolean;
    /** A channel's "are you there?" call (WooCommerce's ping when a webhook is saved). */
    isPing(rawBody: Buffer, headers: Record<string, string | undefined>): boolean;
    /** The channel's id of a delivery (the same on its retries), from its headers or its body. */
    deliveryId(headers: Record<string, string | undefined>, rawBody: Buffer): string | null;
    topic(headers: Record<string, string | undefined>, rawBody: Buffer): string | null;
    /** Topics that carry an order to import; others are acknowledged and ignored. */
    accepts(topic: string): boolean;
    /** The orders one delivery carries. */
    orders(payload: Json, store: ConnectorStore): Promise<JsonObject[]>;
    /**
     * A channel whose webhooks carry only an id (BigCommerce): fetches the orders a delivery names.
     * The queue worker calls it before its transaction, never inside one. An order the channel no
     * longer has is an empty list.
     */
    fetch?(payload: Json, store: ConnectorStore, signal?: AbortSignal): Promise<JsonObject[]>;
  };
}

export type Connectors = (channel: string) => ChannelConnector | undefined;
