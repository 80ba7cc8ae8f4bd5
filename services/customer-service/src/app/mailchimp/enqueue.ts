import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { CustomerMergedV1 } from '@crp/contracts/events/customer-merged';
import type { CustomerRedactedV1 } from '@crp/contracts/events/customer-redacted';
import type { CustomerUpsertedV1 } from '@crp/contracts/events/customer-upserted';
import type { MailchimpQueueRecord, MailchimpStore } from './ports';

type CustomerEvent = CustomerUpsertedV1 | CustomerRedactedV1 | CustomerMergedV1;

/** The customers an event touches: the changed one, the erased one, the survivor and the merged ones. */
function customersOf(e: CustomerEvent): string[] {
  switch (e.eventType) {
    case 'CustomerUpserted':
      return e.payload.customer.email ? [e.payload.customer.customerId] : [];
    case 'CustomerRedacted':
      return [e.payload.customerId];
    case 'CustomerMerged':
      return [e.payload.survivorId, ...e.payload.mergedIds];
  }
}

/**
 * The Mailchimp adapter's consumer (its own group on the customer topics): a whole batch of
 * events becomes queue rows in the consumer's transaction — one lookup of the connected accounts,
 * one multi-row upsert. Mailchimp itself is never called here, so an outage never holds up the
 * customer pipeline: the worker (sync.ts) drains the queue, reading each record as it then is.
 * An upsert without email enqueues nothing (no member to send); an erasure always does.
 */
export async function enqueueCustomerEvents(
  tx: EntityManager,
  store: MailchimpStore,
  events: CustomerEvent[],
  now: Date = new Date(),
): Promise<number> {
  const accounts = [...new Set(events.map((e) => e.accountId))];
  const connected = new Set((await store.connections(tx, accounts)).map((c) => c.accountId));
  const rows = new Map<string, MailchimpQueueRecord>();
  for (const e of events) {
    if (!connected.has(e.accountId)) continue;
    for (const customerId of customersOf(e)) {
      rows.set(`${e.accountId}\u0000${customerId}`, {
        accountId: e.accountId,
        customerId,
        token: randomUUID(),
        attempts: 0,
        enqueuedAt: now,
        nextAttemptAt: now,
      });
    }
  }
  await store.enqueue(tx, [...rows.values()]);
  return rows.size;
}
