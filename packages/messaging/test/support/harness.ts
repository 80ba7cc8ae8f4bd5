import { EntitySchema, Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { newEvent } from '@crp/contracts/new-event';
import { CustomerUpserted, type CustomerUpsertedV1 } from '@crp/contracts/events/customer-upserted';
import { openDatabase, type Database } from '@crp/platform/db';
import { messagingEntities, messagingMigrations } from '../../src/tables';

/** A table the test handlers write to, so "the handler ran" is a row, inside the same transaction. */
export interface SeenRow {
  eventId: string;
  customerId: string;
  seq: number;
}
export const SeenEntity = new EntitySchema<SeenRow>({
  name: 'Seen',
  tableName: 'seen',
  columns: {
    eventId: { name: 'event_id', type: 'varchar', length: 64, primary: true },
    customerId: { name: 'customer_id', type: 'varchar', length: 64 },
    seq: { type: 'int' },
  },
});

class CreateSeen1732000000001 implements MigrationInterface {
  async up(q: QueryRunner) {
    await q.createTable(
      new Table({
        name: 'seen',
        columns: [
          { name: 'event_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'customer_id', type: 'varchar', length: '64' },
          { name: 'seq', type: 'int' },
        ],
      }),
    );
  }
  async down(q: QueryRunner) {
    await q.dropTable('seen');
  }
}

export function openTestDb(url: string): Promise<Database> {
  return openDatabase({
    url,
    entities: [...messagingEntities, SeenEntity],
    migrations: [...messagingMigrations, CreateSeen1732000000001],
  });
}

let seq = 0;
export function customerEvent(customerId: string, accountId = 'acme'): CustomerUpsertedV1 {
  seq += 1;
  const payload = structuredClone(CustomerUpserted.example.payload);
  payload.customer.customerId = customerId;
  payload.customer.version = seq;
  return newEvent(CustomerUpserted, { accountId, correlationId: `corr-${seq}` }, payload);
}
