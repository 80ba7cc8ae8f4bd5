import { randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Database } from '@crp/platform/db';
import { unavailable, unprocessable } from '@crp/platform/errors';
import { dataCenterOf } from '../../domain/mailchimp';
import {
  MailchimpRefused,
  type CleanupRemaining,
  type MailchimpApi,
  type MailchimpCleanupRecord,
  type MailchimpConnectionRecord,
  type MailchimpStore,
  type SecretCipher,
} from './ports';

export interface ConnectionDeps {
  db: Database;
  store: MailchimpStore;
  api: MailchimpApi;
  cipher: SecretCipher;
  /** MAILCHIMP_BASE_URL: when set, every account talks to it (tests, a proxy); else the key's data center. */
  baseUrl?: string;
  now?: () => Date;
}

export interface ConnectInput {
  apiKey: string;
  audienceId: string;
  tagWithStore?: boolean;
  syncNotSubscribed?: 'skip' | 'transactional';
}

/** The base URL for a key: configuration, else `https://<dc>.api.mailchimp.com`; null if neither. */
export function baseUrlFor(apiKey: string, configured: string | undefined): string | null {
  if (configured) return configured.replace(/\/$/, '');
  const dc = dataCenterOf(apiKey);
  return dc ? `https://${dc}.api.mailchimp.com` : null;
}

/**
 * The status counts the queue up to this many rows; past it `pending`/`retrying` say "at least"
 * (`…Relation: 'gte'`). Counting every queued row of an account took 0.3 s a request at 1,000,000.
 */
export const BACKLOG_CAP = 10_000;

/**
 * Connects (or reconnects) an account: the key and audience are checked with Mailchimp first (a
 * refusal is 422 with Mailchimp's reason), the key sealed, and the backfill started: every active
 * customer with an email is queued once, in batches, by the sync worker (src/app/mailchimp/sync.ts,
 * `backfillOnce`), which a large account sends through Mailchimp's batches. The request itself
 * writes one row, whatever the account's size. Reconnecting keeps the webhook token and the counts,
 * and starts the backfill again from the first customer; to another audience, it raises the
 * connection's member epoch and leaves the old links to the worker's cleanup (`cleanupOnce`).
 */
export async function connectMailchimp(deps: ConnectionDeps, accountId: string, input: ConnectInput) {
  const now = (deps.now ?? (() => new Date()))();
  const baseUrl = baseUrlFor(input.apiKey, deps.baseUrl);
  if (!baseUrl)
    throw unprocessable(
      'MAILCHIMP_KEY_REFUSED',
      'This is not a Mailchimp API key: it must end with its data center, e.g. "…-us21"',
    );
  let audienceName: string;
  try {
    audienceName = (await deps.api.checkAudience({ baseUrl, apiKey: input.apiKey }, input.audienceId)).name;
  } catch (err) {
    if (err instanceof MailchimpRefused)
      throw unprocessable(
        err.status === 404 ? 'MAILCHIMP_AUDIENCE_NOT_FOUND' : 'MAILCHIMP_KEY_REFUSED',
        `Mailchimp refused the connection (${err.status}): ${err.detail}`,
      );
    throw unavailable(`Mailchimp could not be reached to check the key: ${(err as Error).message}`);
  }
  return deps.db.transaction(async (tx) => {
    // Locked (MySQL): a cleanup batch of the worker and this request take turns.
    const have = await deps.store.connection(tx, accountId, { lock: true });
    const pending = await deps.store.cleanup(tx, accountId, { lock: true });
    let membersEpoch = Math.max(have?.membersEpoch ?? 0, pending?.membersBelow ?? 0);
    let cleanup: MailchimpCleanupRecord | null = pending
      ? // A reconnect keeps the queue rows a disconnect left (its backfill queues everyone anyway).
        { ...pending, clearQueue: false }
      : null;
    if (have && have.audienceId !== input.audienceId) {
      // Another audience: the links remembered belong to the old one. They are ignored from now
      // on (their epoch is below the connection's) and deleted by the worker in batches.
      membersEpoch += 1;
      cleanup = {
        accountId,
        clearQueue: false,
        membersBelow: membersEpoch,
        startedAt: pending?.startedAt ?? now,
      };
    }
    const row: MailchimpConnectionRecord = {
      accountId,
      apiKeySealed: deps.cipher.seal(accountId, input.apiKey),
      baseUrl,
      audienceId: input.audienceId,
      audienceName: audienceName || null,
      tagWithStore: input.tagWithStore ?? true,
      syncNotSubscribed: input.syncNotSubscribed ?? 'skip',
      webhookToken: have?.webhookToken ?? randomBytes(24).toString('base64url'),
      lastSuccessAt: have?.lastSuccessAt ?? null,
      lastErrorAt: have?.lastErrorAt ?? null,
      lastError: have?.lastError ?? null,
      syncedCount: have?.syncedCount ?? 0,
      skippedCount: have?.skippedCount ?? 0,
      failedCount: have?.failedCount ?? 0,
      deletedCount: have?.deletedCount ?? 0,
      webhookCount: have?.webhookCount ?? 0,
      backfillCursor: null,
      backfillQueued: 0,
      backfillStartedAt: now,
      backfillDoneAt: null,
      membersEpoch,
      createdAt: have?.createdAt ?? now,
      updatedAt: now,
    };
    await deps.store.saveConnection(tx, row);
    if (cleanup) await deps.store.saveCleanup(tx, cleanup);
    if (!have) await deps.store.deleteDisconnection(tx, accountId);
    return {
      connected: true as const,
      connection: row,
      backlog: await deps.store.backlog(tx, accountId, BACKLOG_CAP),
      cleanup: await cleanupStatus(deps.store, tx, cleanup),
    };
  });
}

/** A pending cleanup with what it has left to delete (counted up to BACKLOG_CAP), or null. */
async function cleanupStatus(
  store: MailchimpStore,
  tx: EntityManager,
  cleanup: MailchimpCleanupRecord | null,
): Promise<CleanupStatus | null> {
  return cleanup ? { ...cleanup, remaining: await store.cleanupRemaining(tx, cleanup, BACKLOG_CAP) } : null;
}

export type CleanupStatus = MailchimpCleanupRecord & { remaining: CleanupRemaining };

/**
 * The status: the connection with its backlog and any pending cleanup; or, for an account
 * disconnected and not connected since, that disconnect with the cleanup of what it left (the
 * worker deletes it after the answer: a merchant follows it here, and sees when it ended); null
 * when the account never connected (or disconnected before disconnects were kept, cleaned up).
 */
export async function mailchimpStatus(deps: Pick<ConnectionDeps, 'db' | 'store'>, accountId: string) {
  return deps.db.transaction(async (tx) => {
    const connection = await deps.store.connection(tx, accountId);
    if (connection)
      return {
        connected: true as const,
        connection,
        backlog: await deps.store.backlog(tx, accountId, BACKLOG_CAP),
        cleanup: await cleanupStatus(deps.store, tx, await deps.store.cleanup(tx, accountId)),
      };
    const disconnection = await deps.store.disconnection(tx, accountId);
    if (!disconnection) return null;
    return {
      connected: false as const,
      disconnection,
      cleanup: await cleanupStatus(deps.store, tx, await deps.store.cleanup(tx, accountId)),
    };
  });
}

/**
 * Disconnects: the connection row goes (the sync, the webhook and the queueing consumer stop for
 * the account at once), the disconnect and a cleanup are recorded; the account's queue rows and
 * member links are deleted by the sync worker in batches (`cleanupOnce`), not in the request: five
 * statements by primary key, whatever the account's size. Before, the request deleted them all (940,000 queue
 * rows: 3.5 s).
 */
export async function disconnectMailchimp(
  deps: Pick<ConnectionDeps, 'db' | 'store' | 'now'>,
  accountId: string,
) {
  const now = (deps.now ?? (() => new Date()))();
  return deps.db.transaction(async (tx) => {
    const have = await deps.store.connection(tx, accountId, { lock: true });
    if (!have) return false;
    const pending = await deps.store.cleanup(tx, accountId, { lock: true });
    await deps.store.deleteConnection(tx, accountId);
    await deps.store.saveDisconnection(tx, {
      accountId,
      audienceId: have.audienceId,
      audienceName: have.audienceName,
      disconnectedAt: now,
      cleanupDoneAt: null,
    });
    await deps.store.saveCleanup(tx, {
      accountId,
      clearQueue: true,
      membersBelow: Math.max(have.membersEpoch, pending?.membersBelow ?? 0) + 1,
      startedAt: pending?.startedAt ?? now,
    });
    return true;
  });
}
