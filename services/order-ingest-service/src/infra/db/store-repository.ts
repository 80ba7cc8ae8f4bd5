import { isDuplicateKey } from '@crp/platform/db';
import type { StoreRepository } from '../../app/ports';
import { manualStoreId } from '../../domain/stores';
import { StoreEntity } from './entities';

export const storeRepository: StoreRepository = {
  find(tx, accountId, storeId) {
    return tx.getRepository(StoreEntity).findOne({ where: { accountId, id: storeId } });
  },

  async manual(tx, accountId) {
    const repo = tx.getRepository(StoreEntity);
    const id = manualStoreId(accountId);
    const found = await repo.findOne({ where: { accountId, id } });
    if (found) return found;
    const row = { id, accountId, type: 'manual' as const, name: 'Manual orders', createdAt: new Date() };
    try {
      await repo.insert(row);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    return row;
  },

  async insert(tx, store) {
    await tx.getRepository(StoreEntity).insert(store);
  },

  list(tx, accountId) {
    return tx
      .getRepository(StoreEntity)
      .find({ where: { accountId }, order: { createdAt: 'ASC', id: 'ASC' } });
  },
};
