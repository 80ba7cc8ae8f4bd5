import { createHash } from 'node:crypto';
import type { Address } from '@crp/contracts/common';
import type { ConsentRecord } from './consent';

/** What an account chose when it connected Mailchimp. */
export interface MailchimpSettings {
  audienceId: string;
  /** Tag each member with the names of the stores the customer bought in. */
  tagWithStore: boolean;
  /** A customer whose email consent is `not_subscribed`: not sent (`skip`) or sent as `transactional`. */
  syncNotSubscribed: 'skip' | 'transactional';
}

export const SYNC_NOT_SUBSCRIBED = ['skip', 'transactional'] as const;

/** Mailchimp's member id: the MD5 of the lower-cased email address. */
export function subscriberHash(email: string): string {
  return createHash('md5').update(email.trim().toLowerCase(), 'utf8').digest('hex');
}

/** The data-center suffix of a Mailchimp API key (`…-us21` → `us21`), or null. */
export function dataCenterOf(apiKey: string): string | null {
  const m = /-([a-z]{2,4}\d{1,3})$/.exec(apiKey.trim());
  return m ? m[1]! : null;
}

/** What the sync needs of a customer (read from its record when the queue is drained). */
export interface MemberSource {
  customerId: string;
  status: string;
  erased: boolean;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
  shippingAddress: Address | null;
  emailConsent: ConsentRecord | undefined;
  storeNames: string[];
}

export type MemberStatus = 'subscribed' | 'unsubscribed' | 'transactional';

/** One call's worth of intent; the client turns it into HTTP. */
export type MemberOp =
  | {
      kind: 'upsert';
      hash: string;
      body: {
        email_address: string;
        status_if_new: MemberStatus;
        /** Only set when the status must change on an existing member too (an unsubscribe). */
        status?: MemberStatus;
        merge_fields: Record<string, unknown>;
      };
      tags: string[];
    }
  | {
      /** A member that stays under another address than the record's (moved in Mailchimp): PATCH. */
      kind: 'update';
      hash: string;
      body: { status?: MemberStatus; merge_fields: Record<string, unknown> };
      tags: string[];
    }
  | { kind: 'move'; fromHash: string; toEmail: string }
  | { kind: 'archive'; hash: string }
  | { kind: 'delete-permanent'; hash: string };

export interface MemberPlan {
  ops: MemberOp[];
  /** The member hash the customer now has in the audience (null: none). */
  hash: string | null;
  /** Why nothing is sent, for the status counts (`not_subscribed`, `no_email`, …). */
  skipped: string | null;
}

/**
 * The one decision of the sync, over plain data: what to send Mailchimp for one customer, given
 * the member hash last synced for it (`known`).
 * - `subscribed` only when the email consent is `subscribed` (as status_if_new: a member who left
 *   in Mailchimp is never re-subscribed by us).
 * - `unsubscribed` consent sets the member unsubscribed, new or existing.
 * - `not_subscribed` (or no consent recorded) follows `syncNotSubscribed`: skipped, or sent as
 *   `transactional` (receives transactional mail, never campaigns).
 * - An email change moves the member (its old address is changed to the new one), never a second member.
 * - A member moved in Mailchimp (`upemail`) while the record kept its address (`knownFor`, the
 *   hash of the record address the member stands for, is the record's current one): updated where
 *   it is (PATCH), neither moved back nor re-created under the record's address. When the record's
 *   address changes later, the member is moved to it as usual.
 * - An erased record's member is permanently deleted (R2.10); a deleted record's is archived; an
 *   archived record's is left as it is.
 */
export function planMember(
  c: MemberSource | null,
  known: string | null,
  s: MailchimpSettings,
  knownFor: string | null = known,
): MemberPlan {
  if (!c || c.erased) {
    return known
      ? { ops: [{ kind: 'delete-permanent', hash: known }], hash: null, skipped: null }
      : { ops: [], hash: null, skipped: 'erased' };
  }
  if (c.status === 'deleted') {
    // Archived, not deleted permanently: Mailchimp never lets a permanently deleted address back
    // in, and the same person may buy again (a new record, R2.6).
    return known
      ? { ops: [{ kind: 'archive', hash: known }], hash: null, skipped: null }
      : { ops: [], hash: null, skipped: 'deleted' };
  }
  if (c.status === 'archived') return { ops: [], hash: known, skipped: 'archived' };
  if (c.status === 'merged') {
    // The survivor carries the person on; a merged record's own address stays only if it is the survivor's.
    return { ops: [], hash: known, skipped: 'merged' };
  }
  if (!c.email) return { ops: [], hash: known, skipped: 'no_email' };
  const hash = subscriberHash(c.email);
  const state = c.emailConsent?.state ?? 'not_subscribed';
  let statusIfNew: MemberStatus;
  let status: MemberStatus | undefined;
  if (state === 'subscribed') statusIfNew = 'subscribed';
  else if (state === 'unsubscribed') statusIfNew = status = 'unsubscribed';
  else if (s.syncNotSubscribed === 'transactional') statusIfNew = 'transactional';
  else {
    // Not sent; a member this customer already has under an older address is left as it is.
    return { ops: [], hash: known, skipped: 'not_subscribed' };
  }
  const tags = s.tagWithStore ? [...new Set(c.storeNames)].sort() : [];
  if (known && known !== hash && knownFor === hash) {
    const body = { ...(status ? { status } : {}), merge_fields: mergeFields(c) };
    return { ops: [{ kind: 'update', hash: known, body, tags }], hash: known, skipped: null };
  }
  const ops: MemberOp[] = [];
  if (known && known !== hash) ops.push({ kind: 'move', fromHash: known, toEmail: c.email });
  ops.push({
    kind: 'upsert',
    hash,
    body: {
      email_address: c.email,
      status_if_new: statusIfNew,
      ...(status ? { status } : {}),
      merge_fields: mergeFields(c),
    },
    tags,
  });
  return { ops, hash, skipped: null };
}

/** FNAME, LNAME, PHONE, ADDRESS (only complete enough for Mailchimp's address field). */
export function mergeFields(c: MemberSource): Record<string, unknown> {
  const f: Record<string, unknown> = {};
  if (c.firstName) f.FNAME = c.firstName;
  if (c.lastName) f.LNAME = c.lastName;
  if (c.phone) f.PHONE = c.phone;
  const a = c.shippingAddress;
  if (a?.street1 && a.city && a.postalCode) {
    f.ADDRESS = {
      addr1: a.street1,
      addr2: a.street2 ?? '',
      city: a.city,
      state: a.state ?? '',
      zip: a.postalCode,
      country: a.country ?? '',
    };
  }
  return f;
}

/** A Mailchimp webhook call, as the form it posts (application/x-www-form-urlencoded). */
export type WebhookEvent =
  | { type: 'unsubscribe' | 'cleaned'; email: string; listId: string | null; firedAt: string }
  | { type: 'upemail'; oldEmail: string; newEmail: string; listId: string | null; firedAt: string }
  | { type: 'profile' | 'subscribe' | 'other'; email: string | null; listId: string | null; firedAt: string };

/** Mailchimp's `fired_at` is `YYYY-MM-DD HH:MM:SS` (UTC); anything else: now. */
export function parseWebhook(form: URLSearchParams, now: Date): WebhookEvent {
  const raw = form.get('fired_at');
  const parsed =
    raw && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(raw) ? new Date(`${raw.replace(' ', 'T')}Z`) : null;
  // A time in the future (clock skew) is clamped to now: it must not outrank later changes.
  const at = parsed && !Number.isNaN(parsed.getTime()) && parsed <= now ? parsed : now;
  const firedAt = at.toISOString();
  const listId = form.get('data[list_id]');
  const type = form.get('type') ?? '';
  if (type === 'unsubscribe' || type === 'cleaned') {
    return { type, email: form.get('data[email]') ?? '', listId, firedAt };
  }
  if (type === 'upemail') {
    return {
      type,
      oldEmail: form.get('data[old_email]') ?? '',
      newEmail: form.get('data[new_email]') ?? '',
      listId,
      firedAt,
    };
  }
  return {
    type: type === 'profile' || type === 'subscribe' ? type : 'other',
    email: form.get('data[email]'),
    listId,
    firedAt,
  };
}
