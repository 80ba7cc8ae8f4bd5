import { isMysql } from '@crp/platform/db';
import {
  EntitySchema,
  Table,
  TableColumn,
  TableIndex,
  type MigrationInterface,
  type QueryRunner,
} from 'typeorm';

export interface OutboxRow {
  id: number;
  eventId: string;
  topic: string;
  msgKey: string;
  eventType: string;
  payload: string;
  headers: string | null;
  createdAt: Date;
  publishedAt: Date | null;
  attempts: number;
  lastError: string | null;
  /** 1 for an event's own row; a batch row's payload is a JSON array of this many events. */
  eventCount: number;
}

export interface InboxRow {
  consumerGroup: string;
  eventId: string;
  eventType: string;
  processedAt: Date;
}

export const OutboxEntity = new EntitySchema<OutboxRow>({
  name: 'OutboxEvent',
  tableName: 'outbox_events',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    eventId: { name: 'event_id', type: 'varchar', length: 64, unique: true },
    topic: { type: 'varchar', length: 190 },
    msgKey: { name: 'msg_key', type: 'varchar', length: 190 },
    eventType: { name: 'event_type', type: 'varchar', length: 64 },
    payload: { type: 'text' },
    headers: { type: 'text', nullable: true },
    createdAt: { name: 'created_at', type: 'datetime', precision: 3 },
    publishedAt: { name: 'published_at', type: 'datetime', precision: 3, nullable: true },
    attempts: { type: 'int', default: 0 },
    lastError: { name: 'last_error', type: 'text', nullable: true },
    eventCount: { name: 'event_count', type: 'int', default: 1 },
  },
});

export const InboxEntity = new EntitySchema<InboxRow>({
  name: 'InboxMessage',
  tableName: 'inbox_messages',
  columns: {
    consumerGroup: { name: 'consumer_group', type: 'varchar', length: 190, primary: true },
    eventId: { name: 'event_id', type: 'varchar', length: 64, primary: true },
    eventType: { name: 'event_type', type: 'varchar', length: 64 },
    processedAt: { name: 'processed_at', type: 'datetime', precision: 3 },
  },
});

export const messagingEntities = [OutboxEntity, InboxEntity];

/**
 * The outbox and inbox tables, written with TypeORM's portable Table API so the same migration
 * runs on MySQL 8, MariaDB 10.11 and the embedded SQLite default. Every service lists it first.
 */
export class CreateMessagingTables1732000000000 implements MigrationInterface {
  name = 'CreateMessagingTables1732000000000';

  async up(q: QueryRunner): Promise<void> {
    const mysql = isMysql(q);
    await q.createTable(
      new Table({
        name: 'outbox_events',
        columns: [
          // SQLite only auto-increments an INTEGER PRIMARY KEY (which is 64-bit there anyway).
          {
            name: 'id',
            type: mysql ? 'bigint' : 'integer',
            isPrimary: true,
            isGenerated: true,
            generationStrategy: 'increment',
          },
          { name: 'event_id', type: 'varchar', length: '64', isUnique: true },
          { name: 'topic', type: 'varchar', length: '190' },
          { name: 'msg_key', type: 'varchar', length: '190' },
          { name: 'event_type', type: 'varchar', length: '64' },
          { name: 'payload', type: mysql ? 'mediumtext' : 'text' },
          { name: 'headers', type: 'text', isNullable: true },
          { name: 'created_at', type: 'datetime', precision: 3 },
          { name: 'published_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'attempts', type: 'int', default: 0 },
          { name: 'last_error', type: 'text', isNullable: true },
        ],
      }),
    );
    await q.createIndex(
      'outbox_events',
      new TableIndex({ name: 'idx_outbox_unpublished', columnNames: ['published_at', 'id'] }),
    );
    await q.createTable(
      new Table({
        name: 'inbox_messages',
        columns: [
          { name: 'consumer_group', type: 'varchar', length: '190', isPrimary: true },
          { name: 'event_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'event_type', type: 'varchar', length: '64' },
          { name: 'processed_at', type: 'datetime', precision: 3 },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('inbox_messages');
    await q.dropTable('outbox_events');
  }
}

/**
 * The relay purges processed inbox rows past their retention (OutboxRelay.purge): that needs an
 * index on the time they were processed.
 */
export class AddInboxProcessedIndex1795000000000 implements MigrationInterface {
  name = 'AddInboxProcessedIndex1795000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createIndex(
      'inbox_messages',
      new TableIndex({ name: 'idx_inbox_processed', columnNames: ['processed_at'] }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('inbox_messages', 'idx_inbox_processed');
  }
}

/**
 * Batch rows (ADR 0033): an outbox row holds `event_count` events, 1 for the rows written before
 * and for every event of a small transaction.
 */
export class AddOutboxEventCount1797000000000 implements MigrationInterface {
  name = 'AddOutboxEventCount1797000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('outbox_events', new TableColumn({ name: 'event_count', type: 'int', default: 1 }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('outbox_events', 'event_count');
  }
}

/** The messaging tables' migrations, in order; every service lists them before its own. */
export const messagingMigrations = [
  CreateMessagingTables1732000000000,
  AddInboxProcessedIndex1795000000000,
  AddOutboxEventCount1797000000000,
];
