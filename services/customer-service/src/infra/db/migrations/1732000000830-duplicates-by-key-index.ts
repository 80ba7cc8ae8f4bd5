import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * A record's R1.6 duplicates are read key by key, the first hundred of each in id order
 * (GET /v1/customers/:id/duplicates, GET /v1/duplicates). By (account_id, duplicate_of_id) alone
 * the phone list of a record that thousands share a placeholder email with read every one of their
 * pairs to find none. (account_id, duplicate_of_id, matched_on) reads each list in id order (the
 * primary key's customer_id follows) and stops.
 */
export class DuplicatesByKeyIndex1732000000830 implements MigrationInterface {
  name = 'DuplicatesByKeyIndex1732000000830';

  async up(q: QueryRunner): Promise<void> {
    await q.createIndex(
      'possible_duplicates',
      new TableIndex({
        name: 'idx_dup_of_key',
        columnNames: ['account_id', 'duplicate_of_id', 'matched_on'],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('possible_duplicates', 'idx_dup_of_key');
  }
}
