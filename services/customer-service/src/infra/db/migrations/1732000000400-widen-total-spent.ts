import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A customer's total spent is DECIMAL(18,2) (was 14,2): room for 100 million orders at the largest
 * order total the platform accepts (MONEY_LIMITS in packages/contracts), so adding an accepted order
 * can never overflow it. SQLite does not enforce a decimal's precision: nothing to change there.
 */
export class WidenTotalSpent1732000000400 implements MigrationInterface {
  name = 'WidenTotalSpent1732000000400';

  async up(q: QueryRunner): Promise<void> {
    if (q.connection.options.type === 'mysql' || q.connection.options.type === 'mariadb')
      await q.query('ALTER TABLE customers MODIFY total_spent DECIMAL(18,2) NOT NULL DEFAULT 0');
  }

  async down(q: QueryRunner): Promise<void> {
    if (q.connection.options.type === 'mysql' || q.connection.options.type === 'mariadb')
      await q.query('ALTER TABLE customers MODIFY total_spent DECIMAL(14,2) NOT NULL DEFAULT 0');
  }
}
