import countries from 'i18n-iso-countries';
import { getCountries, getCountryCallingCode } from 'libphonenumber-js';
import type { ConsentState } from '@crp/contracts/common';
import { dateRangeProblem, isCalendarDate, isEmailAddress } from '@crp/contracts/limits';
import en from 'i18n-iso-countries/langs/en.json';
import fr from 'i18n-iso-countries/langs/fr.json';
import de from 'i18n-iso-countries/langs/de.json';
import es from 'i18n-iso-countries/langs/es.json';

/**
 * Cell text → typed value, as people type it in spreadsheets. Each parser returns the value
 * (`null` for a blank cell) or throws CellProblem with a sentence the row report shows. Pure.
 */

countries.registerLocale(en);
countries.registerLocale(fr);
countries.registerLocale(de);
countries.registerLocale(es);

export class CellProblem extends Error {}

export function blank(cell: string | undefined): boolean {
  return cell === undefined || cell.trim() === '';
}

export function parseText(label: string, cell: string | undefined, maxLength: number): string | null {
  const v = cell?.trim() ?? '';
  if (!v) return null;
  if (v.length > maxLength) throw new CellProblem(`${label} is longer than ${maxLength} characters`);
  return v;
}

// The one definition of an email address (packages/contracts limits.ts), as customer-service matches on it.

export function parseEmail(label: string, cell: string | undefined, maxLength: number): string | null {
  const v = parseText(label, cell, maxLength);
  if (v !== null && !isEmailAddress(v)) throw new CellProblem(`${label} "${v}" is not an email address`);
  return v;
}

/** Every country calling code there is (1, 44, 358 …), once. */
const CALLING_CODES = new Set(getCountries().map((c) => getCountryCallingCode(c)));

/**
 * A phone that can be read as a number: digits with the usual punctuation (spaces, dots, dashes,
 * slashes, brackets), an optional leading + or 00, an optional extension; 4 to 15 digits (E.164's
 * length), 8 or more with a country calling code that exists. The text is kept as written:
 * customer-service parses numbers to E.164 with the account's default country (R1.5); this is the
 * cheap check a million rows can afford (no full parse per row).
 */
export function parsePhone(label: string, cell: string | undefined, maxLength: number): string | null {
  const v = parseText(label, cell, maxLength);
  if (v === null) return null;
  const bare = v.replace(/\s*(?:ext\.?|extension|x|#)\s*\d{1,6}$/i, '');
  const unreadable = () => new CellProblem(`${label} "${v}" cannot be read as a phone number`);
  if (!/^\+?[\d\s().\-/]+$/.test(bare)) throw unreadable();
  const digits = bare.replace(/\D/g, '');
  if (digits.length < 4 || digits.length > 15) throw unreadable();
  const international = bare.startsWith('+') ? digits : bare.startsWith('00') ? digits.slice(2) : null;
  if (international !== null) {
    const code = [1, 2, 3].map((n) => international.slice(0, n)).find((c) => CALLING_CODES.has(c));
    if (!code || international.length < 8) throw unreadable();
  }
  return v;
}

/** ISO dates (`1987-04-02`, `1987/04/02`); PrestaShop's `0000-00-00` means "no date". */
export function parseIsoDate(label: string, cell: string | undefined): string | null {
  const v = cell?.trim() ?? '';
  if (!v || /^0{4}-0{2}-0{2}$/.test(v)) return null;
  const m = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ].*)?$/.exec(v);
  if (m) {
    const iso = `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`;
    const d = new Date(`${iso}T00:00:00Z`);
    if (!Number.isNaN(d.getTime()) && d.toISOString().startsWith(iso)) return iso;
  }
  throw new CellProblem(`${label} "${v}" is not a date (write it as YYYY-MM-DD)`);
}

export type DateOrder = 'iso' | 'mdy' | 'dmy';

/**
 * An order date to an ISO instant (UTC when the text has no offset). `dateOrder` says how to read
 * 03/04/2026 (`mdy`: March 4; `dmy`: 3 April); with `iso` only unambiguous forms are read.
 */
export function parseDateTime(label: string, cell: string | undefined, dateOrder: DateOrder): string | null {
  const v = cell?.trim() ?? '';
  if (!v) return null;
  const bad = (why = 'is not a date') => new CellProblem(`${label} "${v}" ${why}`);
  let day: string;
  let rest: string;
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})(.*)$/.exec(v);
  if (m) {
    day = `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`;
    rest = m[4]!;
  } else if ((m = /^(\d{1,2})[/.](\d{1,2})[/.](\d{4})(.*)$/.exec(v))) {
    const dotted = v.includes('.');
    const order = dotted ? 'dmy' : dateOrder;
    if (order === 'iso') throw bad('is ambiguous: send dateOrder=mdy or dateOrder=dmy with the upload');
    const [a, b] = [m[1]!.padStart(2, '0'), m[2]!.padStart(2, '0')];
    day = order === 'mdy' ? `${m[3]}-${a}-${b}` : `${m[3]}-${b}-${a}`;
    rest = m[4]!;
  } else throw bad();
  // JavaScript rolls 2026-02-30 over to March 2: a day that does not exist is refused here.
  if (!isCalendarDate(day)) throw bad('is not a date in the calendar');
  const t = /^(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(rest);
  if (!t) throw bad();
  const [hh = '0', mm = '00', ss = '00', frac = '', zone = 'Z'] = t.slice(1).map((x) => x ?? undefined);
  const z =
    zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const ms = frac ? `.${frac.slice(0, 3).padEnd(3, '0')}` : '';
  const d = new Date(`${day}T${hh.padStart(2, '0')}:${mm}:${ss}${ms}${z}`);
  if (Number.isNaN(d.getTime())) throw bad();
  const range = dateRangeProblem(label, d);
  if (range) throw new CellProblem(range);
  return d.toISOString();
}

/** 2-letter codes as they are, 3-letter codes and country names (en, fr, de, es) to ISO 3166-1 alpha-2. */
export function parseCountry(label: string, cell: string | undefined, maxLength: number): string | null {
  const v = parseText(label, cell, maxLength);
  if (v === null) return null;
  if (/^[A-Za-z]{2}$/.test(v)) return v.toUpperCase();
  if (/^[A-Za-z]{3}$/.test(v)) {
    const a2 = countries.alpha3ToAlpha2(v.toUpperCase());
    if (a2) return a2;
  }
  for (const lang of ['en', 'fr', 'de', 'es']) {
    const code = countries.getAlpha2Code(v, lang);
    if (code) return code;
  }
  // Unknown names are kept as written: the address is still deliverable by a person.
  return v;
}

const YES = new Set(['yes', 'y', 'true', '1', 'subscribed', 'optin', 'optedin', 'oui', 'si', 'ja', 'x']);
const NO = new Set(['no', 'n', 'false', '0', 'notsubscribed', 'none', 'non', 'nein']);
const UNSUBSCRIBED = new Set(['unsubscribed', 'optout', 'optedout', 'desabonne', 'abgemeldet']);

/** `yes`/`true`/`1` → subscribed; `no`/`false`/`0` → not_subscribed; `unsubscribed` stays an explicit no (R2.9). */
export function parseConsent(label: string, cell: string | undefined): ConsentState | null {
  const v = cell?.trim() ?? '';
  if (!v) return null;
  const k = v
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
  if (YES.has(k)) return 'subscribed';
  if (NO.has(k)) return 'not_subscribed';
  if (UNSUBSCRIBED.has(k)) return 'unsubscribed';
  throw new CellProblem(`${label} "${v}" is not one of yes, no, subscribed, unsubscribed, not_subscribed`);
}

/** `vip, wholesale; b2b` → three tags, trimmed, without repeats. */
export function parseTags(
  label: string,
  cell: string | undefined,
  maxLength: number,
  maxTags: number,
): string[] {
  const tags: string[] = [];
  for (const raw of (cell ?? '').split(/[,;|]/)) {
    const t = raw.trim();
    if (!t || tags.includes(t)) continue;
    if (t.length > maxLength)
      throw new CellProblem(`${label}: tag "${t.slice(0, 20)}…" is longer than ${maxLength} characters`);
    tags.push(t);
  }
  if (tags.length > maxTags) throw new CellProblem(`${label} has ${tags.length} tags; at most ${maxTags}`);
  return tags;
}

/**
 * Money and quantities as spreadsheets write them: `1,234.56`, `1.234,56`, `45,00`, `$45`, `€ 12`.
 * The last of `.` or `,` is the decimal mark when digits (1–2, or 3 after a lone comma read as
 * thousands) follow it.
 */
export function parseNumber(label: string, cell: string | undefined): number | null {
  const v = cell?.trim() ?? '';
  if (!v) return null;
  let s = v.replace(/[\s\u00a0'€$£¥]|[A-Z]{3}$|^[A-Z]{3}/g, '');
  const lastDot = s.lastIndexOf('.');
  const lastComma = s.lastIndexOf(',');
  if (lastDot >= 0 && lastComma >= 0) {
    const decimal = lastDot > lastComma ? '.' : ',';
    const thousands = decimal === '.' ? ',' : '.';
    s = s.split(thousands).join('').replace(decimal, '.');
  } else if (lastComma >= 0) {
    const after = s.length - lastComma - 1;
    s = s.split(',').length === 2 && after !== 3 ? s.replace(',', '.') : s.split(',').join('');
  }
  if (!/^[-+]?\d+(\.\d+)?$/.test(s)) throw new CellProblem(`${label} "${v}" is not a number`);
  const n = Number(s);
  if (!Number.isFinite(n) || Math.abs(n) > 1e12) throw new CellProblem(`${label} "${v}" is out of range`);
  return n;
}
