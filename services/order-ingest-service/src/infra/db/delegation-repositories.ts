import { In } from 'typeorm';
import { BatchTable, inList } from '@crp/platform/sql';
import type { DelegationRepository, OrderFacts, ShippingSelection } from '../../app/delegation-ports';
import { providerCopy, type ConnectionView, type Delegation } from '../../domain/delegation';
import type { CarrierAccountView } from '../../domain/shipping-service';
import {
  AutomationRuleEntity,
  CarrierAccountViewEntity,
  ConnectionViewEntity,
  DelegationEntity,
  ShippingSelectionEntity,
} from './delegation-entities';
import type { OrderRecord } from '../../domain/order';
import { OrderEntity, StoreEntity } from './entities';
import { orderRepository } from './order-repository';

const connections = new BatchTable<ConnectionView>(ConnectionViewEntity);
const carriers = new BatchTable<CarrierAccountView>(CarrierAccountViewEntity);
const delegations = new BatchTable<Delegation>(DelegationEntity);
const orders = new BatchTable<OrderRecord>(OrderEntity);
const selections = new BatchTable<ShippingSelection>(ShippingSelectionEntity);

const byId = <T, K>(rows: readonly T[], key: (r: T) => K) => new Map(rows.map((r) => [key(r), r]));

export const delegationRepository: DelegationRepository = {
  rulesOf: (tx, accountIds) =>
    accountIds.length === 0
      ? Promise.resolve([])
      : tx.getRepository(AutomationRuleEntity).find({
          where: { accountId: In([...accountIds]) },
          // Ids sort by creation time: the rule made first is asked first.
          order: { id: 'ASC' },
        }),
  async insertRule(tx, rule) {
    await tx.getRepository(AutomationRuleEntity).insert(rule);
  },
  async deleteRule(tx, accountId, id) {
    const r = await tx.getRepository(AutomationRuleEntity).delete({ accountId, id });
    return (r.affected ?? 0) > 0;
  },
  async storeExists(tx, accountId, id) {
    return (await tx.getRepository(StoreEntity).count({ where: { accountId, id } })) > 0;
  },

  connectionsOfClients: (tx, clientAccountIds) =>
    clientAccountIds.length === 0
      ? Promise.resolve([])
      : tx
          .getRepository(ConnectionViewEntity)
          .find({ where: { clientAccountId: In([...clientAccountIds]) } }),
  async connectionsById(tx, ids) {
    if (ids.length === 0) return new Map();
    const rows = await tx.getRepository(ConnectionViewEntity).find({ where: { connectionId: In([...ids]) } });
    return byId(rows, (r) => r.connectionId);
  },
  saveConnections: (tx, rows) =>
    connections.insert(tx, rows, {
      onDuplicate: {
        conflictKeys: ['connectionId'],
        update: ['tplAccountId', 'clientAccountId', 'status', 'changedAt'],
      },
    }),

  async carrierAccountsById(tx, ids) {
    if (ids.length === 0) return new Map();
    const rows = await tx
      .getRepository(CarrierAccountViewEntity)
      .find({ where: { carrierAccountId: In([...ids]) } });
    return byId(rows, (r) => r.carrierAccountId);
  },
  carrierAccountsOf: (tx, accountIds) =>
    accountIds.length === 0
      ? Promise.resolve([])
      : tx.getRepository(CarrierAccountViewEntity).find({
          where: { accountId: In([...accountIds]), status: 'active' },
          order: { carrierAccountId: 'ASC' },
        }),
  saveCarrierAccounts: (tx, rows) =>
    carriers.insert(tx, rows, {
      onDuplicate: {
        conflictKeys: ['carrierAccountId'],
        update: ['accountId', 'carrierCode', 'services', 'sharedWithProviders', 'status', 'version'],
      },
    }),

  async orderFacts(tx, accountId, orderIds): Promise<OrderFacts[]> {
    if (orderIds.length === 0) return [];
    const rows = await tx.getRepository(OrderEntity).find({
      where: { accountId, id: In([...orderIds]) },
      select: { id: true, accountId: true, storeId: true, orderNumber: true, notes: true },
    });
    return rows.map((r) => ({
      id: r.id,
      accountId: r.accountId,
      storeId: r.storeId,
      orderNumber: r.orderNumber,
      notes: r.notes,
    }));
  },
  delegationsAsClient: (tx, clientAccountId, orderIds) =>
    orderIds.length === 0
      ? Promise.resolve([])
      : tx.getRepository(DelegationEntity).find({ where: { clientAccountId, orderId: In([...orderIds]) } }),
  delegationsAsProvider: (tx, providerAccountId, orderIds) =>
    orderIds.length === 0
      ? Promise.resolve([])
      : tx
          .getRepository(DelegationEntity)
          .find({ where: { providerAccountId, providerOrderId: In([...orderIds]) } }),

  async saveDelegations(tx, rows) {
    if (rows.length === 0) return [];
    // One read of the clients' orders, one multi-row insert of the copies, one of the delegations.
    const accountIds = [...new Set(rows.map((d) => d.clientAccountId))];
    const ids = inList(rows.map((d) => d.orderId));
    const accounts = inList(accountIds);
    const originals = byId(
      await orders.select(
        tx,
        `${orders.column(tx, 'id')} IN ${ids.sql} AND ${orders.column(tx, 'accountId')} IN ${accounts.sql}`,
        [...ids.params, ...accounts.params],
      ),
      (o) => o.id,
    );
    const copies = rows.map((d) => {
      const original = originals.get(d.orderId);
      if (!original || original.accountId !== d.clientAccountId) {
        throw new Error(`order ${d.orderId} of ${d.clientAccountId} vanished while being delegated`);
      }
      return providerCopy(original, d);
    });
    // Through the order repository: a concurrent delegation of the same order is a retriable 409.
    await orderRepository.insert(tx, copies);
    await delegations.insert(tx, rows);
    return rows.map((d) => {
      const o = originals.get(d.orderId)!;
      return {
        id: o.id,
        accountId: o.accountId,
        storeId: o.storeId,
        orderNumber: o.orderNumber,
        notes: o.notes,
      };
    });
  },

  listDelegations(tx, q) {
    // The side's (account, order_id) index, named (MariaDB): left to itself, it read a page half
    // way through a 3PL's 745,000 delegations by `ref` on the account from its first entry,
    // filtering `order_id > cursor` (370,000 entries, 50 ms a page). Named, one range a page.
    const [account, index] =
      q.side === 'client'
        ? ['client_account_id', 'idx_order_delegations_client']
        : ['provider_account_id', 'idx_order_delegations_provider'];
    return delegations.select(
      tx,
      `${account} = ?${q.cursor ? ' AND order_id > ?' : ''}`,
      [q.accountId, ...(q.cursor ? [q.cursor] : []), q.limit],
      'ORDER BY order_id LIMIT ?',
      { index },
    );
  },

  saveShippingSelection: (tx, selection) =>
    selections.insert(tx, [selection], {
      onDuplicate: {
        conflictKeys: ['orderId'],
        update: [
          'carrierCode',
          'serviceCode',
          'carrierAccountId',
          'carrierAccountOwner',
          'selectedBy',
          'selectedAt',
        ],
      },
    }),
  shippingSelections: (tx, accountId, orderIds) =>
    orderIds.length === 0
      ? Promise.resolve([])
      : tx.getRepository(ShippingSelectionEntity).find({ where: { accountId, orderId: In([...orderIds]) } }),
};
