import type { EntityManager } from 'typeorm';
import { contracts, decodeEvent, type AnyEvent, type EventType } from '@crp/contracts/registry';
import type { Database } from '@crp/platform/db';
import { errorCode, isRetriable } from '@crp/platform/errors';
import type { Logger } from '@crp/platform/logger';
import type { Metrics } from '@crp/platform/metrics';
import { deadLetterTopic, type BatchControl, type Bus, type IncomingMessage, type Subscription } from './bus';
import { InboxEntity } from './tables';

type EventByType<T extends EventType> = Extract<AnyEvent, { eventType: T }>;

export interface HandlerMeta {
  message: IncomingMessage;
  log: Logger;
}

/** A handler runs inside the transaction that also records the event as processed. */
export type EventHandler<E extends AnyEvent = AnyEvent> = (
  event: E,
  tx: EntityManager,
  meta: HandlerMeta,
) => Promise<void>;

export type HandlerMap = { [T in EventType]?: EventHandler<EventByType<T>> };

export interface EventConsumerOptions {
  /** Consumer group id, also the inbox key: one service, one name. */
  groupId: string;
  bus: Bus;
  db: Database;
  logger: Logger;
  metrics?: Metrics;
  handlers: HandlerMap;
  /** Attempts before a failing message is dead-lettered. */
  maxAttempts?: number;
  retryBaseMs?: number;
}

type Outcome = 'processed' | 'duplicate' | 'dead_lettered' | 'ignored';

/**
 * Idempotent, batch-consuming event runner. Per message, in one database transaction: skip if
 * the inbox already has (group, eventId); else insert the inbox row and run the handler. Commit
 * makes both visible; a failure rolls back both.
 *
 * Bad messages never block a partition: one that fails validation is dead-lettered at once; one
 * whose handler keeps failing is dead-lettered after `maxAttempts` (or at once when the error says
 * retrying cannot help). Nothing is acknowledged before it is processed or safely dead-lettered.
 */
export class EventConsumer {
  private subscription: Subscription | null = null;
  private readonly counter;
  private readonly duration;

  constructor(private readonly opts: EventConsumerOptions) {
    this.counter = opts.metrics?.counter('consumer_messages_total', 'Consumed messages by outcome', [
      'topic',
      'outcome',
    ]);
    this.duration = opts.metrics?.histogram('consumer_handle_seconds', 'Time to handle one message', [
      'topic',
    ]);
  }

  get topics(): string[] {
    const types = new Set(Object.keys(this.opts.handlers));
    return [...new Set(contracts.filter((c) => types.has(c.eventType)).map((c) => c.topic))];
  }

  async start(): Promise<void> {
    if (this.subscription) return;
    await this.opts.bus.ensureTopics([...this.topics, ...this.topics.map(deadLetterTopic)]);
    this.subscription = await this.opts.bus.subscribe({
      groupId: this.opts.groupId,
      topics: this.topics,
      fromBeginning: true,
      eachBatch: (messages, control) => this.handleBatch(messages, control),
    });
  }

  async stop(): Promise<void> {
    const s = this.subscription;
    this.subscription = null;
    await s?.stop();
  }

  async handleBatch(messages: IncomingMessage[], control: BatchControl): Promise<void> {
    let lastBeat = Date.now();
    for (const message of messages) {
      if (control.isStopping()) return;
      const outcome = await this.handleMessage(message, control);
      this.counter?.inc({ topic: message.topic, outcome });
      control.ack(message);
      if (Date.now() - lastBeat > 1000) {
        await control.heartbeat();
        lastBeat = Date.now();
      }
    }
  }

  /** Resolves once the message is processed, a duplicate, or dead-lettered; throws to get it redelivered. */
  async handleMessage(message: IncomingMessage, control?: BatchControl): Promise<Outcome> {
    let event: AnyEvent;
    try {
      event = decodeEvent(message.value, message.topic);
    } catch (err) {
      await this.deadLetter(message, err, 0);
      return 'dead_lettered';
    }
    const handler = this.opts.handlers[event.eventType] as EventHandler | undefined;
    if (!handler) return 'ignored';
    const log = this.opts.logger.child({
      eventId: event.eventId,
      eventType: event.eventType,
      correlationId: event.correlationId,
      accountId: event.accountId,
    });
    const maxAttempts = this.opts.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      const end = this.duration?.startTimer({ topic: message.topic });
      try {
        const duplicate = await this.opts.db.transaction(async (tx) => {
          const inbox = tx.getRepository(InboxEntity);
          const seen = await inbox.findOne({
            where: { consumerGroup: this.opts.groupId, eventId: event.eventId },
          });
          if (seen) return true;
          await inbox.insert({
            consumerGroup: this.opts.groupId,
            eventId: event.eventId,
            eventType: event.eventType,
            processedAt: new Date(),
          });
          await handler(event, tx, { message, log });
          return false;
        });
        end?.();
        if (duplicate) log.debug('duplicate event skipped');
        return duplicate ? 'duplicate' : 'processed';
      } catch (err) {
        end?.();
        if (await this.alreadyProcessed(event.eventId)) return 'duplicate';
        const retriable = isRetriable(err);
        log.warn({ err, attempt, retriable }, 'event handler failed');
        if (!retriable || attempt >= maxAttempts) {
          // A database that is down is not the message's fault: redeliver later rather than dead-letter.
          await this.opts.db.ping();
          await this.deadLetter(message, err, attempt);
          return 'dead_lettered';
        }
        await sleep(Math.min((this.opts.retryBaseMs ?? 100) * 2 ** (attempt - 1), 5000));
        await control?.heartbeat();
      }
    }
  }

  private async alreadyProcessed(eventId: string): Promise<boolean> {
    try {
      const row = await this.opts.db.dataSource
        .getRepository(InboxEntity)
        .findOne({ where: { consumerGroup: this.opts.groupId, eventId } });
      return row !== null;
    } catch {
      return false;
    }
  }

  private async deadLetter(message: IncomingMessage, err: unknown, attempts: number): Promise<void> {
    const e = err as Error;
    this.opts.logger.error(
      {
        topic: message.topic,
        partition: message.partition,
        offset: message.offset,
        code: errorCode(err),
        err: e?.message,
      },
      'message dead-lettered',
    );
    // The original bytes travel unchanged; the reason rides in headers, so a replay tool can
    // re-publish the value as it was.
    await this.opts.bus.publish([
      {
        topic: deadLetterTopic(message.topic),
        key: message.key ?? '',
        value: message.value ?? Buffer.alloc(0),
        headers: {
          ...message.headers,
          'dlt-original-topic': message.topic,
          'dlt-original-partition': String(message.partition),
          'dlt-original-offset': message.offset,
          'dlt-consumer-group': this.opts.groupId,
          'dlt-error-code': errorCode(err),
          'dlt-error-message': String(e?.message ?? err).slice(0, 2000),
          'dlt-attempts': String(attempts),
          'dlt-failed-at': new Date().toISOString(),
        },
      },
    ]);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
