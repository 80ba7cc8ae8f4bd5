import type { EntityManager } from 'typeorm';
import type { OrderRecord, StoreRecord } from '../domain/order';
import type { DelegationRepository } from './delegation-ports';

/**
 * What the use cases need from storage; `src/infra/db` implements it. Functions that must run
 * inside a transaction take it as their first argument.
 */
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
  get(tx: EntityManager, accountId: string, orderId: string): Promise<OrderRecord | null>;
  /** Keyset page by id (`cursor` = last id of the previous page) and the total matching. */
  list(
    tx: EntityManager,
    accountId: string,
    q: { storeId?: string; cursor?: string; limit: number },
  ): Promise<{ rows: OrderRecord[]; total: number }>;
}

export interface StoreRepository {
  find(tx: EntityManager, accountId: string, storeId: string): Promise<StoreRecord | null>;
  /** The account's built-in manual store, made on first use. */
  manual(tx: EntityManager, accountId: string): Promise<StoreRecord>;
  insert(tx: EntityManager, store: StoreRecord): Promise<void>;
  /** The account's stores, oldest first. */
  list(tx: EntityManager, accountId: string): Promise<StoreRecord[]>;
}

/** Everything the use cases reach storage through, built by the composition root. */
export interface Repositories {
  orders: OrderRepository;
  stores: StoreRepository;
  /** Delegation to 3PLs (R5.4, R5.5): src/app/delegation-ports.ts. */
  delegation: DelegationRepository;
}
