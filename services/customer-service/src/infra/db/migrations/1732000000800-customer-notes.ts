import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { tableColumn } from '@crp/platform/columns';

/**
 * `customers.notes` (issue #16): the merchant's free text on a record, written by the API and the
 * customer CSV import (R4.3). TEXT rather than VARCHAR: TEXT_LIMITS.note (5,000 characters) is up
 * to 20,000 bytes under utf8mb4, which a VARCHAR would take from the row's 65,535-byte limit.
 * Nullable: existing records have none.
 */
export class CustomerNotes1732000000800 implements MigrationInterface {
  name = 'CustomerNotes1732000000800';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('customers', new TableColumn(tableColumn.text('notes')));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('customers', 'notes');
  }
}
