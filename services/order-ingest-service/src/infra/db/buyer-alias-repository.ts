import { BatchTable } from '@crp/platform/sql';
import type { BuyerAliasRepository } from '../../app/ports';
import type { BuyerAliasRecord } from '../../domain/order';
import { BuyerAliasEntity } from './entities';

const aliases = new BatchTable<BuyerAliasRecord>(BuyerAliasEntity);

export const buyerAliasRepository: BuyerAliasRepository = {
  async find(tx, accountId, storeId, keys) {
    if (keys.length === 0) return new Map();
    const rows = await aliases.selectByKeys(
      tx,
      ['accountId', 'storeId', 'alias'],
      [...new Set(keys)].map((k) => [accountId, storeId, k]),
    );
    return new Map(rows.map((r) => [r.alias, r.username]));
  },

  async forget(tx, accountId, identities) {
    if (identities.length === 0) return;
    const by = identities.map(() => '(store_id = ? AND (username = ? OR alias = ?))').join(' OR ');
    await tx.query(`DELETE FROM buyer_aliases WHERE account_id = ? AND (${by})`, [
      accountId,
      ...identities.flatMap((i) => [i.storeId, i.username, i.username]),
    ]);
  },

  async insert(tx, rows) {
    // Two imports of one store may learn the same alias at once: the first one stands.
    if (rows.length) await aliases.insert(tx, rows, { onDuplicate: 'ignore' });
  },
};
