import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { tableColumn } from '@crp/platform/columns';

const { datetime: dt, varchar: vc } = tableColumn;

export class CreateConnections1732000000400 implements MigrationInterface {
  name = 'CreateConnections1732000000400';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'connections',
        columns: [
          { ...vc('id', 40, false), isPrimary: true },
          vc('tpl_account_id', 64, false),
          vc('client_email', 190, false),
          vc('client_account_id', 64),
          vc('client_name', 190, false),
          vc('company_name', 190, false),
          vc('status', 16, false),
          dt('created_at'),
          dt('updated_at'),
        ],
        indices: [
          // The 3PL's client list, by status (R5.6), and "is this client already pending?" (R5.2).
          new TableIndex({ name: 'idx_connections_tpl_status', columnNames: ['tpl_account_id', 'status'] }),
          // The client's side: its connections to review or disconnect (R5.2, R5.3).
          new TableIndex({ name: 'idx_connections_client', columnNames: ['client_account_id'] }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'invitations',
        columns: [
          { ...vc('id', 40, false), isPrimary: true },
          vc('connection_id', 40, false),
          vc('token_hash', 64, false),
          dt('expires_at'),
          dt('used_at', true),
          dt('created_at'),
        ],
        indices: [
          // A link is found by its token's hash, and no two links may share one (R5.3).
          new TableIndex({ name: 'uq_invitations_token_hash', columnNames: ['token_hash'], isUnique: true }),
          new TableIndex({ name: 'idx_invitations_connection', columnNames: ['connection_id'] }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'carrier_accounts',
        columns: [
          { ...vc('id', 40, false), isPrimary: true },
          vc('account_id', 64, false),
          vc('carrier_code', 64, false),
          // JSON list of service codes (R5.5); read whole, never queried inside.
          { name: 'services', type: 'text', isNullable: false },
          dt('created_at'),
        ],
        indices: [new TableIndex({ name: 'idx_carrier_accounts_account', columnNames: ['account_id'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['carrier_accounts', 'invitations', 'connections']) {
      await q.dropTable(t);
    }
  }
}
