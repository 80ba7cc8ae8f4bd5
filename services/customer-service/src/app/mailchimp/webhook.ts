import type { Database } from '@crp/platform/db';
import { notFound } from '@crp/platform/errors';
import type { Outbox } from '@crp/messaging/outbox';
import { withHistory, type ConsentRecord } from '../../domain/consent';
import { parseWebhook } from '../../domain/mailchimp';
import { normalizeEmail } from '../../domain/normalize';
import type { CustomerRecord } from '../../domain/records';
import { customerUpserted } from '../customer-events';
import type { CustomerRepository } from '../ports';
import type { MailchimpStore } from './ports';

export interface WebhookDeps {
  db: Database;
  repo: CustomerRepository;
  store: MailchimpStore;
  outbox: Outbox;
  now?: () => Date;
}

/** Whether the token names a connection (Mailchimp's GET check when the webhook is added). */
export async function webhookKnown(deps: Pick<WebhookDeps, 'db' | 'store'>, token: string): Promise<boolean> {
  return deps.db.transaction(async (tx) => (await deps.store.connectionByToken(tx, token)) !== null);
}

/**
 * R2.9 from Mailchimp's side: `unsubscribe` and `cleaned` (the address bounced) make the email
 * consent of every active record with that address `unsubscribed`, source `mailchimp`, at the
 * time Mailchimp fired it — unless the record already says so, or holds a newer change. Orders
 * never overturn it (consentFromOrder: another source's flag is not the buyer taking it back).
 * Each changed record is published (CustomerUpserted). Other types are acknowledged and counted.
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
    if (event.type !== 'unsubscribe' && event.type !== 'cleaned') return { applied: 0, type: event.type };
    const email = normalizeEmail(event.email);
    if (!email) return { applied: 0, type: event.type };
    const found = await deps.repo.activeCustomersByKey(
      tx,
      'email',
      [{ accountId: conn.accountId, value: email }],
      {
        lock: true,
      },
    );
    const changed: CustomerRecord[] = [];
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
    }
    if (changed.length === 0) return { applied: 0, type: event.type };
    await deps.repo.updateCustomers(tx, changed);
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
