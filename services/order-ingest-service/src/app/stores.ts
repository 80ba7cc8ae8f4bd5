import type { Database } from '@crp/platform/db';
import { newId } from '@crp/platform/ids';
import type { StoreRecord, StoreType } from '../domain/order';
import type { Repositories } from './ports';

export async function createStore(
  db: Database,
  repos: Repositories,
  accountId: string,
  input: { type: Exclude<StoreType, 'manual'>; name: string },
) {
  const row: StoreRecord = {
    id: newId('st'),
    accountId,
    type: input.type,
    name: input.name.trim(),
    createdAt: new Date(),
  };
  await db.transaction((tx) => repos.stores.insert(tx, row));
  return storeView(row);
}

/** The account's stores, the built-in manual store first. */
export async function listStores(db: Database, repos: Repositories, accountId: string) {
  return db.transaction(async (tx) => {
    const manual = await repos.stores.manual(tx, accountId);
    const connected = (await repos.stores.list(tx, accountId)).filter((r) => r.id !== manual.id);
    return { stores: [manual, ...connected].map(storeView) };
  });
}

export const storeView = (s: StoreRecord) => ({
  storeId: s.id,
  type: s.type,
  name: s.name,
  createDate: s.createdAt.toISOString(),
});
