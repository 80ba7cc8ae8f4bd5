import { IsNull, In, type EntityManager } from 'typeorm';
import type { AnyEvent } from '@crp/contracts/registry';
import { assertEvent, contractFor } from '@crp/contracts/registry';
import { afterCommit, type Database } from '@crp/platform/db';
import type { Logger } from '@crp/platform/logger';
import type { Metrics } from '@crp/platform/metrics';
import type { Bus } from './bus';
import { OutboxEntity, type OutboxRow } from './tables';

/**
 * Writes events into the outbox table inside the caller's transaction: the event exists if and
 * only if the state change committed. The relay publishes it afterwards.
 */
export class Outbox {
  private readonly listeners = new Set<() => void>();

  /** `tx` is required: an outbox write outside a transaction would defeat the pattern. */
  async add(tx: EntityManager, ...events: AnyEvent[]): Promise<void> {
    if (events.length === 0) return;
    const now = new Date();
    const rows = events.map((event) => {
      const contract = contractFor(event.eventType, event.eventVersion);
      if (!contract) throw new Error(`no contract for ${event.eventType} v${event.eventVersion}`);
      assertEvent(contract, event);
      return {
        eventId: event.eventId,
        topic: contract.topic,
        msgKey: contract.partitionKey(event as never),
        eventType: event.eventType,
        payload: JSON.stringify(event),
        headers: JSON.stringify({
          'event-type': event.eventType,
          'event-version': String(event.eventVersion),
          'correlation-id': event.correlationId,
          'account-id': event.accountId,
        }),
        createdAt: now,
        publishedAt: null,
        attempts: 0,
        lastError: null,
      };
    });
    await tx.getRepository(OutboxEntity).insert(rows);
    afterCommit(tx, () => this.listeners.forEach((l) => l()));
  }

  /** The relay listens so that a commit wakes it at once instead of at the next poll. */
  onCommitted(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export interface OutboxRelayOptions {
  db: Database;
  bus: Bus;
  outbox: Outbox;
  logger: Logger;
  metrics?: Metrics;
  pollMs?: number;
  batchSize?: number;
  maxBackoffMs?: number;
}

/**
 * Publishes unsent outbox rows in id order (so in order per key), marks them sent, and keeps
 * retrying with backoff while the broker is away. A crash between publish and mark re-publishes:
 * consumers are idempotent by eventId, so at-least-once is enough.
 */
export class OutboxRelay {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private nudged = false;
  private unsubscribe: (() => void) | null = null;
  private readonly published;
  private readonly failures;

  constructor(private readonly opts: OutboxRelayOptions) {
    this.published = opts.metrics?.counter('outbox_published_total', 'Events published from the outbox', [
      'topic',
    ]);
    this.failures = opts.metrics?.counter('outbox_publish_failures_total', 'Failed outbox publish attempts');
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.opts.outbox.onCommitted(() => this.nudge());
    this.loop = this.run();
  }

  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  /** Publishes what is pending (best effort, bounded by `drainMs`), then stops. */
  async stop(drainMs = 2000): Promise<void> {
    if (!this.running) return;
    const deadline = Date.now() + drainMs;
    while (Date.now() < deadline && (await this.pendingCount().catch(() => 0)) > 0) {
      this.nudge();
      await sleep(50);
    }
    this.running = false;
    this.unsubscribe?.();
    this.wake?.();
    await this.loop;
  }

  async pendingCount(): Promise<number> {
    return this.opts.db.dataSource.getRepository(OutboxEntity).count({ where: { publishedAt: IsNull() } });
  }

  /** One pass: publish up to batchSize pending rows. Returns how many were published. */
  async publishPending(): Promise<number> {
    const repo = this.opts.db.dataSource.getRepository(OutboxEntity);
    const rows: OutboxRow[] = await repo.find({
      where: { publishedAt: IsNull() },
      order: { id: 'ASC' },
      take: this.opts.batchSize ?? 500,
    });
    if (rows.length === 0) return 0;
    await this.opts.bus.publish(
      rows.map((r) => ({
        topic: r.topic,
        key: r.msgKey,
        value: r.payload,
        headers: r.headers ? (JSON.parse(r.headers) as Record<string, string>) : {},
      })),
    );
    await repo.update({ id: In(rows.map((r) => r.id)) }, { publishedAt: new Date() });
    for (const r of rows) this.published?.inc({ topic: r.topic });
    return rows.length;
  }

  private async run(): Promise<void> {
    let backoff = 0;
    while (this.running) {
      try {
        this.nudged = false;
        const n = await this.publishPending();
        backoff = 0;
        if (n > 0) continue;
      } catch (err) {
        this.failures?.inc();
        backoff = Math.min(backoff ? backoff * 2 : 200, this.opts.maxBackoffMs ?? 5000);
        this.opts.logger.warn(
          { err: (err as Error).message, retryInMs: backoff },
          'outbox publish failed; will retry',
        );
        await this.idle(backoff, false);
        continue;
      }
      await this.idle(this.opts.pollMs ?? 200, true);
    }
  }

  private idle(ms: number, wakeOnNudge: boolean): Promise<void> {
    if (wakeOnNudge && this.nudged) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        if (wakeOnNudge || !this.running) done();
      };
    }).finally(() => {
      this.wake = null;
    });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
