import type { EntityManager } from 'typeorm';
import { contracts, decodeEvent, type AnyEvent, type EventType } from '@crp/contracts/registry';
import { isLockConflict, type Database } from '@crp/platform/db';
import { errorCode, isRetriable } from '@crp/platform/errors';
import type { Logger } from '@crp/platform/logger';
import type { Metrics } from '@crp/platform/metrics';
import { deadLetterTopic, type BatchControl, type Bus, type IncomingMessage, type Subscription } from './bus';
import { Inbox } from './inbox';

type EventByType<T extends EventType> = Extract<AnyEvent, { eventType: T }>;

export interface HandlerMeta {
  message: IncomingMessage;
  log: Logger;
}

/** A per-event handler runs inside the transaction that also records the event as processed. */
export type EventHandler<E extends AnyEvent = AnyEvent> = (
  event: E,
  tx: EntityManager,
  meta: HandlerMeta,
) => Promise<void>;

export interface BatchMeta {
  /** The bus messages the events came from, index for index. */
  messages: IncomingMessage[];
  log: Logger;
}

/**
 * A batch handler gets many events of one type, in the order they were published, inside one
 * transaction that also records all of them as processed. It must apply every event or throw:
 * the consumer then splits the batch to find the event that fails (see EventConsumer).
 */
export type BatchHandler<E extends AnyEvent = AnyEvent> = (
  events: E[],
  tx: EntityManager,
  meta: BatchMeta,
) => Promise<void>;

export type HandlerMap = { [T in EventType]?: EventHandler<EventByType<T>> };
export type BatchHandlerMap = { [T in EventType]?: BatchHandler<EventByType<T>> };

export interface EventConsumerOptions {
  /** Consumer group id, also the inbox key: one service, one name. */
  groupId: string;
  bus: Bus;
  db: Database;
  logger: Logger;
  metrics?: Metrics;
  /** Handlers that take one event at a time (each still shares the batch's transaction). */
  handlers?: HandlerMap;
  /** Handlers that take the whole batch: the shape for every path that carries volume. */
  batchHandlers?: BatchHandlerMap;
  /** Attempts before a failing message is dead-lettered. */
  maxAttempts?: number;
  retryBaseMs?: number;
  /** Most events handled in one transaction (default 1,000). */
  maxBatch?: number;
  /** Run the batch transactions at READ COMMITTED on MySQL (no gap locks; see TransactionOptions). */
  readCommitted?: boolean;
  /**
   * `false` for a group whose handlers are idempotent by themselves (applying an event twice
   * leaves what applying it once leaves, e.g. an upsert into a work queue): no inbox row is read
   * or written, so an event redelivered after a crash is applied again. Default `true`: the
   * inbox makes every other handler exactly-once.
   */
  inbox?: boolean;
  /**
   * For a group that acts for a few accounts only (the Mailchimp group: accounts that connected
   * Mailchimp): which of a batch's accounts (the messages' `account-id` header, which the outbox
   * sets from the event) it handles, read once per batch. A message of any other account is
   * acknowledged as `ignored` without being decoded, validated or given a transaction; a message
   * without the header is decoded and handled as usual.
   */
  accountsHandled?: (tx: EntityManager, accountIds: string[]) => Promise<ReadonlySet<string>>;
  /**
   * How long `start()` keeps trying while the broker refuses or drops its connections (a broker
   * that is starting, restarting or electing leaders), with backoff, before it gives up (default
   * 120 s). Any other error fails the start at once.
   */
  startRetryMs?: number;
}

type Outcome = 'processed' | 'duplicate' | 'dead_lettered' | 'ignored';

interface Entry {
  message: IncomingMessage;
  event: AnyEvent;
}

/**
 * Idempotent, batch-consuming event runner.
 *
 * A delivery from the bus (one topic-partition, in offset order) is cut into chunks of at most
 * `maxBatch` events; each chunk is one database transaction: the inbox is asked once which
 * eventIds it has already seen, the handlers apply the new events (a batch handler gets them all
 * at once), the inbox rows are written in one multi-row insert, then one commit — and only then
 * are the offsets acknowledged.
 *
 * When a chunk fails it is split in two and each half retried (bisection), so one poison event
 * costs about log2(n) extra transactions and every other event is still applied exactly once, in
 * order. A single event that keeps failing is dead-lettered after `maxAttempts` (at once when the
 * error says retrying cannot help; a message that fails validation never reaches a handler). A
 * database that does not answer is not any message's fault: the delivery is abandoned unacknowledged
 * and comes again. Nothing is acknowledged before it is processed or safely dead-lettered.
 */
export class EventConsumer {
  private subscription: Subscription | null = null;
  /** `starting` covers creating topics and joining the group (long after a crash: see serve()). */
  private stateNow: 'stopped' | 'starting' | 'running' = 'stopped';
  private readonly counter;
  private readonly duration;
  private readonly batchSize;
  private readonly lag;
  private readonly inbox: Inbox | null;
  private readonly handlers: BatchHandlerMap;

  constructor(private readonly opts: EventConsumerOptions) {
    this.counter = opts.metrics?.counter('consumer_messages_total', 'Consumed messages by outcome', [
      'topic',
      'outcome',
    ]);
    this.duration = opts.metrics?.histogram(
      'consumer_batch_seconds',
      'Time to handle one batch transaction',
      ['topic'],
    );
    this.batchSize = opts.metrics?.histogram(
      'consumer_batch_size',
      'Events per batch transaction',
      ['topic'],
      [1, 10, 50, 100, 250, 500, 1000, 2000],
    );
    this.lag = opts.metrics?.histogram(
      'consumer_event_lag_seconds',
      'From the broker timestamp of a message to the commit of its handling',
      ['topic'],
    );
    this.inbox = opts.inbox === false ? null : new Inbox(opts.groupId);
    this.handlers = {
      ...adaptPerEvent(opts.handlers ?? {}),
      ...(opts.batchHandlers ?? {}),
    } as BatchHandlerMap;
  }

  get topics(): string[] {
    const types = new Set(Object.keys(this.handlers));
    return [...new Set(contracts.filter((c) => types.has(c.eventType)).map((c) => c.topic))];
  }

  get state(): 'stopped' | 'starting' | 'running' {
    return this.stateNow;
  }

  async start(): Promise<void> {
    if (this.subscription) return;
    this.stateNow = 'starting';
    const deadline = Date.now() + (this.opts.startRetryMs ?? 120_000);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.opts.bus.ensureTopics([...this.topics, ...this.topics.map(deadLetterTopic)]);
        this.subscription = await this.opts.bus.subscribe({
          groupId: this.opts.groupId,
          topics: this.topics,
          fromBeginning: true,
          eachBatch: (messages, control) => this.handleBatch(messages, control),
        });
        this.stateNow = 'running';
        return;
      } catch (err) {
        // A broker that drops a connection while it starts must not take the service down with it
        // (the broker-kill fault test once lost customer-service to "Closed connection" at start).
        const waitMs = Math.min(5000, 250 * 2 ** (attempt - 1));
        if (!isBrokerHiccup(err) || Date.now() + waitMs > deadline) {
          this.stateNow = 'stopped';
          throw err;
        }
        this.opts.logger.warn(
          { err: (err as Error).message, attempt, retryInMs: waitMs, groupId: this.opts.groupId },
          'consumer could not start; retrying',
        );
        await sleep(waitMs);
      }
    }
  }

  async stop(): Promise<void> {
    const s = this.subscription;
    this.subscription = null;
    this.stateNow = 'stopped';
    await s?.stop();
  }

  async handleBatch(messages: IncomingMessage[], control: BatchControl): Promise<void> {
    const max = this.opts.maxBatch ?? 1000;
    for (let i = 0; i < messages.length; i += max) {
      if (control.isStopping()) return;
      const chunk = messages.slice(i, i + max);
      const entries: Entry[] = [];
      for (const message of await this.ofHandledAccounts(chunk)) {
        try {
          const event = decodeEvent(message.value, message.topic);
          if (this.handlers[event.eventType]) entries.push({ message, event });
          else this.counter?.inc({ topic: message.topic, outcome: 'ignored' });
        } catch (err) {
          // Invalid messages never reach a handler; they leave the partition at once.
          await this.deadLetter(message, err, 0);
          this.counter?.inc({ topic: message.topic, outcome: 'dead_lettered' });
        }
      }
      await this.process(entries, control);
      for (const message of chunk) control.ack(message);
      await control.heartbeat();
    }
  }

  /** The messages of `chunk` whose account the group handles (accountsHandled), in order. */
  private async ofHandledAccounts(chunk: IncomingMessage[]): Promise<IncomingMessage[]> {
    const handledOf = this.opts.accountsHandled;
    if (!handledOf) return chunk;
    const accounts = [
      ...new Set(chunk.flatMap((m) => (m.headers['account-id'] ? [m.headers['account-id']] : []))),
    ];
    const handled =
      accounts.length > 0
        ? await this.opts.db.transaction((tx) => handledOf(tx, accounts))
        : new Set<string>();
    const kept: IncomingMessage[] = [];
    for (const m of chunk) {
      const account = m.headers['account-id'];
      if (!account || handled.has(account)) kept.push(m);
      else this.counter?.inc({ topic: m.topic, outcome: 'ignored' });
    }
    return kept;
  }

  /** Applies `entries` (in order) exactly once each, splitting around failures. */
  private async process(entries: Entry[], control: BatchControl, conflicts = 0): Promise<void> {
    if (entries.length === 0) return;
    const topic = entries[0]!.message.topic;
    try {
      const { applied, duplicates } = await this.runTransaction(entries);
      if (applied) this.counter?.inc({ topic, outcome: 'processed' }, applied);
      if (duplicates) this.counter?.inc({ topic, outcome: 'duplicate' }, duplicates);
      return;
    } catch (thrown) {
      // A deadlock says nothing about the events: run the same batch again before splitting it.
      if (isLockConflict(thrown instanceof EventFailed ? thrown.cause : thrown) && conflicts < 3) {
        await sleep(20 * 2 ** conflicts);
        return this.process(entries, control, conflicts + 1);
      }
      // A database that is down fails every event the same way: give the delivery back instead.
      await this.opts.db.ping();
      const at = thrown instanceof EventFailed ? entries.findIndex((e) => e.event === thrown.event) : -1;
      const err = thrown instanceof EventFailed ? thrown.cause : thrown;
      if (at >= 0 || entries.length === 1) {
        // The handler named the event that failed (or there is only one): the others go on.
        const i = Math.max(0, at);
        await this.process(entries.slice(0, i), control);
        const outcome = await this.retryOne(entries[i]!, err, control);
        this.counter?.inc({ topic, outcome });
        await this.process(entries.slice(i + 1), control);
        return;
      }
      this.opts.logger.warn(
        { err: (err as Error)?.message, events: entries.length },
        'batch failed; splitting it to isolate the event that fails',
      );
      const mid = Math.ceil(entries.length / 2);
      await this.process(entries.slice(0, mid), control);
      await control.heartbeat();
      await this.process(entries.slice(mid), control);
    }
  }

  /** One transaction: inbox check, handlers, inbox rows, commit. Throws on any failure. */
  private async runTransaction(entries: Entry[]): Promise<{ applied: number; duplicates: number }> {
    const topic = entries[0]!.message.topic;
    const end = this.duration?.startTimer({ topic });
    const result = await this.opts.db.transaction(
      async (tx) => {
        const seen = this.inbox
          ? await this.inbox.seen(
              tx,
              entries.map((e) => e.event.eventId),
            )
          : new Set<string>();
        const fresh: Entry[] = [];
        for (const e of entries) {
          if (seen.has(e.event.eventId)) continue;
          seen.add(e.event.eventId); // the same event twice in one delivery counts once
          fresh.push(e);
        }
        // Consecutive events of one type go to their handler together, keeping the bus order.
        for (let i = 0; i < fresh.length;) {
          let j = i + 1;
          while (j < fresh.length && fresh[j]!.event.eventType === fresh[i]!.event.eventType) j++;
          const run = fresh.slice(i, j);
          const handler = this.handlers[run[0]!.event.eventType] as BatchHandler;
          try {
            await handler(
              run.map((e) => e.event),
              tx,
              { messages: run.map((e) => e.message), log: this.logFor(run[0]!.event, run.length) },
            );
          } catch (err) {
            if (err instanceof EventFailed || run.length > 1) throw err;
            throw new EventFailed(run[0]!.event, err);
          }
          i = j;
        }
        await this.inbox?.record(
          tx,
          fresh.map((e) => e.event),
        );
        return { applied: fresh.length, duplicates: entries.length - fresh.length };
      },
      { readCommitted: this.opts.readCommitted },
    );
    end?.();
    this.batchSize?.observe({ topic }, entries.length);
    const now = Date.now();
    for (const e of entries) {
      const ts = Number(e.message.timestamp);
      if (ts > 0) this.lag?.observe({ topic }, Math.max(0, now - ts) / 1000);
    }
    return result;
  }

  /**
   * One event whose first attempt failed with `err`: retried alone with backoff up to
   * `maxAttempts` in all, then dead-lettered (at once when retrying cannot help).
   */
  private async retryOne(entry: Entry, firstError: unknown, control: BatchControl): Promise<Outcome> {
    const { event, message } = entry;
    const log = this.logFor(event, 1);
    const maxAttempts = this.opts.maxAttempts ?? 5;
    let err = firstError;
    for (let attempt = 1; ; attempt++) {
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
      await control.heartbeat();
      try {
        const { duplicates } = await this.runTransaction([entry]);
        return duplicates ? 'duplicate' : 'processed';
      } catch (next) {
        err = next instanceof EventFailed ? next.cause : next;
      }
    }
  }

  private logFor(event: AnyEvent, batch: number): Logger {
    return this.opts.logger.child({
      eventId: event.eventId,
      eventType: event.eventType,
      correlationId: event.correlationId,
      accountId: event.accountId,
      ...(batch > 1 ? { batch } : {}),
    });
  }

  private async alreadyProcessed(eventId: string): Promise<boolean> {
    const inbox = this.inbox;
    if (!inbox) return false;
    try {
      return await this.opts.db.transaction(async (tx) => (await inbox.seen(tx, [eventId])).size > 0);
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

/**
 * Thrown by a batch handler that knows which event of the batch it cannot apply: the consumer
 * then commits the events before it, retries or dead-letters that one alone, and goes on with
 * the rest, instead of splitting the batch to find it.
 */
export class EventFailed extends Error {
  constructor(
    readonly event: AnyEvent,
    override readonly cause: unknown,
  ) {
    super(`event ${event.eventId} failed: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'EventFailed';
  }
}

/** A per-event handler as a batch handler: the same transaction, one event after the other. */
function adaptPerEvent(handlers: HandlerMap): BatchHandlerMap {
  const out: Record<string, BatchHandler> = {};
  for (const [type, handler] of Object.entries(handlers) as Array<[string, EventHandler]>) {
    out[type] = async (events, tx, meta) => {
      for (let i = 0; i < events.length; i++) {
        const event = events[i]!;
        try {
          await handler(event, tx, {
            message: meta.messages[i]!,
            log: meta.log.child({ eventId: event.eventId, correlationId: event.correlationId }),
          });
        } catch (err) {
          throw new EventFailed(event, err);
        }
      }
    };
  }
  return out as BatchHandlerMap;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A kafkajs error that a later try can get past: a connection refused or closed, a request timed
 * out, no coordinator or leader yet, kafkajs' own retries used up. Not one it calls non-retriable
 * (bad configuration, authentication), nor any error of ours.
 */
export function isBrokerHiccup(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  if (typeof name !== 'string' || !name.startsWith('KafkaJS')) return false;
  if (name === 'KafkaJSNonRetriableError' || name === 'KafkaJSInvalidTopic') return false;
  return (err as { retriable?: unknown }).retriable !== false || name === 'KafkaJSNumberOfRetriesExceeded';
}
