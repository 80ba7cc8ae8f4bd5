import type { EntityManager } from 'typeorm';
import type { Database } from '@crp/platform/db';
import { isDuplicateKey } from '@crp/platform/db';
import { notFound } from '@crp/platform/errors';
import { newId } from '@crp/platform/ids';
import { StoreEntity, type StoreRow, type StoreType } from '../infra/db/entities';

/** Each account has one built-in manual store ("manual marketplace", SPEC §0), made on first use. */
export const manualStoreId = (accountId: string) => `st_manual_${accountId}`;

export async function manualStore(tx: EntityManager, accountId: string): Promise<StoreRow> {
  const repo = tx.getRepository(StoreEntity);
  const id = manualStoreId(accountId);
  const found = await repo.findOne({ where: { accountId, id } });
  if (found) return found;
  const row: StoreRow = { id, accountId, type: 'manual', name: 'Manual orders', createdAt: new Date() };
  try {
    await repo.insert(row);
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  return row;
}

export async function findStore(tx: EntityManager, accountId: string, storeId: string): Promise<StoreRow> {
  const store = await tx.getRepository(StoreEntity).findOne({ where: { accountId, id: storeId } });
  if (!store) throw notFound(`Store ${storeId}`);
  return store;
}

export async function createStore(
  db: Database,
  accountId: string,
  input: { type: Exclude<StoreType, 'manual'>; name: string },
) {
  const row: StoreRow = {
    id: newId('st'),
    accountId,
    type: input.type,
    name: input.name.trim(),
    createdAt: new Date(),
  };
  await db.transaction((tx) => tx.getRepository(StoreEntity).insert(row));
  return storeView(row);
}

export async function listStores(db: Database, accountId: string) {
  const manual = await db.transaction((tx) => manualStore(tx, accountId));
  const rows = await db.dataSource
    .getRepository(StoreEntity)
    .find({ where: { accountId }, order: { createdAt: 'ASC', id: 'ASC' } });
  const connected = rows.filter((r) => r.id !== manual.id);
  return { stores: [manual, ...connected].map(storeView) };
}

export const storeView = (s: StoreRow) => ({
  storeId: s.id,
  type: s.type,
  name: s.name,
  createDate: s.createdAt.toISOString(),
});
