import type { ValueTransformer } from 'typeorm';
import type { CustomerState, FieldSource } from '../../domain/customer';

type FieldSources = CustomerState['fieldSources'];

/** A field source as stored: `[source, storeId, storeName, at]`. */
type StoredStamp = [FieldSource['source'], string | null, string | null, string];

/**
 * `customers.field_sources` as stored (ADR 0026): each distinct stamp once, and each field the
 * index of its stamp, in the record's field order:
 * `{"stamps":[["store","st_1","Acme Shop","2026-11-24T10:00:00.000Z"]],"fields":{"name":0,"email":0,…}}`.
 */
export interface StoredFieldSources {
  stamps: StoredStamp[];
  fields: Record<string, number>;
}

/**
 * The domain's `{field: {source, storeId, storeName, at}}` → the stored form. One order writes
 * most of a record's fields with one stamp, and a record is written again on every order of its
 * buyer: written in full, the stamp travelled to MariaDB once per field (~1.3 KB a row for ten
 * fields, most of a customer row); deduplicated it travels once (~0.2 KB).
 */
export function encodeFieldSources(sources: FieldSources): StoredFieldSources {
  const stamps: StoredStamp[] = [];
  // An order sets every field it writes to one stamp object: compared by identity first, by value
  // only when the objects differ (fields read back from the table are objects of their own).
  const seen: FieldSource[] = [];
  const fields: Record<string, number> = {};
  for (const field in sources) {
    const s = sources[field as keyof FieldSources];
    if (!s) continue;
    let i = seen.indexOf(s);
    if (i < 0) i = seen.findIndex((t) => sameStamp(t, s));
    if (i < 0) {
      i = stamps.length;
      stamps.push([s.source, s.storeId ?? null, s.storeName ?? null, s.at]);
    }
    seen[i] = s;
    fields[field] = i;
  }
  return { stamps, fields };
}

const sameStamp = (a: FieldSource, b: FieldSource) =>
  a.at === b.at &&
  a.source === b.source &&
  (a.storeId ?? null) === (b.storeId ?? null) &&
  (a.storeName ?? null) === (b.storeName ?? null);

const isStored = (v: unknown): v is StoredFieldSources =>
  typeof v === 'object' &&
  v !== null &&
  Array.isArray((v as StoredFieldSources).stamps) &&
  typeof (v as StoredFieldSources).fields === 'object';

/**
 * The stored form → the domain's map, each field with its own object. Rows written before the
 * compact form hold the domain's map itself (no tracked field is called `stamps`): read as they are.
 */
export function decodeFieldSources(stored: unknown): FieldSources {
  if (stored === null || stored === undefined) return {};
  if (!isStored(stored)) return stored as FieldSources;
  const out: Record<string, FieldSource> = {};
  for (const [field, i] of Object.entries(stored.fields)) {
    const s = stored.stamps[i];
    if (!s)
      throw new Error(`customers.field_sources: field ${field} names stamp ${i} of ${stored.stamps.length}`);
    out[field] = { source: s[0], storeId: s[1], storeName: s[2], at: s[3] };
  }
  return out as FieldSources;
}

/** The column's transformer: the domain sees `fieldSources` as ever, the table holds the compact form. */
export const fieldSourcesColumn: ValueTransformer = {
  to: (v: FieldSources | null | undefined) => (v === null || v === undefined ? v : encodeFieldSources(v)),
  from: (v: unknown) => decodeFieldSources(v),
};
