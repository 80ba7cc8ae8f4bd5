import type { Database } from '@crp/platform/db';
import type { Logger } from '@crp/platform/logger';
import type { Metrics } from '@crp/platform/metrics';
import type { Bus } from './bus';
import { EventConsumer, type BatchHandlerMap, type HandlerMap } from './consumer';
import { Outbox, OutboxRelay } from './outbox';

export interface MessagingRuntimeOptions {
  service: string;
  db: Database;
  bus: Bus;
  /** Whether this runtime owns the bus (closes it on stop). The all-in-one process shares one. */
  ownsBus: boolean;
  logger: Logger;
  metrics: Metrics;
  /** Consumer group; defaults to the service name. */
  groupId?: string;
  handlers?: HandlerMap;
  batchHandlers?: BatchHandlerMap;
  /** The outbox the handlers and use cases write to; one is made when not given. */
  outbox?: Outbox;
  pollMs?: number;
  maxAttempts?: number;
  /** Most events per consumer transaction (CONSUMER_BATCH_MAX). */
  maxBatch?: number;
  /** Consumer transactions at READ COMMITTED on MySQL. */
  readCommitted?: boolean;
  /** Outbox rows per relay pass (OUTBOX_BATCH_SIZE). */
  outboxBatchSize?: number;
  /** OUTBOX_RETENTION_MS / INBOX_RETENTION_MS. */
  outboxRetentionMs?: number;
  inboxRetentionMs?: number;
}

/** What every service wires the same way: outbox + relay, and an idempotent consumer if it consumes. */
export class MessagingRuntime {
  readonly outbox: Outbox;
  readonly relay: OutboxRelay;
  readonly consumer: EventConsumer | null;

  constructor(private readonly opts: MessagingRuntimeOptions) {
    this.outbox = opts.outbox ?? new Outbox();
    this.relay = new OutboxRelay({
      db: opts.db,
      bus: opts.bus,
      outbox: this.outbox,
      logger: opts.logger.child({ component: 'outbox-relay' }),
      metrics: opts.metrics,
      pollMs: opts.pollMs,
      batchSize: opts.outboxBatchSize,
      retentionMs: opts.outboxRetentionMs,
      inboxRetentionMs: opts.inboxRetentionMs,
    });
    const consumes =
      Object.keys(opts.handlers ?? {}).length > 0 || Object.keys(opts.batchHandlers ?? {}).length > 0;
    this.consumer = consumes
      ? new EventConsumer({
          groupId: opts.groupId ?? opts.service,
          bus: opts.bus,
          db: opts.db,
          logger: opts.logger.child({ component: 'consumer' }),
          metrics: opts.metrics,
          handlers: opts.handlers,
          batchHandlers: opts.batchHandlers,
          maxAttempts: opts.maxAttempts,
          maxBatch: opts.maxBatch,
          readCommitted: opts.readCommitted,
        })
      : null;
  }

  async start(): Promise<void> {
    this.relay.start();
    await this.consumer?.start();
  }

  /** Stop consuming first (no new work), then drain the outbox, then close the bus. */
  async stop(): Promise<void> {
    await this.consumer?.stop();
    await this.relay.stop();
    if (this.opts.ownsBus) await this.opts.bus.close();
  }
}
