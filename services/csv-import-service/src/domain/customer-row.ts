import {
  CUSTOMER_IMPORT_FIELD_SPECS,
  MAX_TAGS,
  TARGET_LIMITS,
  type CustomerImportField,
  type CustomerImportValues,
} from '@crp/contracts/customer-import-fields';
import type { CustomerImportRow } from '@crp/contracts/events/customer-import-requested';
import { rowRuleProblem, type ColumnMapping } from './columns';
import { cutCellProblem, rowSizeProblem } from './row-cells';
import {
  CellProblem,
  parseConsent,
  parseCountry,
  parseEmail,
  parseIsoDate,
  parsePhone,
  parseTags,
  parseText,
} from './values';

/** A data row read from the file: where it starts, and its cells as written. */
export interface SourceRow {
  lineNumber: number;
  cells: string[];
}

export type RowVerdict<T> = { ok: true; row: T } | { ok: false; reason: string } | { ok: 'blank' };

const CUSTOMER_ID = /^cus_[A-Za-z0-9_]{1,36}$/;

/** The cell count rule shared by both kinds (R4.5): missing cells are an error; extra empty ones are not. */
export function columnCountProblem(cells: string[], headerLength: number): string | null {
  if (cells.length < headerLength)
    return `has ${cells.length} cells where the header has ${headerLength} columns`;
  if (cells.length > headerLength && cells.slice(headerLength).some((c) => c.trim() !== ''))
    return `has ${cells.length} cells where the header has ${headerLength} columns`;
  return null;
}

export const isBlankRow = (cells: string[]) => cells.every((c) => c.trim() === '');

function valueOf(field: CustomerImportField, label: string, cell: string | undefined) {
  const spec = CUSTOMER_IMPORT_FIELD_SPECS[field];
  switch (spec.kind) {
    case 'email':
      return parseEmail(label, cell, spec.maxLength);
    case 'phone':
      return parsePhone(label, cell, spec.maxLength);
    case 'date':
      return parseIsoDate(label, cell);
    case 'country':
      return parseCountry(label, cell, spec.maxLength);
    case 'tags':
      return parseTags(label, cell, spec.maxLength, MAX_TAGS);
    case 'consent':
      return parseConsent(label, cell);
    default:
      return parseText(label, cell, spec.maxLength);
  }
}

/**
 * One customer CSV row → the row customer-service receives (R4.1, R4.3), or the reasons it cannot
 * travel. Every mapped field gets a value, `null` for a blank cell: that is what lets
 * customer-service clear it. All problems of a row are reported together.
 */
export function toCustomerRow(
  source: SourceRow,
  mapping: ColumnMapping,
  headerLength: number,
): RowVerdict<CustomerImportRow> {
  if (isBlankRow(source.cells)) return { ok: 'blank' };
  const sizeProblem = rowSizeProblem(source.cells);
  if (sizeProblem) return { ok: false, reason: sizeProblem };
  const cutProblem = cutCellProblem(source.cells, mapping.columns);
  if (cutProblem) return { ok: false, reason: cutProblem };
  const countProblem = columnCountProblem(source.cells, headerLength);
  if (countProblem) return { ok: false, reason: `the row ${countProblem}` };
  const notCustomer = rowRuleProblem(mapping, source.cells);
  if (notCustomer) return { ok: false, reason: notCustomer };
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  let customerId: string | null = null;
  let username: string | null = null;
  for (const col of mapping.columns) {
    const cell = source.cells[col.index];
    for (const field of col.fields) {
      const label = `${col.header} (${field})`;
      try {
        if (field === 'customerId') {
          customerId = parseText(label, cell, TARGET_LIMITS.customerId);
          if (customerId !== null && !CUSTOMER_ID.test(customerId)) {
            throw new CellProblem(
              `${label} "${customerId}" is not a customer id of this system (cus_…); leave it blank to match by email`,
            );
          }
        } else if (field === 'username') {
          username = parseText(label, cell, TARGET_LIMITS.username);
        } else {
          values[field] = valueOf(field as CustomerImportField, label, cell);
        }
      } catch (err) {
        if (!(err instanceof CellProblem)) throw err;
        problems.push(err.message);
      }
    }
  }
  if (problems.length) return { ok: false, reason: problems.join('; ') };
  return {
    ok: true,
    row: { lineNumber: source.lineNumber, customerId, username, values: values as CustomerImportValues },
  };
}

/** The contract fields a mapping feeds (targets are not fields: they choose the record). */
export function customerFields(mapping: ColumnMapping): CustomerImportField[] {
  const all = new Set(mapping.columns.flatMap((c) => c.fields));
  return (Object.keys(CUSTOMER_IMPORT_FIELD_SPECS) as CustomerImportField[]).filter((f) => all.has(f));
}
