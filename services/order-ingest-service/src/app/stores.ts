import type { Database } from '@crp/platform/db';
import { conflict, notFound, unprocessable } from '@crp/platform/errors';
import { newId } from '@crp/platform/ids';
import type { JsonObject, StoreRecord, StoreType } from '../domain/order';
import { checkStoreInput, syncsItself, type StoreInput } from '../domain/store-channels';
import { nextSyncAt } from '../domain/sync';
import type { ChannelDeps } from './deps';
import type { Repositories } from './ports';

export type ConnectableChannel = Exclude<StoreType, 'manual'>;

export interface CreateStoreInput extends StoreInput {
  channel: ConnectableChannel;
  name: string;
}

async function checked(
  deps: ChannelDeps,
  channel: ConnectableChannel,
  input: StoreInput,
  stored?: { credentials: Record<string, string> | null; settings: JsonObject | null },
) {
  const result = checkStoreInput(channel, input, stored);
  if (result.problems.length)
    throw unprocessable(
      'INVALID_STORE',
      `The ${channel} store cannot be saved: ${result.problems.join('; ')}`,
      result.problems,
    );
  // The merchant's own site is fetched by this service: it must not point inside our network.
  if (
    channel === 'woocommerce' &&
    !deps.sync.wooBaseUrlConfigured &&
    typeof result.settings.siteUrl === 'string'
  )
    await deps.urlGuard.assertPublic(result.settings.siteUrl, 'settings.siteUrl');
  return result;
}

export async function createStore(deps: ChannelDeps, accountId: string, input: CreateStoreInput) {
  const { credentials, settings } = await checked(deps, input.channel, input);
  const now = new Date();
  const id = newId('st');
  const row: StoreRecord = {
    id,
    accountId,
    type: input.channel,
    name: input.name.trim(),
    createdAt: now,
    settings,
    credentialsEnc: credentials ? deps.cipher.encrypt(id, credentials) : null,
    status: 'active',
    statusMessage: null,
    syncWatermark: null,
    // A connected store syncs at once, then on its interval.
    nextSyncAt: null,
    lastSyncAt: null,
    updatedAt: now,
  };
  const pulls = syncsItself(row);
  if (pulls) row.nextSyncAt = now;
  await deps.db.transaction((tx) => deps.repos.stores.insert(tx, row));
  if (pulls) deps.wake.sync();
  return storeView(row);
}

export async function updateStore(
  deps: ChannelDeps,
  accountId: string,
  storeId: string,
  input: StoreInput & { name?: string },
) {
  const store = await deps.db.transaction((tx) => deps.repos.stores.find(tx, accountId, storeId));
  if (!store || store.status === 'disconnected') throw notFound(`Store ${storeId}`);
  if (store.type === 'manual') throw conflict('The built-in manual store cannot be changed');
  const channel = store.type as ConnectableChannel;
  const before = store.credentialsEnc ? deps.cipher.decrypt(store.id, store.credentialsEnc) : null;
  const { credentials, settings } = await checked(deps, channel, input, {
    credentials: before,
    settings: store.settings,
  });
  const now = new Date();
  const credentialsChanged = input.credentials !== undefined && input.credentials !== null;
  const next: StoreRecord = {
    ...store,
    name: input.name?.trim() || store.name,
    settings,
    credentialsEnc: credentials ? deps.cipher.encrypt(store.id, credentials) : null,
    // New credentials are the answer to "needs attention": try again at once.
    ...(credentialsChanged && store.status === 'needs_attention'
      ? { status: 'active' as const, statusMessage: null, nextSyncAt: now }
      : {}),
    updatedAt: now,
  };
  // A store that gains its credentials syncs at once.
  if (syncsItself(next) && next.status === 'active' && !next.nextSyncAt) next.nextSyncAt = now;
  if (syncsItself(next) && next.status === 'active' && next.nextSyncAt)
    next.nextSyncAt = new Date(
      Math.min(next.nextSyncAt.getTime(), nextSyncAt(now, settings.syncIntervalMinutes as number).getTime()),
    );
  await deps.db.transaction((tx) => deps.repos.stores.save(tx, next));
  if (next.status === 'active') deps.wake.sync();
  return storeView(next);
}

/** DELETE: the store is disconnected (credentials dropped, no more syncs); its orders stay. */
export async function disconnectStore(deps: ChannelDeps, accountId: string, storeId: string) {
  await deps.db.transaction(async (tx) => {
    const store = await deps.repos.stores.find(tx, accountId, storeId);
    if (!store || store.status === 'disconnected') throw notFound(`Store ${storeId}`);
    if (store.type === 'manual') throw conflict('The built-in manual store cannot be disconnected');
    await deps.repos.stores.save(tx, {
      ...store,
      status: 'disconnected',
      statusMessage: null,
      credentialsEnc: null,
      nextSyncAt: null,
      updatedAt: new Date(),
    });
  });
}

export async function getStore(db: Database, repos: Repositories, accountId: string, storeId: string) {
  const store = await db.transaction((tx) => repos.stores.find(tx, accountId, storeId));
  if (!store || store.status === 'disconnected') throw notFound(`Store ${storeId}`);
  return storeView(store);
}

/** The account's stores, the built-in manual store first (disconnected ones only when asked). */
export async function listStores(
  db: Database,
  repos: Repositories,
  accountId: string,
  includeDisconnected = false,
) {
  return db.transaction(async (tx) => {
    const manual = await repos.stores.manual(tx, accountId);
    const connected = (await repos.stores.list(tx, accountId)).filter(
      (r) => r.id !== manual.id && (includeDisconnected || r.status !== 'disconnected'),
    );
    return { stores: [manual, ...connected].map(storeView) };
  });
}

/** The topics to subscribe a store's webhooks to, per channel that takes webhooks. */
const WEBHOOK_TOPICS: Partial<Record<StoreType, string[]>> = {
  shopify: ['orders/create', 'orders/updated'],
  woocommerce: ['order.created', 'order.updated'],
  bigcommerce: ['store/order/created', 'store/order/updated'],
};

/** Never the credentials: only which ones are set. */
export const storeView = (s: StoreRecord) => ({
  storeId: s.id,
  channel: s.type,
  type: s.type,
  name: s.name,
  status: s.status ?? 'active',
  statusMessage: s.statusMessage ?? null,
  settings: s.settings ?? {},
  hasCredentials: Boolean(s.credentialsEnc),
  sync: syncsItself(s)
    ? {
        watermark: s.syncWatermark?.toISOString() ?? null,
        lastSyncAt: s.lastSyncAt?.toISOString() ?? null,
        nextSyncAt: s.nextSyncAt?.toISOString() ?? null,
      }
    : null,
  webhooks: WEBHOOK_TOPICS[s.type]
    ? {
        url: `/v1/webhooks/${s.type}/${s.id}`,
        topics: WEBHOOK_TOPICS[s.type],
        ...(s.type === 'bigcommerce' ? { header: 'X-Webhook-Secret' } : {}),
      }
    : null,
  createDate: s.createdAt.toISOString(),
  modifyDate: (s.updatedAt ?? s.createdAt).toISOString(),
});
