import type { EntityManager } from 'typeorm';
import type { AnyEvent } from '@crp/contracts/registry';
import { BatchTable, dialectOf, keysIn, queryRows } from '@crp/platform/sql';
import { InboxEntity, type InboxRow } from './tables';

const inboxTable = new BatchTable<InboxRow>(InboxEntity);

/** The consumer side of idempotency: which events a consumer group has already applied. */
export class Inbox {
  constructor(private readonly consumerGroup: string) {}

  /** The eventIds among `eventIds` this group has processed: one query for the whole batch. */
  async seen(tx: EntityManager, eventIds: string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    const ids = keysIn(
      dialectOf(tx),
      ['event_id'],
      eventIds.map((id) => [id]),
    );
    const rows = await queryRows(
      tx,
      `SELECT event_id FROM inbox_messages WHERE consumer_group = ? AND ${ids.sql}`,
      [this.consumerGroup, ...ids.params],
    );
    return new Set(rows.map((r) => String(r.event_id)));
  }

  /** Marks events processed, in the transaction that applied them (one multi-row insert). */
  async record(tx: EntityManager, events: AnyEvent[]): Promise<void> {
    const now = new Date();
    await inboxTable.insert(
      tx,
      events.map((e) => ({
        consumerGroup: this.consumerGroup,
        eventId: e.eventId,
        eventType: e.eventType,
        processedAt: now,
      })),
    );
  }
}
