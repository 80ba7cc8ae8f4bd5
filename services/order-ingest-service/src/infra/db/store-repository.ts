import { In, LessThanOrEqual } from 'typeorm';
import { BatchTable } from '@crp/platform/sql';
import type { StoreRepository } from '../../app/ports';
import type { StoreRecord } from '../../domain/order';
import { manualStoreId } from '../../domain/stores';
import { StoreEntity } from './entities';

// Through BatchTable: the JSON settings column makes TypeORM's insert() typing recurse too deep.
const stores = new BatchTable<StoreRecord>(StoreEntity);

const MUTABLE: Array<keyof StoreRecord & string> = [
  'name',
  'settings',
  'credentialsEnc',
  'status',
  'statusMessage',
  'syncWatermark',
  'nextSyncAt',
  'lastSyncAt',
  'updatedAt',
];

export const storeRepository: StoreRepository = {
  find(tx, accountId, storeId) {
    return tx.getRepository(StoreEntity).findOne({ where: { accountId, id: storeId } });
  },

  findForWebhook(tx, storeId) {
    return tx.getRepository(StoreEntity).findOne({ where: { id: storeId } });
  },

  async findMany(tx, storeIds) {
    if (storeIds.length === 0) return [];
    return tx.getRepository(StoreEntity).find({ where: { id: In([...new Set(storeIds)]) } });
  },

  async manual(tx, accountId) {
    const repo = tx.getRepository(StoreEntity);
    const id = manualStoreId(accountId);
    const found = await repo.findOne({ where: { accountId, id } });
    if (found) return found;
    const now = new Date();
    const row: StoreRecord = {
      id,
      accountId,
      type: 'manual',
      name: 'Manual orders',
      createdAt: now,
      settings: null,
      credentialsEnc: null,
      status: 'active',
      statusMessage: null,
      syncWatermark: null,
      nextSyncAt: null,
      lastSyncAt: null,
      updatedAt: now,
    };
    await stores.insert(tx, [row], { onDuplicate: 'ignore' });
    return row;
  },

  async insert(tx, store) {
    await stores.insert(tx, [store]);
  },

  async save(tx, store) {
    await stores.insert(tx, [store], { onDuplicate: { conflictKeys: ['id'], update: MUTABLE } });
  },

  list(tx, accountId) {
    return tx
      .getRepository(StoreEntity)
      .find({ where: { accountId }, order: { createdAt: 'ASC', id: 'ASC' } });
  },

  due(tx, now, limit) {
    return tx.getRepository(StoreEntity).find({
      where: { status: 'active', nextSyncAt: LessThanOrEqual(now) },
      order: { nextSyncAt: 'ASC' },
      take: limit,
    });
  },
};
