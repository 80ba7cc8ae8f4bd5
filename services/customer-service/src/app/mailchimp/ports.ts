import type { EntityManager } from 'typeorm';
import type { MemberOp } from '../../domain/mailchimp';

/** One account's Mailchimp connection (the key sealed; never returned, never logged). */
export interface MailchimpConnectionRecord {
  accountId: string;
  apiKeySealed: string;
  baseUrl: string;
  audienceId: string;
  audienceName: string | null;
  tagWithStore: boolean;
  syncNotSubscribed: 'skip' | 'transactional';
  webhookToken: string;
  lastSuccessAt: Date | null;
  lastErrorAt: Date | null;
  lastError: string | null;
  syncedCount: number;
  skippedCount: number;
  failedCount: number;
  deletedCount: number;
  webhookCount: number;
  /**
   * The backfill (every active customer with an email queued once after a connect), done in
   * batches by the sync worker: the last customer id it reached (customers are visited in id
   * order; null: not started), how many it queued, when it started and when it ended (null: running).
   */
  backfillCursor: string | null;
  backfillQueued: number;
  backfillStartedAt: Date | null;
  backfillDoneAt: Date | null;
  /**
   * The epoch of the member links this connection makes and trusts (links carry theirs): raised
   * when the audience changes, so the links to the old audience are ignored at once and deleted
   * by the cleanup (`MailchimpCleanupRecord`) in batches.
   */
  membersEpoch: number;
  createdAt: Date;
  updatedAt: Date;
}

/** A customer whose member is due to be sent; one row per customer (changes coalesce). */
export interface MailchimpQueueRecord {
  accountId: string;
  customerId: string;
  /** Changes with every enqueue: a row is removed after a sync only if no change came meanwhile. */
  token: string;
  attempts: number;
  enqueuedAt: Date;
  nextAttemptAt: Date;
}

/** The member hash last synced for a customer (to move it on an email change, delete it on erasure). */
export interface MailchimpMemberRecord {
  accountId: string;
  customerId: string;
  hash: string;
  /**
   * The hash of the record's address the member stands for. It differs from `hash` when the member
   * was moved in Mailchimp (an `upemail` webhook) while the record kept its address (store-locked,
   * R2.1): the member then stays where the person put it. `null` (links made before): `hash`.
   */
  recordHash: string | null;
  /** The `membersEpoch` of the connection that made the link; below the connection's: stale. */
  epoch: number;
  syncedAt: Date;
}

/**
 * Leftovers of a disconnect or of a change of audience, deleted by the sync worker in batches
 * (`cleanupOnce`) rather than in the request: the account's queue rows when `clearQueue` (a
 * disconnect; a reconnect meanwhile turns it off, its backfill queues everyone anyway), then its
 * member links with an epoch below `membersBelow` (a reconnect's links have `membersBelow` or more).
 */
export interface MailchimpCleanupRecord {
  accountId: string;
  clearQueue: boolean;
  membersBelow: number;
  startedAt: Date;
}

/**
 * The last disconnect of an account not connected since: kept (one row an account, replaced by the
 * next disconnect, deleted by a reconnect) so the status can show that the account is disconnected,
 * whether the worker is still deleting what the connection left, and when it ended.
 */
export interface MailchimpDisconnectionRecord {
  accountId: string;
  /** The audience the connection synced to; null for a disconnect recorded before this was kept. */
  audienceId: string | null;
  audienceName: string | null;
  disconnectedAt: Date;
  /** When the worker deleted the last of the connection's queue rows and member links; null: running. */
  cleanupDoneAt: Date | null;
}

/** What a cleanup has still to delete, counted up to a cap (then `…Capped`). */
export interface CleanupRemaining {
  /** Queue rows of the disconnected connection (0 once a reconnect keeps them, or none are left). */
  queued: number;
  queuedCapped: boolean;
  /** Member links below the cleanup's epoch. */
  links: number;
  linksCapped: boolean;
}

/** A kind of work the sync worker takes turns over the accounts for. */
export type RotationKind = 'due' | 'backfill' | 'cleanup';

/** Where the worker's turn over the accounts stands for one kind: the last account served. */
export interface MailchimpRotationRecord {
  kind: RotationKind;
  /** '' : from the first account. */
  afterAccount: string;
  updatedAt: Date | null;
}

/** The queue of one account as the status shows it: counts exact up to a cap, else `capped`. */
export interface Backlog {
  pending: number;
  pendingCapped: boolean;
  retrying: number;
  retryingCapped: boolean;
  oldest: Date | null;
}

/** One backfill batch: the customers it went through (in id order) and how many of them it queued. */
export interface BackfillBatch {
  /** The last customer id the batch reached, null when there was none left. */
  last: string | null;
  /** Customers of the account read (active ones, whether or not they have an email). */
  scanned: number;
  queued: number;
}

export interface SyncCounts {
  synced: number;
  skipped: number;
  failed: number;
  deleted: number;
}

/** Storage of the Mailchimp adapter (src/infra/db/mailchimp-repository.ts). */
export interface MailchimpStore {
  /** `lock`: the row is locked until the transaction ends (MySQL FOR UPDATE; SQLite runs one at a time). */
  connection(
    tx: EntityManager,
    accountId: string,
    opts?: { lock?: boolean },
  ): Promise<MailchimpConnectionRecord | null>;
  connections(tx: EntityManager, accountIds: string[]): Promise<MailchimpConnectionRecord[]>;
  connectionByToken(tx: EntityManager, token: string): Promise<MailchimpConnectionRecord | null>;
  saveConnection(tx: EntityManager, row: MailchimpConnectionRecord): Promise<void>;
  deleteConnection(tx: EntityManager, accountId: string): Promise<void>;
  /**
   * Connected accounts with queue rows due at `now`, in id order after `after` (the worker's
   * rotating cursor): one probe of ix_mailchimp_queue_due per connection, whatever the queue holds.
   */
  dueAccounts(tx: EntityManager, now: Date, limit: number, after: string): Promise<string[]>;
  /** The due rows of one account, the longest due first (by next attempt, then customer id). */
  dueRows(tx: EntityManager, accountId: string, now: Date, limit: number): Promise<MailchimpQueueRecord[]>;
  /** Pending and retrying counted up to `cap` (then `…Capped`), the oldest enqueue time. */
  backlog(tx: EntityManager, accountId: string, cap: number): Promise<Backlog>;
  /** Adds or refreshes queue rows (a customer already queued keeps one row, with the new token). */
  enqueue(tx: EntityManager, rows: MailchimpQueueRecord[]): Promise<void>;
  /** Removes the rows whose token is still the one read (a newer change keeps its row). */
  dequeue(
    tx: EntityManager,
    rows: Array<Pick<MailchimpQueueRecord, 'accountId' | 'customerId' | 'token'>>,
  ): Promise<void>;
  reschedule(tx: EntityManager, rows: MailchimpQueueRecord[]): Promise<void>;
  /** Deletes up to `limit` queue rows of the account (one short statement); returns how many. */
  clearQueueBatch(tx: EntityManager, accountId: string, limit: number): Promise<number>;
  /** Accounts whose backfill is still running (`backfill_done_at` null), in id order after `after`. */
  backfillsRunning(tx: EntityManager, limit: number, after: string): Promise<string[]>;
  cleanup(
    tx: EntityManager,
    accountId: string,
    opts?: { lock?: boolean },
  ): Promise<MailchimpCleanupRecord | null>;
  saveCleanup(tx: EntityManager, row: MailchimpCleanupRecord): Promise<void>;
  deleteCleanup(tx: EntityManager, accountId: string): Promise<void>;
  /**
   * The rows a cleanup has left to delete, each counted up to `cap` + 1 entries of an index (the
   * queue's primary key, ix_mailchimp_members_epoch), whatever the account holds.
   */
  cleanupRemaining(
    tx: EntityManager,
    cleanup: MailchimpCleanupRecord,
    cap: number,
  ): Promise<CleanupRemaining>;
  disconnection(tx: EntityManager, accountId: string): Promise<MailchimpDisconnectionRecord | null>;
  saveDisconnection(tx: EntityManager, row: MailchimpDisconnectionRecord): Promise<void>;
  deleteDisconnection(tx: EntityManager, accountId: string): Promise<void>;
  /**
   * The last account the worker served for this kind of work ('' : none), shared by every instance
   * and kept across restarts; `lock`: until the transaction ends (MySQL FOR UPDATE).
   */
  rotation(tx: EntityManager, kind: RotationKind, opts?: { lock?: boolean }): Promise<string>;
  saveRotation(tx: EntityManager, kind: RotationKind, afterAccount: string, at: Date): Promise<void>;
  /** Marks the account's disconnect (if it has one) cleaned up at `at`. */
  disconnectionCleaned(tx: EntityManager, accountId: string, at: Date): Promise<void>;
  /** Accounts with a cleanup pending, in id order after `after`. */
  cleanupsPending(tx: EntityManager, limit: number, after: string): Promise<string[]>;
  /**
   * Deletes up to `limit` member links of the account with an epoch below `below`; returns how many
   * it found (fewer than `limit`: none left).
   */
  deleteStaleMembers(tx: EntityManager, accountId: string, below: number, limit: number): Promise<number>;
  /**
   * Queues the account's next `limit` active customers after `after` (id order) that have an email
   * and are not erased, with one INSERT … SELECT; a customer already queued keeps its row (the new
   * token, due now).
   */
  backfillBatch(
    tx: EntityManager,
    accountId: string,
    after: string | null,
    limit: number,
    token: string,
    now: Date,
  ): Promise<BackfillBatch>;
  /** Records a backfill batch: the cursor, the customers queued so far, and the end when it is done. */
  saveBackfill(
    tx: EntityManager,
    accountId: string,
    progress: { cursor: string | null; queued: number; doneAt: Date | null },
  ): Promise<void>;
  members(tx: EntityManager, accountId: string, customerIds: string[]): Promise<MailchimpMemberRecord[]>;
  saveMembers(tx: EntityManager, rows: MailchimpMemberRecord[]): Promise<void>;
  deleteMembers(tx: EntityManager, accountId: string, customerIds: string[]): Promise<void>;
  recordOutcome(
    tx: EntityManager,
    accountId: string,
    counts: SyncCounts,
    at: Date,
    error: string | null,
  ): Promise<void>;
  countWebhook(tx: EntityManager, accountId: string): Promise<void>;
}

/** Mailchimp refused the call (a 4xx other than 429): not worth retrying as it is. */
export class MailchimpRefused extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(`Mailchimp answered ${status}: ${detail}`);
  }
}

/** Mailchimp could not be reached or kept failing (5xx, 429, network) after the client's retries. */
export class MailchimpUnavailable extends Error {}

export interface MailchimpAccess {
  baseUrl: string;
  apiKey: string;
}

/** Marketing API v3, as the sync uses it (src/infra/mailchimp/client.ts). */
export interface MailchimpApi {
  /** The audience's name, or MailchimpRefused with Mailchimp's reason (wrong key, unknown audience). */
  checkAudience(access: MailchimpAccess, audienceId: string): Promise<{ name: string }>;
  /** Applies the ops of one member in order; throws MailchimpRefused / MailchimpUnavailable. */
  apply(access: MailchimpAccess, audienceId: string, ops: MemberOp[]): Promise<void>;
  /**
   * Many members' ops in one batch operation (POST /3.0/batches), waited for, then its results
   * archive read when operations failed: the failed ones per member (`id`), or `failures: null`
   * when the archive could not be read. A refused move is answered as `apply` does (the old member
   * archived), a delete of a member already gone is no failure.
   */
  applyBatch(
    access: MailchimpAccess,
    audienceId: string,
    members: Array<{ id: string; ops: MemberOp[] }>,
  ): Promise<BatchOutcome>;
}

/** A failed operation of a batch: Mailchimp's status and reason. */
export interface BatchFailure {
  status: number;
  detail: string;
}

export interface BatchOutcome {
  total: number;
  /** Operations Mailchimp reports as errored. */
  failed: number;
  /** Member id → its failure (a retryable one — 429, 5xx — wins over a refusal); null: unreadable. */
  failures: Map<string, BatchFailure> | null;
  /** Why `failures` is null. */
  unreadable?: string;
}

/** Seals secrets at rest (AES-256-GCM; the account id is bound to the sealed value). */
export interface SecretCipher {
  seal(accountId: string, secret: string): string;
  open(accountId: string, sealed: string): string;
}
