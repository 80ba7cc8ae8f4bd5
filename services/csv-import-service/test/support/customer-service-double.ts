/**
 * TEST DOUBLE — stands in for customer-service in csv-import-service's tests and benchmark.
 *
 * It consumes CustomerImportRequested v2 chunks and answers each with CustomerImportRowResult v2
 * as the contract describes (packages/contracts/src/events/customer-import-*.ts), through a real
 * idempotent consumer (inbox) and outbox relay of @crp/messaging, so redelivery and re-publishing
 * behave as in production. Its "customers" live in memory: a deliberately small model of the
 * rules (match by customerId, then by email; replace semantics R4.3; store-owned customers are
 * rejected R4.2; dry runs change nothing and answer with the changes). The real handler is
 * customer-service's, built by its owners against the same contract.
 */
import { randomUUID } from 'node:crypto';
import { IsNull, type EntityManager } from 'typeorm';
import type { CustomerImportRequestedV2 } from '@crp/contracts/events/customer-import-requested';
import {
  CustomerImportRowResult,
  MAX_RESULT_EVENT_BYTES,
  type CustomerImportRowAnswer,
} from '@crp/contracts/events/customer-import-row-result';
import type { FieldChange, FieldValue } from '@crp/contracts/customer-import-fields';
import { deterministicEventId, newEvent } from '@crp/contracts/new-event';
import type { Bus } from '@crp/messaging/bus';
import { EventConsumer } from '@crp/messaging/consumer';
import { Outbox, OutboxRelay } from '@crp/messaging/outbox';
import { InboxEntity, OutboxEntity, messagingEntities, messagingMigrations } from '@crp/messaging/tables';
import { afterCommit, openDatabase, type Database } from '@crp/platform/db';
import type { Logger } from '@crp/platform/logger';

export interface DoubleCustomer {
  id: string;
  accountId: string;
  /** `manual`, or the name of the connected store that created it (R4.2). */
  store: string;
  values: Record<string, FieldValue>;
}

export interface CustomerServiceDoubleOptions {
  bus: Bus;
  logger: Logger;
  /** Its own database for inbox and outbox: `sqlite::memory:` or a fresh MySQL database. */
  databaseUrl?: string;
  /** Most events per consumer transaction. */
  maxBatch?: number;
  /**
   * Consumer group; unique by default. Kafka groups are not prefixed, and a group shared with
   * other runs subscribed to other (prefixed) topics would be handed partitions it never reads.
   */
  groupId?: string;
}

const emailKey = (v: FieldValue | undefined) => (typeof v === 'string' ? v.trim().toLowerCase() : null);
const same = (a: FieldValue | undefined, b: FieldValue | undefined) =>
  JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const empty = (v: FieldValue | undefined) =>
  v === null || v === undefined || (Array.isArray(v) && v.length === 0);

export class CustomerServiceDouble {
  readonly customers = new Map<string, DoubleCustomer>();
  /** account + lower-cased email → customer id (the live state's index). */
  private readonly emails = new Map<string, string>();
  /** How many times each (job, line) was applied for real: exactly once is the rule under test. */
  readonly applied = new Map<string, number>();
  /** Chunks handled (after inbox dedupe), and rows in them. */
  chunks = 0;
  rows = 0;
  /** When set, every chunk waits this long inside its transaction (to keep rows in flight). */
  delayMs = 0;
  private db!: Database;
  private consumer!: EventConsumer;
  private relay!: OutboxRelay;
  private readonly outbox = new Outbox();
  private readonly wouldBe = new Map<string, Map<string, DoubleCustomer>>();

  constructor(private readonly opts: CustomerServiceDoubleOptions) {}

  async start(): Promise<void> {
    this.db = await openDatabase({
      url: this.opts.databaseUrl ?? 'sqlite::memory:',
      entities: messagingEntities,
      migrations: messagingMigrations,
      createDatabase: true,
    });
    this.consumer = new EventConsumer({
      groupId: this.opts.groupId ?? `customer-service-double-${randomUUID()}`,
      bus: this.opts.bus,
      db: this.db,
      logger: this.opts.logger,
      maxBatch: this.opts.maxBatch ?? 100,
      batchHandlers: {
        CustomerImportRequested: async (events, tx) => {
          for (const e of events) if (e.eventVersion === 2) await this.handle(e, tx);
        },
      },
    });
    this.relay = new OutboxRelay({
      db: this.db,
      bus: this.opts.bus,
      outbox: this.outbox,
      logger: this.opts.logger,
      pollMs: 20,
    });
    this.relay.start();
    await this.consumer.start();
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
    await this.relay?.stop();
    await this.db?.close();
  }

  /**
   * True once every one of `eventIds` (CustomerImportRequested) is handled (its inbox row committed)
   * and every answer written is published: nothing of them is still on its way.
   */
  async settled(eventIds: string[]): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const handled = eventIds.length
        ? await tx.getRepository(InboxEntity).countBy(eventIds.map((eventId) => ({ eventId })))
        : 0;
      const unsent = await tx.getRepository(OutboxEntity).countBy({ publishedAt: IsNull() });
      return handled === eventIds.length && unsent === 0;
    });
  }

  /** A customer that exists before the import (e.g. one a Shopify store created). */
  seed(c: Omit<DoubleCustomer, 'id'> & { id?: string }): DoubleCustomer {
    const customer = { ...c, id: c.id ?? `cus_${randomUUID().replace(/-/g, '').slice(0, 16)}` };
    this.put(customer);
    return customer;
  }

  byEmail(accountId: string, email: string): DoubleCustomer | undefined {
    const id = this.emails.get(`${accountId}:${email.toLowerCase()}`);
    return id ? this.customers.get(id) : undefined;
  }

  private put(c: DoubleCustomer): void {
    const old = this.customers.get(c.id);
    const before = emailKey(old?.values.email);
    if (before) this.emails.delete(`${c.accountId}:${before}`);
    const key = emailKey(c.values.email);
    if (key && !this.emails.has(`${c.accountId}:${key}`)) this.emails.set(`${c.accountId}:${key}`, c.id);
    this.customers.set(c.id, c);
  }

  private async handle(event: CustomerImportRequestedV2, tx: EntityManager): Promise<void> {
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    const { jobId, dryRun, fields, rows, chunk } = event.payload;
    // Writes go to a copy; they reach the live state only if the transaction commits.
    const staged = dryRun ? this.wouldBeState(jobId) : new Map<string, DoubleCustomer>();
    const find = (id: string) => staged.get(id) ?? this.customers.get(id);
    const stagedEmails = new Map<string, string>();
    for (const c of staged.values()) {
      const k = emailKey(c.values.email);
      if (k) stagedEmails.set(`${c.accountId}:${k}`, c.id);
    }
    const answers: CustomerImportRowAnswer[] = [];
    for (const row of rows) {
      const values = row.values as Record<string, FieldValue>;
      let target: DoubleCustomer | undefined;
      if (row.customerId) {
        target = find(row.customerId);
        if (!target || target.accountId !== event.accountId) {
          answers.push(reject(row.lineNumber, null, `customer ${row.customerId} was not found`));
          continue;
        }
      } else if (values.email !== undefined && emailKey(values.email)) {
        const key = `${event.accountId}:${emailKey(values.email)}`;
        const stagedId = stagedEmails.get(key);
        target = stagedId ? staged.get(stagedId) : this.byEmail(event.accountId, emailKey(values.email)!);
        if (target && staged.has(target.id)) target = staged.get(target.id);
        // A staged change of email moved this address away from the live record.
        if (target && emailKey(target.values.email) !== emailKey(values.email)) target = undefined;
      }
      if (target && target.store !== 'manual') {
        answers.push(
          reject(
            row.lineNumber,
            target.id,
            `customer ${target.id} belongs to store "${target.store}"; only manual-store customers can be imported (R4.2)`,
          ),
        );
        continue;
      }
      const before = target?.values ?? {};
      const changes: FieldChange[] = [];
      for (const f of fields) {
        const after = values[f] ?? null;
        if (!same(before[f], after)) {
          changes.push({
            field: f,
            before: before[f] ?? null,
            after,
            clearedByBlank: empty(after) && !empty(before[f]),
          });
        }
      }
      const next: DoubleCustomer = target
        ? { ...target, values: { ...target.values, ...pick(values, fields) } }
        : {
            id: `cus_${randomUUID().replace(/-/g, '').slice(0, 16)}`,
            accountId: event.accountId,
            store: 'manual',
            values: pick(values, fields),
          };
      staged.set(next.id, next);
      const nextKey = emailKey(next.values.email);
      if (nextKey) stagedEmails.set(`${next.accountId}:${nextKey}`, next.id);
      answers.push({
        lineNumber: row.lineNumber,
        outcome: !target ? 'created' : changes.length ? 'updated' : 'unchanged',
        customerId: next.id,
        reason: null,
        changes: dryRun ? changes : null,
        ...(changes.some((c) => c.field === 'email') && target
          ? { warnings: ['email is a matching key (R2.5)'] }
          : {}),
      });
    }
    const events = split(answers).map((part, i, all) =>
      newEvent(
        CustomerImportRowResult,
        {
          accountId: event.accountId,
          correlationId: event.correlationId,
          causationId: event.eventId,
          eventId: deterministicEventId('CustomerImportRowResult', event.eventId, i + 1),
        },
        { jobId, chunk, part: i + 1, parts: all.length, dryRun, rows: part },
      ),
    );
    if (rows.length) await this.outbox.addMany(tx, events);
    afterCommit(tx, () => {
      this.chunks += 1;
      this.rows += rows.length;
      if (dryRun) {
        if (event.payload.final) this.wouldBe.delete(jobId);
        return;
      }
      for (const c of staged.values()) this.put(c);
      for (const row of rows) {
        const key = `${jobId}:${row.lineNumber}`;
        this.applied.set(key, (this.applied.get(key) ?? 0) + 1);
      }
    });
  }

  private wouldBeState(jobId: string): Map<string, DoubleCustomer> {
    let m = this.wouldBe.get(jobId);
    if (!m) this.wouldBe.set(jobId, (m = new Map()));
    return m;
  }
}

function pick(values: Record<string, FieldValue>, fields: string[]): Record<string, FieldValue> {
  return Object.fromEntries(fields.map((f) => [f, values[f] ?? null]));
}

function reject(lineNumber: number, customerId: string | null, reason: string): CustomerImportRowAnswer {
  return { lineNumber, outcome: 'rejected', customerId, reason, changes: null };
}

/** Answers in parts of at most MAX_RESULT_EVENT_BYTES of JSON (the contract's rule). */
function split(answers: CustomerImportRowAnswer[]): CustomerImportRowAnswer[][] {
  const parts: CustomerImportRowAnswer[][] = [[]];
  let bytes = 0;
  for (const a of answers) {
    const size = JSON.stringify(a).length + 1;
    if (bytes + size > MAX_RESULT_EVENT_BYTES - 2048 && parts[parts.length - 1]!.length) {
      parts.push([]);
      bytes = 0;
    }
    parts[parts.length - 1]!.push(a);
    bytes += size;
  }
  return parts;
}
