import { createHash } from 'node:crypto';
import { AppError } from '@crp/platform/errors';
import { parseChannelJson } from '../domain/channels/channel-json';
import type { BatchItem, ItemOutcome } from '../domain/order-batch';
import type { JsonObject, StoreRecord } from '../domain/order';
import { OrderFormatError } from '../domain/shipstation-order';
import { CHANNEL_SPECS } from '../domain/store-channels';
import type { WebhookDeliveryRecord } from '../domain/sync';
import type { ChannelDeps } from './deps';
import { INGEST_TX, ingestBatch } from './ingest-orders';

/**
 * Not authenticated: the same answer whether the store is unknown, of another channel,
 * disconnected, without a secret, or the signature is wrong — the answer tells an unsigned caller
 * nothing about which store ids exist. The reason goes to the log for the operator.
 */
export const WEBHOOK_REFUSED =
  'Webhook refused: no such store, or the signature does not match its webhook secret';

export type Headers = Record<string, string | undefined>;

/**
 * A webhook as it arrives: the signature is checked over the raw body (constant time), a
 * duplicate (same delivery / event id) is dropped, and the delivery is committed to the queue
 * table before the 2xx — a crash after the answer loses nothing. The order itself is imported
 * by the queue worker (processWebhooks), so the channel gets its answer in milliseconds and never
 * times out and disables the webhook.
 */
export async function receiveWebhook(
  deps: ChannelDeps,
  channel: string,
  storeId: string,
  rawBody: Buffer,
  headers: Headers,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const refused = (why: string) => {
    deps.logger.info({ channel, storeId, why }, 'webhook refused');
    return new AppError('UNAUTHORIZED', WEBHOOK_REFUSED, 401);
  };
  const connector = deps.connectors(channel);
  if (!connector) throw refused('unknown channel');
  const store = await deps.db.transaction((tx) => deps.repos.stores.findForWebhook(tx, storeId));
  if (!store || store.type !== channel || store.status === 'disconnected') throw refused('unknown store');
  if (connector.webhook.isPing(rawBody, headers)) return { status: 200, body: { status: 'pong' } };
  const credentials = store.credentialsEnc ? deps.cipher.decrypt(store.id, store.credentialsEnc) : {};
  const secret = connector.webhook.secret(credentials);
  if (!secret) throw refused('the store has no webhook secret set');
  if (!connector.webhook.verify(rawBody, headers, secret)) throw refused('bad signature');
  const topic = connector.webhook.topic(headers, rawBody) ?? '';
  const deliveryId =
    connector.webhook.deliveryId(headers, rawBody) ??
    `sha256:${createHash('sha256').update(rawBody).digest('hex')}`;
  if (!connector.webhook.accepts(topic)) return { status: 200, body: { status: 'ignored', topic } };
  const fresh = await deps.db.transaction((tx) =>
    deps.repos.webhooks.insert(tx, {
      accountId: store.accountId,
      storeId: store.id,
      channel,
      deliveryId: deliveryId.slice(0, 190),
      topic: topic.slice(0, 64),
      payload: rawBody.toString('utf8'),
      receivedAt: new Date(),
      processedAt: null,
      outcome: null,
      error: null,
    }),
  );
  if (fresh) deps.wake.webhooks();
  return { status: 200, body: { status: fresh ? 'accepted' : 'duplicate', deliveryId } };
}

/**
 * The queue worker's step: up to `limit` pending deliveries in ONE transaction — claimed (locked,
 * so a second instance takes others), mapped, imported per store through ingestBatch (an older
 * delivery than the stored state changes nothing), and marked processed with their payload
 * dropped. Returns how many it took.
 */
export async function processWebhooks(deps: ChannelDeps, limit: number): Promise<number> {
  const fetched = await fetchNamedOrders(deps, limit);
  return deps.db.transaction(async (tx) => {
    const rows = await deps.repos.webhooks.claimPending(tx, limit);
    if (rows.length === 0) return 0;
    const stores = new Map(
      (
        await deps.repos.stores.findMany(
          tx,
          rows.map((r) => r.storeId),
        )
      ).map((s) => [s.id, s]),
    );
    const marks: Array<{ id: number; outcome: string; error: string | null }> = [];
    const byStore = new Map<string, WebhookDeliveryRecord[]>();
    for (const r of rows) byStore.set(r.storeId, [...(byStore.get(r.storeId) ?? []), r]);
    for (const [storeId, deliveries] of byStore) {
      const store = stores.get(storeId);
      const connector = store ? deps.connectors(store.type) : undefined;
      if (!store || !connector || store.status === 'disconnected') {
        for (const d of deliveries) marks.push({ id: d.id, outcome: 'dropped', error: 'store disconnected' });
        continue;
      }
      const items: BatchItem[] = [];
      const owner: number[] = [];
      const cs = connectorStoreOf(deps, store);
      for (const d of deliveries) {
        try {
          let orders: JsonObject[];
          if (connector.webhook.fetch) {
            const got = fetched.get(d.id);
            // Received after this pass fetched: the next pass fetches it (the row stays pending).
            if (got === undefined) continue;
            if (got instanceof Error) {
              marks.push({ id: d.id, outcome: 'failed', error: got.message.slice(0, 1000) });
              continue;
            }
            orders = got;
            if (orders.length === 0) {
              marks.push({ id: d.id, outcome: 'ignored', error: 'the channel no longer has the order' });
              continue;
            }
          } else orders = await connector.webhook.orders(parseChannelJson(d.payload ?? ''), cs);
          for (const o of orders) {
            items.push({ index: items.length, order: connector.mapOrder(o, store) });
            owner.push(d.id);
          }
        } catch (err) {
          if (!(err instanceof OrderFormatError) && !(err instanceof SyntaxError)) throw err;
          marks.push({ id: d.id, outcome: 'rejected', error: err.message.slice(0, 1000) });
        }
      }
      const outcomes = await ingestBatch(tx, deps, ctxOf(store, deliveries[0]!), store, items, 'webhook');
      const byDelivery = new Map<number, ItemOutcome[]>();
      outcomes.forEach((o) =>
        byDelivery.set(owner[o.index]!, [...(byDelivery.get(owner[o.index]!) ?? []), o]),
      );
      for (const [id, os] of byDelivery) {
        const bad = os.find((o) => o.status === 'rejected');
        marks.push({
          id,
          outcome: bad ? 'rejected' : (os.find((o) => o.status !== 'unchanged')?.status ?? 'unchanged'),
          error: bad && bad.status === 'rejected' ? bad.reason.slice(0, 1000) : null,
        });
      }
    }
    await deps.repos.webhooks.markProcessed(tx, marks, new Date());
    return rows.length;
  }, INGEST_TX);
}

/**
 * Channels whose webhooks carry only an id (BigCommerce): the orders the pending deliveries name,
 * fetched from the channel before the queue's transaction (a network call never holds a
 * transaction open: SQLite runs one at a time, MySQL would hold the claimed rows' locks). A
 * delivery whose fetch fails is marked failed with the reason; the store's next sync reads the
 * order anyway (every store syncs at least daily).
 */
async function fetchNamedOrders(
  deps: ChannelDeps,
  limit: number,
): Promise<Map<number, JsonObject[] | Error>> {
  const out = new Map<number, JsonObject[] | Error>();
  const channels = Object.keys(CHANNEL_SPECS).filter((c) => deps.connectors(c)?.webhook.fetch);
  if (channels.length === 0) return out;
  const pending = await deps.db.transaction(async (tx) => {
    const rows = await deps.repos.webhooks.peekPending(tx, channels, limit);
    const stores = await deps.repos.stores.findMany(
      tx,
      rows.map((r) => r.storeId),
    );
    return { rows, stores: new Map(stores.map((s) => [s.id, s])) };
  });
  for (const d of pending.rows) {
    const store = pending.stores.get(d.storeId);
    const fetch = deps.connectors(d.channel)?.webhook.fetch;
    if (!store || !fetch || store.status === 'disconnected') continue;
    try {
      out.set(d.id, await fetch(parseChannelJson(d.payload ?? ''), connectorStoreOf(deps, store)));
    } catch (err) {
      if (err instanceof SyntaxError || (err as { retriable?: unknown }).retriable !== undefined)
        out.set(d.id, err as Error);
      else throw err;
    }
  }
  return out;
}

const connectorStoreOf = (deps: ChannelDeps, store: StoreRecord) => ({
  id: store.id,
  accountId: store.accountId,
  name: store.name,
  settings: store.settings ?? {},
  credentials: store.credentialsEnc ? deps.cipher.decrypt(store.id, store.credentialsEnc) : {},
});

const ctxOf = (store: StoreRecord, d: WebhookDeliveryRecord) => ({
  accountId: store.accountId,
  correlationId: `webhook:${d.deliveryId}`.slice(0, 128),
});

/** Drains the webhook queue: woken after each accepted delivery, and polling for leftovers. */
export class WebhookWorker {
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private loop: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly deps: ChannelDeps,
    private readonly opts: { pollMs: number; batchSize: number },
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.timer = setInterval(() => this.nudge(), this.opts.pollMs);
    this.nudge();
  }

  nudge(): void {
    if (!this.running) return;
    if (this.loop) {
      this.again = true;
      return;
    }
    this.loop = (async () => {
      do {
        this.again = false;
        try {
          while (this.running && (await processWebhooks(this.deps, this.opts.batchSize)) > 0) {
            /* keep draining */
          }
        } catch (err) {
          this.deps.logger.warn({ err: (err as Error).message }, 'webhook queue pass failed; it is retried');
        }
      } while (this.again && this.running);
    })().finally(() => {
      this.loop = null;
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    await this.loop;
  }
}
