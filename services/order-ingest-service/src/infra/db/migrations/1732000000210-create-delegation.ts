import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { tableColumn } from '@crp/platform/columns';

const { datetime: dt, varchar: vc } = tableColumn;

/** SPEC §5 on the order side: connections and carrier accounts as seen here, rules, delegations. */
export class CreateDelegation1732000000210 implements MigrationInterface {
  name = 'CreateDelegation1732000000210';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'tpl_connections',
        columns: [
          { ...vc('connection_id', 40, false), isPrimary: true },
          vc('tpl_account_id', 64, false),
          vc('client_account_id', 64),
          vc('status', 16, false),
          dt('changed_at'),
        ],
        indices: [
          // "Is this client actively connected to that 3PL?" (R5.4), per client account.
          new TableIndex({
            name: 'idx_tpl_connections_client',
            columnNames: ['client_account_id', 'tpl_account_id'],
          }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'carrier_accounts',
        columns: [
          { ...vc('carrier_account_id', 40, false), isPrimary: true },
          vc('account_id', 64, false),
          vc('carrier_code', 64, false),
          { name: 'services', type: 'text', isNullable: false },
          { name: 'shared_with_providers', type: 'boolean', isNullable: false },
          vc('status', 16, false),
          { name: 'version', type: 'int', isNullable: false },
        ],
        indices: [new TableIndex({ name: 'idx_carrier_accounts_account', columnNames: ['account_id'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'automation_rules',
        columns: [
          { ...vc('id', 40, false), isPrimary: true },
          vc('account_id', 64, false),
          vc('name', 190, false),
          vc('store_id', 80),
          vc('tag', 100),
          vc('provider_account_id', 64, false),
          dt('created_at'),
          vc('created_by', 190, false),
        ],
        indices: [
          new TableIndex({ name: 'idx_automation_rules_account', columnNames: ['account_id', 'id'] }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'order_delegations',
        columns: [
          { ...vc('order_id', 40, false), isPrimary: true },
          vc('client_account_id', 64, false),
          vc('provider_account_id', 64, false),
          vc('connection_id', 40, false),
          vc('provider_order_id', 40, false),
          vc('delegated_by', 16, false),
          vc('rule_id', 40),
          dt('delegated_at'),
        ],
        indices: [
          // The 3PL's side: "is this order of mine a client's?" — and one copy per delegation.
          new TableIndex({
            name: 'uq_order_delegations_provider_order',
            columnNames: ['provider_account_id', 'provider_order_id'],
            isUnique: true,
          }),
          new TableIndex({
            name: 'idx_order_delegations_client',
            columnNames: ['client_account_id', 'order_id'],
          }),
          new TableIndex({ name: 'idx_order_delegations_connection', columnNames: ['connection_id'] }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'order_shipping_services',
        columns: [
          { ...vc('order_id', 40, false), isPrimary: true },
          vc('account_id', 64, false),
          vc('carrier_code', 64, false),
          vc('service_code', 64, false),
          vc('carrier_account_id', 40, false),
          vc('carrier_account_owner', 8, false),
          vc('selected_by', 190, false),
          dt('selected_at'),
        ],
        indices: [
          new TableIndex({ name: 'idx_order_shipping_account', columnNames: ['account_id', 'order_id'] }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'order_shipping_services',
      'order_delegations',
      'automation_rules',
      'carrier_accounts',
      'tpl_connections',
    ]) {
      await q.dropTable(t);
    }
  }
}
