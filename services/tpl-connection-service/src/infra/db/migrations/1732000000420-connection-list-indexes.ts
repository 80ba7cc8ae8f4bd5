import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The two list pages read in their own order from an index instead of sorting:
 * - a 3PL's clients, newest first, by (tpl_account_id, [status,] created_at, id), each page a range
 *   from its keyset cursor. They replace (tpl_account_id, status), a prefix of the second;
 * - a client's connections, by (client_account_id, updated_at, id), replacing (client_account_id),
 *   and its pending invitations by (client_email, client_account_id): client_email was only the
 *   second column of uq_connections_tpl_email, so "sent to one of my emails" read every 3PL's
 *   connections (docs/performance.md, "3PL client lists").
 */
export class ConnectionListIndexes1732000000420 implements MigrationInterface {
  name = 'ConnectionListIndexes1732000000420';

  async up(q: QueryRunner): Promise<void> {
    await q.createIndex(
      'connections',
      index('idx_connections_tpl_created', ['tpl_account_id', 'created_at', 'id']),
    );
    await q.createIndex(
      'connections',
      index('idx_connections_tpl_status_created', ['tpl_account_id', 'status', 'created_at', 'id']),
    );
    await q.createIndex(
      'connections',
      index('idx_connections_client_updated', ['client_account_id', 'updated_at', 'id']),
    );
    await q.createIndex(
      'connections',
      index('idx_connections_email_client', ['client_email', 'client_account_id']),
    );
    await q.dropIndex('connections', 'idx_connections_tpl_status');
    await q.dropIndex('connections', 'idx_connections_client');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.createIndex('connections', index('idx_connections_tpl_status', ['tpl_account_id', 'status']));
    await q.createIndex('connections', index('idx_connections_client', ['client_account_id']));
    for (const name of [
      'idx_connections_email_client',
      'idx_connections_client_updated',
      'idx_connections_tpl_status_created',
      'idx_connections_tpl_created',
    ]) {
      await q.dropIndex('connections', name);
    }
  }
}

const index = (name: string, columnNames: string[]) => new TableIndex({ name, columnNames });
