import type { EntityManager } from 'typeorm';
import type { Database } from '@crp/platform/db';
import { TEXT_LIMITS } from '@crp/contracts/limits';
import { notFound } from '@crp/platform/errors';
import { newId } from '@crp/platform/ids';
import type { Outbox } from '@crp/messaging/outbox';
import { withHistory, type ConsentRecord } from '../../domain/consent';
import { parseWebhook, subscriberHash, type WebhookEvent } from '../../domain/mailchimp';
import { oldestFirst } from '../../domain/matching';
import { isEmail, matchableEmail, normalizeEmail } from '../../domain/normalize';
import type { CustomerChangeRecord, CustomerRecord } from '../../domain/records';
import { customerUpserted } from '../customer-events';
import type { CustomerRepository } from '../ports';
import type { MailchimpConnectionRecord, MailchimpMemberRecord, MailchimpStore } from './ports';

export interface WebhookDeps {
  db: Database;
  repo: CustomerRepository;
  store: MailchimpStore;
  outbox: Outbox;
  now?: () => Date;
}

/** Who acted, in the change log (`customer_changes.actor`) of a change the webhook made. */
export const WEBHOOK_ACTOR = 'mailchimp-webhook';

/** Whether the token names a connection (Mailchimp's GET check when the webhook is added). */
export async function webhookKnown(deps: Pick<WebhookDeps, 'db' | 'store'>, token: string): Promise<boolean> {
  return deps.db.transaction(async (tx) => (await deps.store.connectionByToken(tx, token)) !== null);
}

interface Applied {
  changed: CustomerRecord[];
  log: CustomerChangeRecord[];
}

/**
 * Mailchimp's webhook, in one transaction per call:
 * - `unsubscribe` and `cleaned` (R2.9 from Mailchimp's side; `cleaned`: the address bounced) make
 *   the email consent of every active record with that address `unsubscribed`, source
 *   `mailchimp`, at the time Mailchimp fired it — unless the record already says so, or holds a
 *   newer change. Orders never overturn it (consentFromOrder).
 * - `upemail` (the member's address was changed in Mailchimp): see applyEmailChange.
 * - `profile`, `subscribe` and others are acknowledged and counted (docs/mailchimp.md says why).
 * Each changed record gets its change-log row (source `mailchimp`) and is published
 * (CustomerUpserted), which queues it for the sync again.
 */
export async function handleWebhook(
  deps: WebhookDeps,
  token: string,
  rawBody: Buffer,
  correlationId: string,
) {
  const now = (deps.now ?? (() => new Date()))();
  const event = parseWebhook(new URLSearchParams(rawBody.toString('utf8')), now);
  return deps.db.transaction(async (tx) => {
    const conn = await deps.store.connectionByToken(tx, token);
    if (!conn) throw notFound('Mailchimp webhook');
    await deps.store.countWebhook(tx, conn.accountId);
    if (event.listId && event.listId !== conn.audienceId) return { applied: 0, type: event.type };
    let applied: Applied;
    if (event.type === 'unsubscribe' || event.type === 'cleaned')
      applied = await applyUnsubscribe(deps, tx, conn, event, now);
    else if (event.type === 'upemail') applied = await applyEmailChange(deps, tx, conn, event, now);
    else return { applied: 0, type: event.type };
    const { changed, log } = applied;
    if (changed.length === 0) return { applied: 0, type: event.type };
    await deps.repo.updateCustomers(tx, changed);
    await deps.repo.insertChanges(tx, log);
    const identities = await deps.repo.identitiesOf(
      tx,
      changed.map((c) => ({ accountId: c.accountId, customerId: c.id })),
    );
    await deps.outbox.addMany(
      tx,
      changed.map((c) =>
        customerUpserted(
          { accountId: c.accountId, correlationId },
          c,
          identities.filter((i) => i.customerId === c.id),
          'edit',
          false,
          null,
        ),
      ),
    );
    return { applied: changed.length, type: event.type };
  });
}

const changeRow = (
  c: CustomerRecord,
  at: Date,
  changes: CustomerChangeRecord['changes'],
): CustomerChangeRecord => ({
  id: newId('chg'),
  accountId: c.accountId,
  customerId: c.id,
  at,
  actor: WEBHOOK_ACTOR,
  source: 'mailchimp',
  kind: 'edit',
  changes,
});

async function applyUnsubscribe(
  deps: WebhookDeps,
  tx: EntityManager,
  conn: MailchimpConnectionRecord,
  event: Extract<WebhookEvent, { type: 'unsubscribe' | 'cleaned' }>,
  now: Date,
): Promise<Applied> {
  const email = normalizeEmail(event.email);
  if (!email) return { changed: [], log: [] };
  const found = await deps.repo.activeCustomersByKey(
    tx,
    'email',
    [{ accountId: conn.accountId, value: email }],
    {
      lock: true,
    },
  );
  const changed: CustomerRecord[] = [];
  const log: CustomerChangeRecord[] = [];
  for (const c of found) {
    const have = c.consent.email;
    if (have?.state === 'unsubscribed') continue;
    if (have?.changedAt && Date.parse(have.changedAt) > Date.parse(event.firedAt)) continue;
    const kept: ConsentRecord = {
      state: 'unsubscribed',
      changedAt: event.firedAt,
      source: 'mailchimp',
      storeId: null,
    };
    changed.push({
      ...c,
      consent: { ...c.consent, email: kept },
      consentHistory: withHistory(c.consentHistory, [{ channel: 'email', ...kept }]),
      version: c.version + 1,
      updatedAt: now,
    });
    log.push(changeRow(c, now, [{ field: 'marketingConsent.email', from: have ?? null, to: kept }]));
  }
  return { changed, log };
}

/**
 * `upemail`: the person (or the merchant, in Mailchimp) changed the member's address from
 * `old_email` to `new_email`; Mailchimp's member now lives under the new address. For every
 * active record of the account holding the old address:
 * - its email follows (source `mailchimp`, at the time Mailchimp fired it) when the field is
 *   editable (R2.2): not written by a store (R2.1, a locked field changes only with a newer order
 *   from its store) and not written after the webhook fired;
 * - otherwise the record keeps its address, and only the member link follows: the sync then keeps
 *   updating the member where the person put it, and moves it only when the record's own address
 *   changes (domain/mailchimp.ts, planMember).
 * Either way the member link (`mailchimp_members`) points at the new address, so the sync never
 * re-creates a member under the old one. Consent is the person's, not the address's: unchanged.
 */
async function applyEmailChange(
  deps: WebhookDeps,
  tx: EntityManager,
  conn: MailchimpConnectionRecord,
  event: Extract<WebhookEvent, { type: 'upemail' }>,
  now: Date,
): Promise<Applied> {
  const oldEmail = normalizeEmail(event.oldEmail);
  const newAddress = event.newEmail.trim();
  // An address the record could not hold (longer than any email column) is not applied.
  if (
    !oldEmail ||
    !isEmail(newAddress) ||
    newAddress.length > TEXT_LIMITS.email ||
    normalizeEmail(newAddress) === oldEmail
  )
    return { changed: [], log: [] };
  const found = await deps.repo.activeCustomersByKey(
    tx,
    'email',
    [{ accountId: conn.accountId, value: oldEmail }],
    { lock: true },
  );
  if (found.length === 0) return { changed: [], log: [] };
  const newHash = subscriberHash(newAddress);
  const changed: CustomerRecord[] = [];
  const log: CustomerChangeRecord[] = [];
  const links: MailchimpMemberRecord[] = [];
  for (const c of found) {
    const owner = c.fieldSources.email;
    const editable =
      owner?.source !== 'store' && !(owner?.at && Date.parse(owner.at) > Date.parse(event.firedAt));
    if (!editable) {
      links.push({
        accountId: c.accountId,
        customerId: c.id,
        hash: newHash,
        recordHash: c.email ? subscriberHash(c.email) : null,
        epoch: conn.membersEpoch,
        syncedAt: now,
      });
      continue;
    }
    const stamp = { source: 'mailchimp' as const, storeId: null, storeName: null, at: event.firedAt };
    changed.push({
      ...c,
      email: newAddress,
      emailNormalized: matchableEmail(newAddress),
      fieldSources: { ...c.fieldSources, email: stamp },
      version: c.version + 1,
      updatedAt: now,
    });
    log.push(changeRow(c, now, [{ field: 'email', from: c.email, to: newAddress }]));
    links.push({
      accountId: c.accountId,
      customerId: c.id,
      hash: newHash,
      recordHash: newHash,
      epoch: conn.membersEpoch,
      syncedAt: now,
    });
  }
  await deps.store.saveMembers(tx, links);
  // R1.6, as an edit does: other active records already holding the new address are listed as
  // possible duplicates of the oldest record sharing it (one lookup for all).
  if (changed.length > 0) {
    const ids = new Set(changed.map((c) => c.id));
    const others = (
      await deps.repo.activeCustomersByKey(tx, 'email', [
        { accountId: conn.accountId, value: matchableEmail(newAddress)! },
      ])
    ).filter((o) => !ids.has(o.id));
    if (others.length > 0) {
      const [oldest, ...rest] = oldestFirst([...others, ...changed]);
      await deps.repo.addPossibleDuplicates(
        tx,
        rest.map((o) => ({
          accountId: conn.accountId,
          customerId: o.id,
          duplicateOfId: oldest!.id,
          matchedOn: 'email' as const,
          createdAt: now,
        })),
      );
    }
  }
  return { changed, log };
}
