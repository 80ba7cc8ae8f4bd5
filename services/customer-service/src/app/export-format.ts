import { ADDRESS_PARTS, ADDRESS_TYPES } from '@crp/contracts/customer-import-fields';
import type { Address } from '@crp/contracts/common';
import { csvSafe } from '@crp/platform/csv-cells';
import type { CustomerExportRecord } from './ports';

/**
 * R2.11: the CSV export's columns, in order. Where a column is also a customer-import field
 * (SPEC §4, packages/contracts customer-import-fields) it has that field's name, so an exported file
 * maps one-to-one when imported again; the others are read-only facts of the record.
 */
export const EXPORT_COLUMNS = [
  'customerId',
  'status',
  'name',
  'firstName',
  'lastName',
  'company',
  'email',
  'phone',
  'birthDate',
  ...ADDRESS_TYPES.flatMap((type) => ADDRESS_PARTS.map((part) => `${type}.${part}`)),
  'tags',
  'notes',
  'emailConsent',
  'smsConsent',
  'usernames',
  'orderCount',
  'totalSpent',
  'firstOrderDate',
  'lastOrderDate',
  'createDate',
  'modifyDate',
  'mergedIntoId',
] as const;

/** How list cells join their values: tags as the customer import splits them; identities as store:username. */
export const LIST_SEPARATOR = '; ';

/**
 * Formula injection: a cell a spreadsheet would run (beginning with `=`, `+`, `-`, `@`, a tab or a
 * carriage return) gets a leading apostrophe, by the platform's one rule for every CSV it writes
 * (`csvSafe`): numbers and phones as people write them (`+1 613-555-1212`, `-5.00`) are data and
 * stay as they are, so an exported file imported again (which undoes exactly this) reads as written.
 */
export const neutralise = csvSafe;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes doubled.
 * Written here rather than through csv-stringify: on the export's path (50 cells a row, a million
 * rows) the library's per-cell option handling measured about 3× the cost of this.
 */
function field(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

const text = (v: string | null | undefined) => (v === null || v === undefined ? '' : field(neutralise(v)));

function addressCells(a: Address | null): string {
  if (!a) return ',,,,,,,,,,';
  let out = '';
  for (const part of ADDRESS_PARTS) out += `,${text(a[part])}`;
  return out;
}

/** The header row, CRLF-terminated. */
export const csvHeader = () => `${EXPORT_COLUMNS.join(',')}\r\n`;

/**
 * One customer as one CSV line (EXPORT_COLUMNS order, CRLF-terminated), every text cell
 * neutralised. Built by concatenation: a million rows make no intermediate arrays.
 */
export function csvRow(c: CustomerExportRecord): string {
  let tags = '';
  for (const t of c.tags) tags = tags ? `${tags}${LIST_SEPARATOR}${t}` : t;
  let usernames = '';
  for (const u of c.usernames) {
    const one = `${u.storeId}:${u.username}`;
    usernames = usernames ? `${usernames}${LIST_SEPARATOR}${one}` : one;
  }
  return (
    `${field(c.id)},${c.status},${text(c.name)},${text(c.firstName)},${text(c.lastName)},` +
    `${text(c.company)},${text(c.email)},${text(c.phone)},${text(c.birthDate)}` +
    addressCells(c.shippingAddress) +
    addressCells(c.billingAddress) +
    addressCells(c.postalAddress) +
    `,${text(tags)},${text(c.notes)},${c.consent.email?.state ?? ''},${c.consent.sms?.state ?? ''},${text(usernames)}` +
    `,${c.orderCount},${c.totalSpent.toFixed(2)},${c.firstOrderDate ?? ''},${c.lastOrderDate ?? ''}` +
    `,${c.createDate},${c.modifyDate},${c.mergedIntoId ?? ''}\r\n`
  );
}
