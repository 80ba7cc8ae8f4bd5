import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The likely-duplicates scan reads of each address and phone its first CANDIDATES_PER_KEY holders
 * in customer id order (`WHERE account_id = ? AND address_key = ? ORDER BY customer_id LIMIT 21`).
 * InnoDB's (account_id, address_key) index already holds the primary key's customer_id after the
 * key, so MariaDB read it in order and stopped; SQLite's does not (its entries end in the rowid),
 * and without statistics it walked the account's primary key instead. With customer_id in the
 * index both read 21 entries. The new indexes replace the old ones (same entries on MariaDB).
 */
export class MatchKeysIdOrder1732000000850 implements MigrationInterface {
  name = 'MatchKeysIdOrder1732000000850';

  async up(q: QueryRunner): Promise<void> {
    for (const [name, column, old] of INDEXES) {
      await q.createIndex(
        'customer_match_keys',
        new TableIndex({ name, columnNames: ['account_id', column, 'customer_id'] }),
      );
      await q.dropIndex('customer_match_keys', old);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [name, column, old] of INDEXES) {
      await q.createIndex(
        'customer_match_keys',
        new TableIndex({ name: old, columnNames: ['account_id', column] }),
      );
      await q.dropIndex('customer_match_keys', name);
    }
  }
}

const INDEXES = [
  ['idx_match_keys_address_id', 'address_key', 'idx_match_keys_address'],
  ['idx_match_keys_phone_id', 'phone_e164', 'idx_match_keys_phone'],
] as const;
