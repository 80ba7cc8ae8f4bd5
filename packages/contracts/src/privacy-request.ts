import { Type, type Static } from '@sinclair/typebox';
import { TEXT_LIMITS } from './limits';

/**
 * Privacy requests (SPEC R2.10), as customer-service accepts and records them: the kinds, the
 * legal bases and the limits, once.
 */
export const PRIVACY_REQUEST_TYPES = ['export', 'erase'] as const;
export const PRIVACY_BASES = ['gdpr', 'ccpa', 'other'] as const;
export const PRIVACY_REQUEST_STATUSES = ['open', 'completed', 'cancelled'] as const;

export const PrivacyRequestType = Type.Union(PRIVACY_REQUEST_TYPES.map((t) => Type.Literal(t)));
export type PrivacyRequestType = Static<typeof PrivacyRequestType>;
export const PrivacyBasis = Type.Union(PRIVACY_BASES.map((b) => Type.Literal(b)));
export type PrivacyBasis = Static<typeof PrivacyBasis>;
export const PrivacyRequestStatus = Type.Union(PRIVACY_REQUEST_STATUSES.map((s) => Type.Literal(s)));

/** Longest free-text note kept with a request (characters): TEXT_LIMITS.privacyNote. */
export const PRIVACY_NOTE_MAX_LENGTH = TEXT_LIMITS.privacyNote;

/** The article a request rests on, as CustomerRedacted's `legalBasis` names it. */
export function legalBasisText(basis: PrivacyBasis, type: PrivacyRequestType): string {
  if (basis === 'gdpr') return type === 'erase' ? 'GDPR Art. 17' : 'GDPR Art. 15';
  if (basis === 'ccpa') return type === 'erase' ? 'CCPA 1798.105' : 'CCPA 1798.110';
  return 'other';
}
