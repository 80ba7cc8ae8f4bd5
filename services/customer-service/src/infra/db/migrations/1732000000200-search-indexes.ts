import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { isMysql } from '@crp/platform/db';
import { tableColumn } from '@crp/platform/columns';
import { tagKeys } from '../../../domain/search';

const { varchar: vc } = tableColumn;

/**
 * R2.11: what search, filters and export need to use an index on MariaDB whatever the account's
 * size. Exact email and phone lookups already had (account_id, email_normalized / phone_e164).
 * Name prefixes: (account_id, name) and (account_id, last_name), whose case- and accent-insensitive
 * collation makes `LIKE 'lov%'` a range read. Usernames: (account_id, username). Store filter:
 * (account_id, store_id, customer_id). Date ranges: (account_id, created_at / updated_at). Tags
 * live in a JSON list on the record, which no index can hold: `customer_tags` keeps one row per
 * (customer, tag key), maintained by the repository on every customer write.
 */
export class SearchIndexes1732000000200 implements MigrationInterface {
  name = 'SearchIndexes1732000000200';

  async up(q: QueryRunner): Promise<void> {
    const idx = (name: string, columnNames: string[]) => new TableIndex({ name, columnNames });
    await q.createIndices('customers', [
      idx('idx_customers_account_name', ['account_id', 'name']),
      idx('idx_customers_account_last_name', ['account_id', 'last_name']),
      idx('idx_customers_account_created', ['account_id', 'created_at']),
      idx('idx_customers_account_updated', ['account_id', 'updated_at']),
    ]);
    await q.createIndices('customer_identities', [
      idx('idx_identity_username', ['account_id', 'username']),
      idx('idx_identity_store_customer', ['account_id', 'store_id', 'customer_id']),
    ]);
    // Binary collation: two tags that differ only by accents are two keys, not a duplicate key.
    const binary = isMysql(q) ? { charset: 'utf8mb4', collation: 'utf8mb4_bin' } : {};
    await q.createTable(
      new Table({
        name: 'customer_tags',
        columns: [
          { ...vc('account_id', 64, false), isPrimary: true },
          { ...vc('customer_id', 40, false), isPrimary: true },
          { ...vc('tag_key', 190, false), ...binary, isPrimary: true },
        ],
        indices: [idx('idx_tags_tag', ['account_id', 'tag_key', 'customer_id'])],
      }),
    );
    await backfillTags(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('customer_tags');
    for (const name of ['idx_identity_username', 'idx_identity_store_customer'])
      await q.dropIndex('customer_identities', name);
    for (const name of [
      'idx_customers_account_name',
      'idx_customers_account_last_name',
      'idx_customers_account_created',
      'idx_customers_account_updated',
    ])
      await q.dropIndex('customers', name);
  }
}

/** The tag rows of the records that exist already, 1,000 records a statement. */
async function backfillTags(q: QueryRunner): Promise<void> {
  let after = '';
  for (;;) {
    const rows: Array<{ id: string; account_id: string; tags: string }> = await q.query(
      'SELECT id, account_id, tags FROM customers WHERE id > ? ORDER BY id LIMIT 1000',
      [after],
    );
    if (rows.length === 0) return;
    after = rows[rows.length - 1]!.id;
    const values: string[] = [];
    const params: string[] = [];
    for (const r of rows) {
      let tags: unknown;
      try {
        tags = JSON.parse(r.tags);
      } catch {
        tags = [];
      }
      if (!Array.isArray(tags)) continue;
      for (const key of tagKeys(tags.filter((t): t is string => typeof t === 'string'))) {
        values.push('(?, ?, ?)');
        params.push(r.account_id, r.id, key);
      }
    }
    if (values.length)
      await q.query(
        `INSERT INTO customer_tags (account_id, customer_id, tag_key) VALUES ${values.join(', ')}`,
        params,
      );
  }
}
