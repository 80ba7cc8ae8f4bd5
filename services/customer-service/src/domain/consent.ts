import type { ConsentState } from '@crp/contracts/common';
import type { SourceKind } from './source';

export const CONSENT_CHANNELS = ['email', 'sms'] as const;
export type ConsentChannel = (typeof CONSENT_CHANNELS)[number];

/** The consent a record holds for one channel (R2.9): state, when it changed, who changed it. */
export interface ConsentRecord {
  state: ConsentState;
  changedAt: string | null;
  source: SourceKind;
  storeId: string | null;
}

/** One applied change, kept in the record's consent history (newest last, capped). */
export interface ConsentEvent extends ConsentRecord {
  channel: ConsentChannel;
}

/** Enough to show where consent came from and to prove an unsubscribe; older entries drop off. */
export const CONSENT_HISTORY_LIMIT = 50;

export interface IncomingConsent {
  state: ConsentState;
  /** When the buyer changed it, as the channel says; else the order date. */
  at: string;
  /** Whether the channel gave that time itself (a consent date) rather than the order date. */
  dated: boolean;
  source: SourceKind;
  storeId: string | null;
}

/**
 * R2.9 for consent an order carries: the record to keep, or null to keep what is there.
 * - Nothing older than the stored change overturns it.
 * - An explicit unsubscribe is changed by orders only through a newer change from the same store
 *   that recorded it (its own opt-in form): another store's "subscribed" flag is that store's
 *   record, not proof the buyer took the unsubscribe back — re-subscribing someone by mistake is
 *   the costly error. An unsubscribe of unknown date gives way only to a change that says when it
 *   was made. A person's edit (manual, api) is not an order: it always applies (consentEdit).
 */
export function consentFromOrder(have: ConsentRecord | undefined, c: IncomingConsent): ConsentRecord | null {
  if (have && have.state === c.state) return null;
  if (have?.changedAt && Date.parse(c.at) < Date.parse(have.changedAt)) return null;
  if (have?.state === 'unsubscribed') {
    const sameSource = have.source === c.source && have.storeId === c.storeId;
    if (!sameSource) return null;
    if (!have.changedAt && !c.dated) return null;
    if (have.changedAt && Date.parse(c.at) === Date.parse(have.changedAt)) return null;
  }
  return { state: c.state, changedAt: c.at, source: c.source, storeId: c.storeId };
}

/** Appends applied changes to the history, keeping the newest CONSENT_HISTORY_LIMIT. */
export function withHistory(history: ConsentEvent[], added: ConsentEvent[]): ConsentEvent[] {
  if (added.length === 0) return history;
  const all = [...history, ...added];
  return all.length > CONSENT_HISTORY_LIMIT ? all.slice(all.length - CONSENT_HISTORY_LIMIT) : all;
}
