import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { tableColumn } from '@crp/platform/columns';

const { datetime: dt, varchar: vc } = tableColumn;

/** Marketplaces (issue 18): a renamed buyer's later keys (eBay usernames), per store. */
export class BuyerAliases1732000000230 implements MigrationInterface {
  name = 'BuyerAliases1732000000230';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'buyer_aliases',
        columns: [
          { ...vc('account_id', 64, false), isPrimary: true },
          { ...vc('store_id', 80, false), isPrimary: true },
          { ...vc('alias', 190, false), isPrimary: true },
          vc('username', 190, false),
          dt('created_at'),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('buyer_aliases');
  }
}
