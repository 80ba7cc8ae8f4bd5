import type { EntityManager } from 'typeorm';
import { BatchTable, inList, queryRows } from '@crp/platform/sql';
import type {
  MailchimpConnectionRecord,
  MailchimpMemberRecord,
  MailchimpQueueRecord,
  MailchimpStore,
} from '../../app/mailchimp/ports';
import { MailchimpConnectionEntity, MailchimpMemberEntity, MailchimpQueueEntity } from './mailchimp-entities';

const connections = new BatchTable<MailchimpConnectionRecord>(MailchimpConnectionEntity);
const queue = new BatchTable<MailchimpQueueRecord>(MailchimpQueueEntity);
const members = new BatchTable<MailchimpMemberRecord>(MailchimpMemberEntity);

const CONNECTION_MUTABLE: Array<keyof MailchimpConnectionRecord & string> = [
  'apiKeySealed',
  'baseUrl',
  'audienceId',
  'audienceName',
  'tagWithStore',
  'syncNotSubscribed',
  'webhookToken',
  'lastSuccessAt',
  'lastErrorAt',
  'lastError',
  'syncedCount',
  'skippedCount',
  'failedCount',
  'deletedCount',
  'webhookCount',
  'updatedAt',
];

/** A Date as the driver stores it (SQLite keeps text), for hand-written comparisons. */
function dbDate(tx: EntityManager, d: Date): unknown {
  const col = tx.connection.getMetadata(MailchimpQueueEntity).findColumnWithPropertyName('nextAttemptAt')!;
  return tx.connection.driver.preparePersistentValue(d, col);
}

export const mailchimpRepository: MailchimpStore = {
  async connection(tx, accountId) {
    const [row] = await connections.select(tx, 'account_id = ?', [accountId]);
    return row ?? null;
  },
  async connections(tx, accountIds) {
    if (accountIds.length === 0) return [];
    const l = inList(accountIds);
    return connections.select(tx, `account_id IN ${l.sql}`, l.params);
  },
  async connectionByToken(tx, token) {
    const [row] = await connections.select(tx, 'webhook_token = ?', [token]);
    return row ?? null;
  },
  saveConnection: (tx, row) =>
    connections.insert(tx, [row], {
      onDuplicate: { conflictKeys: ['accountId'], update: CONNECTION_MUTABLE },
    }),
  async deleteConnection(tx, accountId) {
    await tx.query('DELETE FROM mailchimp_connections WHERE account_id = ?', [accountId]);
  },
  async dueAccounts(tx, now, limit) {
    const rows = await queryRows(
      tx,
      `SELECT DISTINCT q.account_id AS a FROM mailchimp_queue q
        JOIN mailchimp_connections c ON c.account_id = q.account_id
       WHERE q.next_attempt_at <= ? LIMIT ${Math.trunc(limit)}`,
      [dbDate(tx, now)],
    );
    return rows.map((r) => String(r.a));
  },
  /**
   * In the order of ix_mailchimp_queue_due (account_id, next_attempt_at, then the key's
   * customer_id): a pass reads `limit` entries. Ordered by enqueued_at, which that index does not
   * hold, MariaDB sorted every due row of the account for each pass: 0.33 s for 5,000 of
   * 1,000,000 queued, about 200 passes for a backfill of that size; now 0.01 s. A row enqueued
   * and never tried is due at its enqueue time, so the oldest still come first; a retried one waits
   * its turn at its next attempt.
   */
  dueRows: (tx, accountId, now, limit) =>
    queue.select(
      tx,
      'account_id = ? AND next_attempt_at <= ?',
      [accountId, dbDate(tx, now)],
      `ORDER BY next_attempt_at, customer_id LIMIT ${Math.trunc(limit)}`,
    ),
  async backlog(tx, accountId) {
    const [r] = await queryRows(
      tx,
      `SELECT COUNT(*) AS pending, SUM(CASE WHEN attempts > 0 THEN 1 ELSE 0 END) AS retrying,
              MIN(enqueued_at) AS oldest
         FROM mailchimp_queue WHERE account_id = ?`,
      [accountId],
    );
    const oldest = r?.oldest ? queue.hydrate(tx, { enqueued_at: r.oldest }).enqueuedAt : null;
    return { pending: Number(r?.pending ?? 0), retrying: Number(r?.retrying ?? 0), oldest };
  },
  enqueue: (tx, rows) =>
    queue.insert(tx, rows, {
      onDuplicate: {
        conflictKeys: ['accountId', 'customerId'],
        update: ['token', 'attempts', 'enqueuedAt', 'nextAttemptAt'],
      },
    }),
  async dequeue(tx, rows) {
    // Grouped by token: rows of one drain share none, so one statement per account does it.
    const byAccount = new Map<string, Array<[string, string]>>();
    for (const r of rows) {
      const list = byAccount.get(r.accountId) ?? [];
      list.push([r.customerId, r.token]);
      byAccount.set(r.accountId, list);
    }
    for (const [accountId, list] of byAccount) {
      for (let i = 0; i < list.length; i += 500) {
        const chunk = list.slice(i, i + 500);
        const l = inList(chunk.map(([c, t]) => `${c}|${t}`));
        // customer_id | token: an exact (customer, token) match in one IN list on both engines.
        await tx.query(`DELETE FROM mailchimp_queue WHERE account_id = ? AND ${concat(tx)} IN ${l.sql}`, [
          accountId,
          ...l.params,
        ]);
      }
    }
  },
  reschedule: (tx, rows) =>
    queue.insert(tx, rows, {
      onDuplicate: { conflictKeys: ['accountId', 'customerId'], update: ['attempts', 'nextAttemptAt'] },
    }),
  async clearQueue(tx, accountId) {
    await tx.query('DELETE FROM mailchimp_queue WHERE account_id = ?', [accountId]);
  },
  async backfill(tx, accountId, token, now) {
    const when = dbDate(tx, now);
    const mysql = isMysql(tx);
    const tail = mysql
      ? 'ON DUPLICATE KEY UPDATE token = VALUES(token), attempts = 0, next_attempt_at = VALUES(next_attempt_at)'
      : 'ON CONFLICT (account_id, customer_id) DO UPDATE SET token = excluded.token, attempts = 0, next_attempt_at = excluded.next_attempt_at';
    await tx.query(
      `INSERT INTO mailchimp_queue (account_id, customer_id, token, attempts, enqueued_at, next_attempt_at)
       SELECT account_id, id, ?, 0, ?, ? FROM customers
        WHERE account_id = ? AND status = 'active' AND email IS NOT NULL AND erased_at IS NULL ${tail}`,
      [token, when, when, accountId],
    );
    const [r] = await queryRows(
      tx,
      'SELECT COUNT(*) AS n FROM mailchimp_queue WHERE account_id = ? AND token = ?',
      [accountId, token],
    );
    return Number(r?.n ?? 0);
  },
  async members(tx, accountId, customerIds) {
    if (customerIds.length === 0) return [];
    return members.selectByKeys(
      tx,
      ['accountId', 'customerId'],
      customerIds.map((c) => [accountId, c]),
    );
  },
  saveMembers: (tx, rows) =>
    members.insert(tx, rows, {
      onDuplicate: { conflictKeys: ['accountId', 'customerId'], update: ['hash', 'recordHash', 'syncedAt'] },
    }),
  async deleteMembers(tx, accountId, customerIds) {
    if (customerIds === null) {
      await tx.query('DELETE FROM mailchimp_members WHERE account_id = ?', [accountId]);
      return;
    }
    if (customerIds.length === 0) return;
    const l = inList(customerIds);
    await tx.query(`DELETE FROM mailchimp_members WHERE account_id = ? AND customer_id IN ${l.sql}`, [
      accountId,
      ...l.params,
    ]);
  },
  async recordOutcome(tx, accountId, c, at, error) {
    const when = dbDate(tx, at);
    await tx.query(
      `UPDATE mailchimp_connections SET synced_count = synced_count + ?, skipped_count = skipped_count + ?,
              failed_count = failed_count + ?, deleted_count = deleted_count + ?,
              ${error ? 'last_error = ?, last_error_at = ?' : 'last_success_at = ?'}
        WHERE account_id = ?`,
      [
        c.synced,
        c.skipped,
        c.failed,
        c.deleted,
        ...(error ? [error.slice(0, 500), when] : [when]),
        accountId,
      ],
    );
  },
  async countWebhook(tx, accountId) {
    await tx.query(
      'UPDATE mailchimp_connections SET webhook_count = webhook_count + 1 WHERE account_id = ?',
      [accountId],
    );
  },
};

function isMysql(tx: EntityManager): boolean {
  return tx.connection.options.type === 'mysql' || tx.connection.options.type === 'mariadb';
}

function concat(tx: EntityManager): string {
  return isMysql(tx) ? "CONCAT(customer_id, '|', token)" : "(customer_id || '|' || token)";
}
