import type { EntityManager } from 'typeorm';
import type { Outbox } from '@crp/messaging/outbox';
import type { Database } from '@crp/platform/db';
import type { AutomationRule, ConnectionView, Delegation } from '../domain/delegation';
import type { CarrierAccountView } from '../domain/shipping-service';

/**
 * What the delegation use cases need (R5.4, R5.5); src/infra/db implements it, the composition
 * root hands it over. Reads are per account, or per batch of ids within one account.
 */
export type Tx = EntityManager;

/** What delegation needs to know of an order. */
export interface OrderFacts {
  id: string;
  accountId: string;
  storeId: string;
  orderNumber: string;
  notes: string[];
}

export interface ShippingSelection {
  orderId: string;
  accountId: string;
  carrierCode: string;
  serviceCode: string;
  carrierAccountId: string;
  carrierAccountOwner: 'own' | 'client';
  selectedBy: string;
  selectedAt: Date;
}

export interface DelegationRepository {
  rulesOf(tx: Tx, accountIds: readonly string[]): Promise<AutomationRule[]>;
  insertRule(tx: Tx, rule: AutomationRule): Promise<void>;
  deleteRule(tx: Tx, accountId: string, ruleId: string): Promise<boolean>;
  storeExists(tx: Tx, accountId: string, storeId: string): Promise<boolean>;

  /** Connections where one of these accounts is the client. */
  connectionsOfClients(tx: Tx, clientAccountIds: readonly string[]): Promise<ConnectionView[]>;
  connectionsById(tx: Tx, ids: readonly string[]): Promise<Map<string, ConnectionView>>;
  saveConnections(tx: Tx, rows: readonly ConnectionView[]): Promise<void>;

  carrierAccountsById(tx: Tx, ids: readonly string[]): Promise<Map<string, CarrierAccountView>>;
  carrierAccountsOf(tx: Tx, accountIds: readonly string[]): Promise<CarrierAccountView[]>;
  saveCarrierAccounts(tx: Tx, rows: readonly CarrierAccountView[]): Promise<void>;

  orderFacts(tx: Tx, accountId: string, orderIds: readonly string[]): Promise<OrderFacts[]>;
  /** Delegations of these orders of the client account. */
  delegationsAsClient(tx: Tx, clientAccountId: string, orderIds: readonly string[]): Promise<Delegation[]>;
  /** Delegations whose copy in the 3PL's account is one of these orders. */
  delegationsAsProvider(
    tx: Tx,
    providerAccountId: string,
    orderIds: readonly string[],
  ): Promise<Delegation[]>;
  /**
   * Writes the 3PLs' copies of the clients' orders and the delegation rows (multi-row each);
   * answers with the facts of the clients' orders it copied.
   */
  saveDelegations(tx: Tx, delegations: readonly Delegation[]): Promise<OrderFacts[]>;
  listDelegations(
    tx: Tx,
    q: { accountId: string; side: 'client' | 'provider'; cursor?: string; limit: number },
  ): Promise<Delegation[]>;

  saveShippingSelection(tx: Tx, selection: ShippingSelection): Promise<void>;
  shippingSelections(tx: Tx, accountId: string, orderIds: readonly string[]): Promise<ShippingSelection[]>;
}

export interface DelegationDeps {
  db: Database;
  outbox: Outbox;
  delegation: DelegationRepository;
  now: () => Date;
}

export interface Caller {
  accountId: string;
  userId: string;
  correlationId: string;
}
