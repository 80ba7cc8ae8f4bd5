import type { Database } from '@crp/platform/db';
import type { CustomerRecord, IdentityRecord } from '../domain/records';
import type { CustomerFilter, CustomerFilterInput } from '../domain/search';
import { customerView } from './customer-view';
import { csvHeader, csvRow } from './export-format';
import type { CustomerRepository } from './ports';
import { filterFor, groupBy, read } from './queries';

/** Customers read per database round trip while exporting. */
export const EXPORT_PAGE_SIZE = 2000;

export type ExportFormat = 'csv' | 'json';

/**
 * R2.11 export: the account's customers matching the filters, as text chunks (one per page of
 * customers) for a response body. Pages are read by keyset (id order), each in its own short read,
 * and pulled, not pushed: the next page is read while the current one is formatted and sent, and
 * no further, so memory holds two pages whatever the account's size and however slow the client.
 * The filter is checked before anything is returned: a bad one is still a 400.
 *
 * CSV: a UTF-8 BOM (spreadsheet programs then read accents right), the header row even when
 * nothing matches, CRLF line ends (RFC 4180), cells neutralised against formula injection. JSON:
 * one array of customers as the API shows them.
 */
export async function exportChunks(
  db: Database,
  repo: CustomerRepository,
  accountId: string,
  input: CustomerFilterInput,
  format: ExportFormat,
  pageSize = EXPORT_PAGE_SIZE,
): Promise<AsyncGenerator<string>> {
  const filter = await read(db, (tx) => filterFor(tx, repo, accountId, input));
  if (format === 'csv') {
    const pages = keyset(
      (after) => read(db, (tx) => repo.exportPage(tx, accountId, filter, { after, limit: pageSize })),
      (page) => page[page.length - 1]?.id,
      (page) => page.length,
      pageSize,
    );
    return (async function* () {
      yield `\ufeff${csvHeader()}`;
      for await (const page of pages) {
        let text = '';
        for (const c of page) text += csvRow(c);
        yield text;
      }
    })();
  }
  const pages = exportPages(db, repo, accountId, filter, pageSize);
  return (async function* () {
    yield '[';
    let first = true;
    for await (const page of pages) {
      const items = page.customers.map((c) =>
        JSON.stringify(customerView(c, page.identitiesOf.get(c.id) ?? [])),
      );
      yield `${first ? '\n' : ',\n'}${items.join(',\n')}`;
      first = false;
    }
    yield '\n]\n';
  })();
}

export interface ExportPage {
  customers: CustomerRecord[];
  identitiesOf: Map<string, IdentityRecord[]>;
}

/** Whole records with their identities, page after page (the JSON export). */
export async function openExport(
  db: Database,
  repo: CustomerRepository,
  accountId: string,
  input: CustomerFilterInput,
  pageSize = EXPORT_PAGE_SIZE,
): Promise<AsyncGenerator<ExportPage>> {
  const filter = await read(db, (tx) => filterFor(tx, repo, accountId, input));
  return exportPages(db, repo, accountId, filter, pageSize);
}

function exportPages(
  db: Database,
  repo: CustomerRepository,
  accountId: string,
  filter: CustomerFilter,
  pageSize: number,
): AsyncGenerator<ExportPage> {
  return keyset(
    (after) =>
      read(db, async (tx) => {
        const customers = await repo.findCustomers(tx, accountId, filter, { after, limit: pageSize });
        const identities = await repo.identitiesOf(
          tx,
          customers.map((c) => ({ accountId, customerId: c.id })),
        );
        return { customers, identitiesOf: groupBy(identities, (i) => i.customerId ?? '') };
      }),
    (page) => page.customers[page.customers.length - 1]?.id,
    (page) => page.customers.length,
    pageSize,
  );
}

/**
 * Keyset pages with one page of read-ahead: page k+1 is being read while page k is consumed. A
 * short page is the last one.
 */
async function* keyset<P>(
  fetch: (after: string | undefined) => Promise<P>,
  lastId: (page: P) => string | undefined,
  size: (page: P) => number,
  pageSize: number,
): AsyncGenerator<P> {
  const ahead = (after: string | undefined) => {
    const p = fetch(after);
    // Awaited below; if the consumer stops first, its failure must not become an unhandled rejection.
    p.catch(() => undefined);
    return p;
  };
  let pending: Promise<P> | null = ahead(undefined);
  while (pending) {
    const page: P = await pending;
    const n = size(page);
    pending = n === pageSize ? ahead(lastId(page)) : null;
    if (n > 0) yield page;
  }
}
