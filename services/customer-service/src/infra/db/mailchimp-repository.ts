import type { EntityManager } from 'typeorm';
import { BatchTable, inList, queryRows } from '@crp/platform/sql';
import type {
  MailchimpCleanupRecord,
  MailchimpConnectionRecord,
  MailchimpDisconnectionRecord,
  MailchimpMemberRecord,
  MailchimpQueueRecord,
  MailchimpRotationRecord,
  MailchimpStore,
} from '../../app/mailchimp/ports';
import {
  MailchimpCleanupEntity,
  MailchimpConnectionEntity,
  MailchimpDisconnectionEntity,
  MailchimpMemberEntity,
  MailchimpQueueEntity,
  MailchimpRotationEntity,
} from './mailchimp-entities';

const connections = new BatchTable<MailchimpConnectionRecord>(MailchimpConnectionEntity);
const queue = new BatchTable<MailchimpQueueRecord>(MailchimpQueueEntity);
const members = new BatchTable<MailchimpMemberRecord>(MailchimpMemberEntity);
const cleanups = new BatchTable<MailchimpCleanupRecord>(MailchimpCleanupEntity);
const rotations = new BatchTable<MailchimpRotationRecord>(MailchimpRotationEntity);
const disconnections = new BatchTable<MailchimpDisconnectionRecord>(MailchimpDisconnectionEntity);

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
  'backfillCursor',
  'backfillQueued',
  'backfillStartedAt',
  'backfillDoneAt',
  'membersEpoch',
  'updatedAt',
];

/** A Date as the driver stores it (SQLite keeps text), for hand-written comparisons. */
function dbDate(tx: EntityManager, d: Date): unknown {
  const col = tx.connection.getMetadata(MailchimpQueueEntity).findColumnWithPropertyName('nextAttemptAt')!;
  return tx.connection.driver.preparePersistentValue(d, col);
}

export const mailchimpRepository: MailchimpStore = {
  async connection(tx, accountId, opts = {}) {
    const lock = opts.lock && isMysql(tx) ? 'FOR UPDATE' : '';
    const [row] = await connections.select(tx, 'account_id = ?', [accountId], lock);
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
  /**
   * One probe of ix_mailchimp_queue_due per connected account: the account's first entry in that
   * index (its earliest next attempt), due or not; the connections are a small table. Before,
   * `SELECT DISTINCT q.account_id … WHERE next_attempt_at <= ?` read the whole queue index to find
   * them (941,801 entries a pass at 940,000 queued for one account). An `EXISTS (… next_attempt_at
   * <= ?)` is no better: MariaDB reads it by `ref` on account_id and filters every entry of an
   * account with nothing due (945,000 entries).
   */
  async dueAccounts(tx, now, limit, after) {
    const rows = await queryRows(
      tx,
      `SELECT c.account_id AS a FROM mailchimp_connections c
        WHERE c.account_id > ?
          AND (SELECT q.next_attempt_at FROM mailchimp_queue q
                WHERE q.account_id = c.account_id ORDER BY q.next_attempt_at LIMIT 1) <= ?
        ORDER BY c.account_id LIMIT ${Math.trunc(limit)}`,
      [after, dbDate(tx, now)],
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
  /**
   * Counted up to `cap` + 1 rows of an index each (pending: any index of the account; retrying:
   * ix_mailchimp_queue_retrying, named: MariaDB otherwise read the primary key's entries of the
   * account and filtered them, 15,002 to count 10,001 of 30,000, all of them when few retry), the
   * oldest by ix_mailchimp_queue_enqueued: a status of an account with 1,000,000 queued reads about
   * 2 × cap entries, not every queued row (docs/performance.md).
   */
  async backlog(tx, accountId, cap) {
    const n = Math.trunc(cap) + 1;
    const retryingIndex = isMysql(tx) ? 'FORCE INDEX (ix_mailchimp_queue_retrying)' : '';
    const [r] = await queryRows(
      tx,
      `SELECT (SELECT COUNT(*) FROM (SELECT 1 AS x FROM mailchimp_queue WHERE account_id = ? LIMIT ${n}) p) AS pending,
              (SELECT COUNT(*) FROM (SELECT 1 AS x FROM mailchimp_queue ${retryingIndex}
                                      WHERE account_id = ? AND attempts > 0 LIMIT ${n}) r) AS retrying,
              (SELECT MIN(enqueued_at) FROM mailchimp_queue WHERE account_id = ?) AS oldest`,
      [accountId, accountId, accountId],
    );
    const oldest = r?.oldest ? queue.hydrate(tx, { enqueued_at: r.oldest }).enqueuedAt : null;
    const pending = Number(r?.pending ?? 0);
    const retrying = Number(r?.retrying ?? 0);
    return {
      pending: Math.min(pending, cap),
      pendingCapped: pending > cap,
      retrying: Math.min(retrying, cap),
      retryingCapped: retrying > cap,
      oldest,
    };
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
  /**
   * One chunk of the account's queue rows, from the start of its primary key range: MariaDB
   * `DELETE … LIMIT`, SQLite a rowid subquery (as the outbox purge). Before, disconnect deleted
   * every row of the account in one statement inside the request (940,000 rows: 3.5 s, and the
   * locks held as long).
   */
  async clearQueueBatch(tx, accountId, limit) {
    const n = Math.trunc(limit);
    return affected(
      tx,
      isMysql(tx)
        ? `DELETE FROM mailchimp_queue WHERE account_id = ? LIMIT ${n}`
        : `DELETE FROM mailchimp_queue WHERE rowid IN
             (SELECT rowid FROM mailchimp_queue WHERE account_id = ? LIMIT ${n})`,
      [accountId],
    );
  },
  async backfillsRunning(tx, limit, after) {
    const rows = await queryRows(
      tx,
      `SELECT account_id AS a FROM mailchimp_connections WHERE backfill_done_at IS NULL AND account_id > ?
        ORDER BY account_id LIMIT ${Math.trunc(limit)}`,
      [after],
    );
    return rows.map((r) => String(r.a));
  },
  async cleanup(tx, accountId, opts = {}) {
    const lock = opts.lock && isMysql(tx) ? 'FOR UPDATE' : '';
    const [row] = await cleanups.select(tx, 'account_id = ?', [accountId], lock);
    return row ?? null;
  },
  saveCleanup: (tx, row) =>
    cleanups.insert(tx, [row], {
      onDuplicate: { conflictKeys: ['accountId'], update: ['clearQueue', 'membersBelow', 'startedAt'] },
    }),
  async deleteCleanup(tx, accountId) {
    await tx.query('DELETE FROM mailchimp_cleanups WHERE account_id = ?', [accountId]);
  },
  /**
   * As `backlog`: each count reads at most `cap` + 1 entries of an index (the queue's primary key
   * from the account's first row; ix_mailchimp_members_epoch, named, as the cleanup reads it), so
   * the status of an account that left 1,000,000 rows behind costs what one of 10,000 does.
   */
  async cleanupRemaining(tx, c, cap) {
    const n = Math.trunc(cap) + 1;
    const hint = isMysql(tx) ? 'FORCE INDEX (ix_mailchimp_members_epoch)' : '';
    const queued = c.clearQueue
      ? `(SELECT COUNT(*) FROM (SELECT 1 AS x FROM mailchimp_queue WHERE account_id = ? LIMIT ${n}) q)`
      : '0';
    const [r] = await queryRows(
      tx,
      `SELECT ${queued} AS queued,
              (SELECT COUNT(*) FROM (SELECT 1 AS x FROM mailchimp_members ${hint}
                                      WHERE account_id = ? AND epoch < ? LIMIT ${n}) m) AS links`,
      [...(c.clearQueue ? [c.accountId] : []), c.accountId, c.membersBelow],
    );
    const q = Number(r?.queued ?? 0);
    const l = Number(r?.links ?? 0);
    return {
      queued: Math.min(q, cap),
      queuedCapped: q > cap,
      links: Math.min(l, cap),
      linksCapped: l > cap,
    };
  },
  async disconnection(tx, accountId) {
    const [row] = await disconnections.select(tx, 'account_id = ?', [accountId]);
    return row ?? null;
  },
  saveDisconnection: (tx, row) =>
    disconnections.insert(tx, [row], {
      onDuplicate: {
        conflictKeys: ['accountId'],
        update: ['audienceId', 'audienceName', 'disconnectedAt', 'cleanupDoneAt'],
      },
    }),
  async deleteDisconnection(tx, accountId) {
    await tx.query('DELETE FROM mailchimp_disconnections WHERE account_id = ?', [accountId]);
  },
  async rotation(tx, kind, opts = {}) {
    const lock = opts.lock && isMysql(tx) ? 'FOR UPDATE' : '';
    const [row] = await rotations.select(tx, 'kind = ?', [kind], lock);
    return row?.afterAccount ?? '';
  },
  saveRotation: (tx, kind, afterAccount, at) =>
    rotations.insert(tx, [{ kind, afterAccount, updatedAt: at }], {
      onDuplicate: { conflictKeys: ['kind'], update: ['afterAccount', 'updatedAt'] },
    }),
  async disconnectionCleaned(tx, accountId, at) {
    await tx.query(
      'UPDATE mailchimp_disconnections SET cleanup_done_at = ? WHERE account_id = ? AND cleanup_done_at IS NULL',
      [dbDate(tx, at), accountId],
    );
  },
  async cleanupsPending(tx, limit, after) {
    const rows = await queryRows(
      tx,
      `SELECT account_id AS a FROM mailchimp_cleanups WHERE account_id > ?
        ORDER BY account_id LIMIT ${Math.trunc(limit)}`,
      [after],
    );
    return rows.map((r) => String(r.a));
  },
  /**
   * One chunk of the account's links below the epoch: their ids read as a range of
   * ix_mailchimp_members_epoch (named), then deleted by key, `epoch < ?` checked again (a link the
   * reconnect rewrote meanwhile stays). A `DELETE … WHERE account_id = ? AND epoch < ? LIMIT`
   * cannot name an index, and MariaDB walked the primary key and filtered, reading every newer link
   * left before the old ones: 84,999 rows for a batch of 5,000 once 75,000 of 200,000 half-new
   * links were gone.
   */
  async deleteStaleMembers(tx, accountId, below, limit) {
    const hint = isMysql(tx) ? 'FORCE INDEX (ix_mailchimp_members_epoch)' : '';
    const ids = (
      await queryRows(
        tx,
        `SELECT customer_id AS c FROM mailchimp_members ${hint} WHERE account_id = ? AND epoch < ?
          LIMIT ${Math.trunc(limit)}`,
        [accountId, below],
      )
    ).map((r) => String(r.c));
    for (let i = 0; i < ids.length; i += 500) {
      const l = inList(ids.slice(i, i + 500));
      await tx.query(
        `DELETE FROM mailchimp_members WHERE account_id = ? AND epoch < ? AND customer_id IN ${l.sql}`,
        [accountId, below, ...l.params],
      );
    }
    return ids.length;
  },
  /**
   * The next `limit` active customers in id order, read from idx_customers_account_status_id as a
   * range from the cursor (and their rows for the email), then one multi-row upsert of those with
   * an email. A customer already queued keeps its row and its enqueue time, with the new token and
   * due now (as a change would). The index is named: MariaDB otherwise read a batch half-way
   * through 1,000,000 customers by `ref` on (account_id) from the account's first entry, filtering
   * the cursor (252 ms for 5,000 instead of 16–22 ms), and later batches more.
   */
  async backfillBatch(tx, accountId, after, limit, token, now) {
    const hint = isMysql(tx) ? 'FORCE INDEX (idx_customers_account_status_id)' : '';
    const read = await queryRows(
      tx,
      `SELECT id, CASE WHEN email IS NOT NULL AND erased_at IS NULL THEN 1 ELSE 0 END AS ok
         FROM customers ${hint} WHERE account_id = ? AND status = 'active' AND id > ?
        ORDER BY id LIMIT ${Math.trunc(limit)}`,
      [accountId, after ?? ''],
    );
    const rows: MailchimpQueueRecord[] = read
      .filter((r) => Number(r.ok) === 1)
      .map((r) => ({
        accountId,
        customerId: String(r.id),
        token,
        attempts: 0,
        enqueuedAt: now,
        nextAttemptAt: now,
      }));
    await queue.insert(tx, rows, {
      onDuplicate: {
        conflictKeys: ['accountId', 'customerId'],
        update: ['token', 'attempts', 'nextAttemptAt'],
      },
    });
    const last = read.length > 0 ? String(read[read.length - 1]!.id) : null;
    return { last, scanned: read.length, queued: rows.length };
  },
  async saveBackfill(tx, accountId, p) {
    await tx.query(
      `UPDATE mailchimp_connections SET backfill_cursor = ?, backfill_queued = ?, backfill_done_at = ?
        WHERE account_id = ?`,
      [p.cursor, p.queued, p.doneAt ? dbDate(tx, p.doneAt) : null, accountId],
    );
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
      onDuplicate: {
        conflictKeys: ['accountId', 'customerId'],
        update: ['hash', 'recordHash', 'epoch', 'syncedAt'],
      },
    }),
  async deleteMembers(tx, accountId, customerIds) {
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

async function affected(tx: EntityManager, sql: string, params: unknown[]): Promise<number> {
  const res = await tx.queryRunner!.query(sql, params, true);
  return Number(res.affected ?? 0);
}

function concat(tx: EntityManager): string {
  return isMysql(tx) ? "CONCAT(customer_id, '|', token)" : "(customer_id || '|' || token)";
}
