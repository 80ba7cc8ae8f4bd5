import type { ItemOutcome } from './order-batch';

export type SyncTrigger = 'manual' | 'schedule';
export type SyncStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface SyncCounts {
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

/** One sync of one store: a window of the channel's updated-at, read in pages. */
export interface SyncJobRecord extends SyncCounts {
  id: string;
  accountId: string;
  storeId: string;
  trigger: SyncTrigger;
  status: SyncStatus;
  windowFrom: Date | null;
  windowTo: Date | null;
  pages: number;
  /** Readable problems: rejected orders (first ones), the error that ended the job. */
  errors: string[];
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  heartbeatAt: Date | null;
}

/** A webhook as received: stored (committed) before the 2xx, processed from this queue. */
export interface WebhookDeliveryRecord {
  id: number;
  accountId: string;
  storeId: string;
  channel: string;
  deliveryId: string;
  topic: string;
  /** The raw body; emptied once processed (it holds personal data). */
  payload: string | null;
  receivedAt: Date;
  processedAt: Date | null;
  outcome: string | null;
  error: string | null;
}

export const MAX_JOB_ERRORS = 50;

/**
 * The window a sync reads: from the watermark minus an overlap (a channel's clock, caches and
 * replication make an order changed just before the last window's end show up late), else a first
 * look-back; up to now. Dates are UTC instants throughout.
 */
export function syncWindow(input: {
  watermark: Date | null;
  now: Date;
  overlapMs: number;
  initialFrom: Date;
}): { from: Date; to: Date } {
  const from = input.watermark ? new Date(input.watermark.getTime() - input.overlapMs) : input.initialFrom;
  return { from: from.getTime() < input.now.getTime() ? from : input.now, to: input.now };
}

/**
 * The watermark moves to the end of a window only once every page of it is committed; a job
 * that fails leaves it where it was, so the next one reads the whole window again (re-reading is
 * harmless: imports are idempotent, R1.9). It never moves backwards.
 */
export function advanceWatermark(current: Date | null, windowTo: Date): Date {
  return current && current.getTime() > windowTo.getTime() ? current : windowTo;
}

/** Every store syncs at least daily, even with webhooks on: every channel loses webhooks. */
export const MAX_SYNC_INTERVAL_MINUTES = 24 * 60;
export const DEFAULT_SYNC_INTERVAL_MINUTES = 15;

export function nextSyncAt(from: Date, intervalMinutes: number | null | undefined): Date {
  const minutes = Math.min(
    MAX_SYNC_INTERVAL_MINUTES,
    Math.max(1, intervalMinutes ?? DEFAULT_SYNC_INTERVAL_MINUTES),
  );
  return new Date(from.getTime() + minutes * 60_000);
}

/** Adds one page's outcomes to the job's counts and keeps the first rejections' reasons. */
export function countPage(job: SyncJobRecord, outcomes: ItemOutcome[]): SyncJobRecord {
  const next = { ...job, pages: job.pages + 1, errors: [...job.errors] };
  for (const o of outcomes) {
    next[o.status] += 1;
    if (o.status === 'rejected' && next.errors.length < MAX_JOB_ERRORS)
      next.errors.push(`order ${o.orderNumber ?? '?'}: ${o.reason}`);
  }
  return next;
}
