import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { tableColumn } from '@crp/platform/columns';

const { datetime: dt, varchar: vc } = tableColumn;

/**
 * SPEC §5 end to end: the accounts directory, the transition history, single-use links that can
 * be withdrawn, one connection per (3PL, client email), and shareable, versioned carrier accounts.
 */
export class ConnectionLifecycle1732000000410 implements MigrationInterface {
  name = 'ConnectionLifecycle1732000000410';

  async up(q: QueryRunner): Promise<void> {
    // R5.2: one connection per 3PL and client email; a new invitation reuses it. Two concurrent
    // first invitations of one email cannot both succeed.
    await q.createIndex(
      'connections',
      new TableIndex({
        name: 'uq_connections_tpl_email',
        columnNames: ['tpl_account_id', 'client_email'],
        isUnique: true,
      }),
    );
    await q.addColumn('invitations', new TableColumn(dt('revoked_at', true)));

    await q.addColumns('carrier_accounts', [
      new TableColumn({ name: 'shared_with_providers', type: 'boolean', isNullable: false, default: true }),
      new TableColumn({ name: 'version', type: 'int', isNullable: false, default: 1 }),
      new TableColumn(dt('updated_at', true)),
    ]);
    await q.query('UPDATE carrier_accounts SET updated_at = created_at WHERE updated_at IS NULL');

    await q.createTable(
      new Table({
        name: 'account_directory',
        columns: [
          { ...vc('account_id', 64, false), isPrimary: true },
          { ...vc('email', 190, false), isPrimary: true },
          dt('first_seen_at'),
          dt('last_seen_at'),
        ],
        // R5.1: "which accounts use this email?" when a 3PL invites it.
        indices: [new TableIndex({ name: 'idx_account_directory_email', columnNames: ['email'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'connection_history',
        columns: [
          { ...vc('id', 40, false), isPrimary: true },
          vc('connection_id', 40, false),
          vc('tpl_account_id', 64, false),
          vc('action', 16, false),
          vc('from_status', 16),
          vc('to_status', 16, false),
          vc('side', 8, false),
          vc('actor_account_id', 64, false),
          vc('actor_user_id', 190, false),
          vc('via', 16, false),
          dt('at'),
        ],
        indices: [
          new TableIndex({ name: 'idx_connection_history_connection', columnNames: ['connection_id', 'at'] }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('connection_history');
    await q.dropTable('account_directory');
    await q.dropColumns('carrier_accounts', ['updated_at', 'version', 'shared_with_providers']);
    await q.dropColumn('invitations', 'revoked_at');
    await q.dropIndex('connections', 'uq_connections_tpl_email');
  }
}
