import { isDuplicateKey } from '@crp/platform/db';
import { BatchTable, dialectOf, inList } from '@crp/platform/sql';
import type { WebhookRepository } from '../../app/ports';
import type { WebhookDeliveryRecord } from '../../domain/sync';
import { WebhookDeliveryEntity } from './entities';

const deliveries = new BatchTable<WebhookDeliveryRecord>(WebhookDeliveryEntity);

export const webhookRepository: WebhookRepository = {
  async insert(tx, row) {
    try {
      await tx.getRepository(WebhookDeliveryEntity).insert(row);
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  },

  async peekPending(tx, channels, limit) {
    if (channels.length === 0) return [];
    const list = inList(channels);
    return deliveries.select(
      tx,
      `processed_at IS NULL AND channel IN ${list.sql}`,
      list.params,
      `ORDER BY id LIMIT ${Math.floor(limit)}`,
    );
  },

  claimPending(tx, limit) {
    // MySQL: several instances drain the queue side by side, each taking rows no other holds.
    const lock = dialectOf(tx) === 'mysql' ? ' FOR UPDATE SKIP LOCKED' : '';
    return deliveries.select(tx, 'processed_at IS NULL', [], `ORDER BY id LIMIT ${Math.floor(limit)}${lock}`);
  },

  async markProcessed(tx, rows, at) {
    if (rows.length === 0) return;
    // One statement per outcome kind: processed rows lose their payload (it holds personal data).
    const groups = new Map<string, typeof rows>();
    for (const r of rows) {
      const key = JSON.stringify([r.outcome, r.error]);
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    const when = dialectOf(tx) === 'mysql' ? at : at.toISOString().replace('T', ' ').replace('Z', '');
    for (const group of groups.values()) {
      const ids = inList(group.map((r) => r.id));
      await tx.query(
        `UPDATE webhook_deliveries SET processed_at = ?, outcome = ?, error = ?, payload = NULL WHERE id IN ${ids.sql}`,
        [when, group[0]!.outcome, group[0]!.error, ...ids.params],
      );
    }
  },
};
