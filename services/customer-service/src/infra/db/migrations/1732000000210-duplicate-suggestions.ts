import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { tableColumn } from '@crp/platform/columns';

const { datetime: dt, varchar: vc } = tableColumn;

/**
 * Likely duplicates beyond R1.6 (domain/duplicates.ts): the queue of customers written since the
 * scan last looked at them, each active customer's comparison keys (indexed by the blocking keys:
 * postal address and phone), and the suggestions found. Existing customers are queued once, so
 * the first scan after this migration covers them.
 */
export class DuplicateSuggestions1732000000210 implements MigrationInterface {
  name = 'DuplicateSuggestions1732000000210';

  async up(q: QueryRunner): Promise<void> {
    const idx = (name: string, columnNames: string[]) => new TableIndex({ name, columnNames });
    await q.createTable(
      new Table({
        name: 'duplicate_scan_queue',
        columns: [
          { ...vc('account_id', 64, false), isPrimary: true },
          { ...vc('customer_id', 40, false), isPrimary: true },
          dt('queued_at'),
        ],
        indices: [idx('idx_dup_scan_queued', ['queued_at'])],
      }),
    );
    await q.createTable(
      new Table({
        name: 'customer_match_keys',
        columns: [
          { ...vc('account_id', 64, false), isPrimary: true },
          { ...vc('customer_id', 40, false), isPrimary: true },
          vc('name_key', 190),
          vc('address_key', 250),
          vc('email_normalized', 190),
          vc('phone_e164', 32),
        ],
        indices: [
          idx('idx_match_keys_address', ['account_id', 'address_key']),
          idx('idx_match_keys_phone', ['account_id', 'phone_e164']),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'duplicate_suggestions',
        columns: [
          { ...vc('account_id', 64, false), isPrimary: true },
          { ...vc('customer_id', 40, false), isPrimary: true },
          { ...vc('other_id', 40, false), isPrimary: true },
          { ...vc('reason', 32, false), isPrimary: true },
          { name: 'confidence', type: 'decimal', precision: 3, scale: 2 },
          dt('created_at'),
        ],
        indices: [idx('idx_suggestions_other', ['account_id', 'other_id'])],
      }),
    );
    await q.query(
      `INSERT INTO duplicate_scan_queue (account_id, customer_id, queued_at)
         SELECT account_id, id, updated_at FROM customers WHERE status = 'active'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['duplicate_suggestions', 'customer_match_keys', 'duplicate_scan_queue'])
      await q.dropTable(t);
  }
}
