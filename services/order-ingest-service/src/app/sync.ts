import { conflict, notFound } from '@crp/platform/errors';
import { newId } from '@crp/platform/ids';
import { ChannelAuthError } from '../domain/channel-errors';
import type { BatchItem, ItemOutcome } from '../domain/order-batch';
import { OrderFormatError } from '../domain/shipstation-order';
import type { StoreRecord } from '../domain/order';
import { CHANNEL_SPECS, syncsItself } from '../domain/store-channels';
import {
  MAX_JOB_ERRORS,
  advanceWatermark,
  countPage,
  nextSyncAt,
  syncWindow,
  type SyncJobRecord,
  type SyncTrigger,
} from '../domain/sync';
import type { ChannelDeps } from './deps';
import { INGEST_TX, ingestBatch } from './ingest-orders';
import type { ChannelConnector, ConnectorStore } from './ports';

const newJob = (store: StoreRecord, trigger: SyncTrigger, now: Date): SyncJobRecord => ({
  id: newId('sync'),
  accountId: store.accountId,
  storeId: store.id,
  trigger,
  status: 'queued',
  windowFrom: null,
  windowTo: null,
  pages: 0,
  created: 0,
  updated: 0,
  unchanged: 0,
  rejected: 0,
  errors: [],
  createdAt: now,
  startedAt: null,
  finishedAt: null,
  heartbeatAt: null,
});

/** POST /v1/stores/:id/sync: a job, queued; a store with one queued or running gets that one. */
export async function startSync(deps: ChannelDeps, accountId: string, storeId: string) {
  const result = await deps.db.transaction(async (tx) => {
    const store = await deps.repos.stores.find(tx, accountId, storeId);
    if (!store || store.status === 'disconnected') throw notFound(`Store ${storeId}`);
    if (store.type === 'manual' || !CHANNEL_SPECS[store.type].connector)
      throw conflict(`A ${store.type} store has no connector to sync from (its orders are posted to it)`);
    if (!syncsItself(store))
      throw conflict(
        `This ${store.type} store has no credentials: its orders are posted to it; set its credentials (PATCH) to sync it`,
      );
    const active = await deps.repos.syncJobs.active(tx, store.id);
    if (active) return { job: active, started: false };
    const job = newJob(store, 'manual', new Date());
    await deps.repos.syncJobs.insert(tx, job);
    return { job, started: true };
  });
  deps.wake.sync();
  return { ...jobView(result.job), alreadyRunning: !result.started };
}

/** The scheduler's tick: a job for every store that is due and has none queued or running. */
export async function enqueueDueStores(deps: ChannelDeps, now = new Date(), limit = 500): Promise<number> {
  const n = await deps.db.transaction(async (tx) => {
    const due = (await deps.repos.stores.due(tx, now, limit)).filter((s) => syncsItself(s));
    const busy = await deps.repos.syncJobs.activeStores(
      tx,
      due.map((s) => s.id),
    );
    let queued = 0;
    for (const store of due) {
      if (busy.has(store.id)) continue;
      await deps.repos.syncJobs.insert(tx, newJob(store, 'schedule', now));
      // Not due again until this job has had its chance; the job's end sets the real next time.
      await deps.repos.stores.save(tx, {
        ...store,
        nextSyncAt: nextSyncAt(now, store.settings?.syncIntervalMinutes as number | undefined),
      });
      queued++;
    }
    return queued;
  });
  if (n) deps.wake.sync();
  return n;
}

function connectorStore(deps: ChannelDeps, store: StoreRecord): ConnectorStore {
  return {
    id: store.id,
    accountId: store.accountId,
    name: store.name,
    settings: store.settings ?? {},
    credentials: store.credentialsEnc ? deps.cipher.decrypt(store.id, store.credentialsEnc) : {},
  };
}

/** The channel's orders of one page → batch items, and a rejection for each one that cannot be read. */
export function mapPage(
  connector: ChannelConnector,
  raw: ConnectorStore['settings'][],
  store: { name: string },
): { items: BatchItem[]; rejected: ItemOutcome[] } {
  const items: BatchItem[] = [];
  const rejected: ItemOutcome[] = [];
  raw.forEach((o, index) => {
    try {
      items.push({ index, order: connector.mapOrder(o, store) });
    } catch (err) {
      if (!(err instanceof OrderFormatError)) throw err;
      const n = (o as Record<string, unknown>) ?? {};
      rejected.push({
        index,
        orderNumber: String(n.name ?? n.number ?? n.orderId ?? n.AmazonOrderId ?? n.id ?? '?'),
        status: 'rejected',
        reason: err.message,
      });
    }
  });
  return { items, rejected };
}

/**
 * Runs one claimed job: the store's window, page by page in ascending updated-at. Each page is
 * ONE transaction: its orders through ingestBatch (one locked read, multi-row writes, one outbox
 * insert) and the job's counters. The last page's transaction also moves the watermark to the
 * window's end, so the watermark only moves once the whole window is committed; a job that fails
 * on the way leaves it, and the next job reads the window again (idempotent, R1.9).
 */
export async function runSyncJob(
  deps: ChannelDeps,
  claimed: SyncJobRecord,
  signal?: AbortSignal,
): Promise<SyncJobRecord> {
  const { db, repos } = deps;
  let job = claimed;
  const store = await db.transaction((tx) => repos.stores.find(tx, job.accountId, job.storeId));
  const finish = async (
    status: 'succeeded' | 'failed',
    error: string | null,
    storeChange: Partial<StoreRecord>,
  ) => {
    const now = new Date();
    job = {
      ...job,
      status,
      finishedAt: now,
      heartbeatAt: now,
      errors: error ? [...job.errors, error].slice(-MAX_JOB_ERRORS) : job.errors,
    };
    await db.transaction(async (tx) => {
      await repos.syncJobs.save(tx, job);
      const current = store ? await repos.stores.find(tx, store.accountId, store.id) : null;
      if (current && current.status !== 'disconnected')
        await repos.stores.save(tx, { ...current, ...storeChange, updatedAt: now });
    });
    return job;
  };
  if (!store || store.status === 'disconnected' || store.type === 'manual')
    return finish('failed', 'the store was disconnected', {});
  const connector = deps.connectors(store.type);
  if (!connector) return finish('failed', `no connector for ${store.type}`, {});
  const log = deps.logger.child({ storeId: store.id, jobId: job.id, channel: store.type });
  const interval = store.settings?.syncIntervalMinutes as number | undefined;
  try {
    const cs = connectorStore(deps, store);
    const now = new Date();
    const initial =
      typeof store.settings?.initialSyncFrom === 'string' ? new Date(store.settings.initialSyncFrom) : null;
    const window = syncWindow({
      watermark: store.syncWatermark,
      now: new Date(now.getTime() - (connector.windowEndLagMs ?? 0)),
      overlapMs: deps.sync.overlapMs,
      initialFrom: initial ?? new Date(now.getTime() - deps.sync.initialLookbackDays * 86_400_000),
    });
    job = { ...job, windowFrom: window.from, windowTo: window.to };
    const ctx = { accountId: store.accountId, correlationId: job.id };
    let cursor: string | null = null;
    for (;;) {
      // A shutdown ends the job between pages: what is committed stays, the watermark does not move.
      if (signal?.aborted)
        throw new Error(
          'stopped: the service shut down during the sync; the next one reads the window again',
        );
      const page = await connector.fetchPage(cs, window, cursor, signal);
      const { items, rejected } = mapPage(connector, page.orders, store);
      const last = page.next === null;
      job = await db.transaction(async (tx) => {
        const outcomes = await ingestBatch(tx, deps, ctx, store, items, 'sync');
        const at = new Date();
        const next: SyncJobRecord = {
          ...countPage(job, [...rejected, ...outcomes]),
          heartbeatAt: at,
          ...(last ? { status: 'succeeded' as const, finishedAt: at } : {}),
        };
        await repos.syncJobs.save(tx, next);
        if (last) {
          const current = (await repos.stores.find(tx, store.accountId, store.id)) ?? store;
          await repos.stores.save(tx, {
            ...current,
            syncWatermark: advanceWatermark(current.syncWatermark, window.to),
            lastSyncAt: at,
            nextSyncAt: current.status === 'disconnected' ? null : nextSyncAt(at, interval),
            ...(current.status === 'needs_attention'
              ? { status: 'active' as const, statusMessage: null }
              : {}),
            updatedAt: at,
          });
        }
        return next;
      }, INGEST_TX);
      if (last) break;
      cursor = page.next;
    }
    log.info(
      {
        pages: job.pages,
        created: job.created,
        updated: job.updated,
        unchanged: job.unchanged,
        rejected: job.rejected,
      },
      'store sync finished',
    );
    return job;
  } catch (err) {
    if (err instanceof ChannelAuthError) {
      log.warn({ status: err.status }, 'channel refused the store credentials; store needs attention');
      return finish('failed', err.message, {
        status: 'needs_attention',
        statusMessage: err.channelMessage,
        nextSyncAt: null,
      });
    }
    log.warn({ err: (err as Error).message }, 'store sync failed; the next one reads the window again');
    return finish('failed', (err as Error).message ?? String(err), {
      // Try again sooner than the interval, but not in a tight loop.
      nextSyncAt: nextSyncAt(new Date(), Math.min(interval ?? 15, 15)),
    });
  }
}

export async function getSyncJob(deps: ChannelDeps, accountId: string, storeId: string, jobId: string) {
  const job = await deps.db.transaction((tx) => deps.repos.syncJobs.get(tx, accountId, storeId, jobId));
  if (!job) throw notFound(`Sync job ${jobId}`);
  return jobView(job);
}

export async function listSyncJobs(deps: ChannelDeps, accountId: string, storeId: string, limit: number) {
  return deps.db.transaction(async (tx) => {
    const store = await deps.repos.stores.find(tx, accountId, storeId);
    if (!store) throw notFound(`Store ${storeId}`);
    return { syncs: (await deps.repos.syncJobs.list(tx, accountId, storeId, limit)).map(jobView) };
  });
}

export const jobView = (j: SyncJobRecord) => ({
  jobId: j.id,
  storeId: j.storeId,
  trigger: j.trigger,
  status: j.status,
  window: { from: j.windowFrom?.toISOString() ?? null, to: j.windowTo?.toISOString() ?? null },
  pages: j.pages,
  counts: { created: j.created, updated: j.updated, unchanged: j.unchanged, rejected: j.rejected },
  errors: j.errors,
  createDate: j.createdAt.toISOString(),
  startDate: j.startedAt?.toISOString() ?? null,
  endDate: j.finishedAt?.toISOString() ?? null,
});

/**
 * The background side of syncs: a scheduler tick that queues due stores, and up to `concurrency`
 * jobs running at once. Jobs live in the database, so a restart loses none: a job a crashed
 * worker held is failed after `staleMs` without a heartbeat and its store syncs again.
 */
export class SyncWorker {
  private running = false;
  private active = 0;
  private tickTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private readonly inflight = new Set<Promise<unknown>>();
  private draining = false;
  private again = false;
  private readonly abort = new AbortController();

  constructor(
    private readonly deps: ChannelDeps,
    private readonly opts: { concurrency: number; tickMs: number; pollMs?: number; staleMs?: number },
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    const stale = this.opts.staleMs ?? 10 * 60_000;
    void this.deps.db
      .transaction((tx) => this.deps.repos.syncJobs.failStale(tx, new Date(Date.now() - stale), new Date()))
      .catch((err: Error) => this.deps.logger.warn({ err: err.message }, 'could not fail stale sync jobs'));
    if (this.opts.tickMs > 0) {
      const tick = () => {
        void enqueueDueStores(this.deps).catch((err: Error) =>
          this.deps.logger.warn({ err: err.message }, 'sync scheduler tick failed'),
        );
      };
      tick();
      this.tickTimer = setInterval(tick, this.opts.tickMs);
    }
    this.pollTimer = setInterval(() => this.nudge(), this.opts.pollMs ?? 5000);
    this.nudge();
  }

  /** Take queued jobs now (after a commit that queued one). */
  nudge(): void {
    if (!this.running) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = true;
    const p = this.drain()
      .catch((err: Error) => this.deps.logger.warn({ err: err.message }, 'sync worker failed to claim a job'))
      .finally(() => {
        this.draining = false;
        this.inflight.delete(p);
        if (this.again) {
          this.again = false;
          this.nudge();
        }
      });
    this.inflight.add(p);
  }

  private async drain(): Promise<void> {
    while (this.running && this.active < this.opts.concurrency) {
      const job = await this.deps.db.transaction((tx) => this.deps.repos.syncJobs.claimNext(tx, new Date()));
      if (!job) return;
      this.active++;
      const p = runSyncJob(this.deps, job, this.abort.signal)
        .catch((err: Error) =>
          this.deps.logger.error({ err: err.message, jobId: job.id }, 'sync job crashed'),
        )
        .finally(() => {
          this.active--;
          this.inflight.delete(p);
          this.nudge();
        });
      this.inflight.add(p);
    }
  }

  /** Stops taking jobs and waits for the running ones (their pages commit or roll back whole). */
  async stop(): Promise<void> {
    this.running = false;
    // Ends channel waits and requests at once; a page being committed still commits whole.
    this.abort.abort(
      new Error('stopped: the service shut down during the sync; the next one reads the window again'),
    );
    if (this.tickTimer) clearInterval(this.tickTimer);
    if (this.pollTimer) clearInterval(this.pollTimer);
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }
}
