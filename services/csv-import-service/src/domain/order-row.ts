import type { Address } from '@crp/contracts/common';
import { ADDRESS_PARTS, ADDRESS_PART_LIMITS } from '@crp/contracts/customer-import-fields';
import { moneyProblem } from '@crp/contracts/limits';
import { ORDER_STATUS_LIST, canonicalOrderStatus } from '@crp/contracts/order-status';
import { ORDER_IMPORT_LIMITS, type OrderImportRowOrder } from '@crp/contracts/events/order-import-requested';
import type { ColumnMapping } from './columns';
import { columnCountProblem, isBlankRow, type RowVerdict, type SourceRow } from './customer-row';
import { cutCellProblem, rowSizeProblem } from './row-cells';
import {
  CellProblem,
  parseCountry,
  parseDateTime,
  parseEmail,
  parseNumber,
  parsePhone,
  parseText,
  type DateOrder,
} from './values';

export interface OrderRow {
  lineNumber: number;
  order: OrderImportRowOrder;
}

const L = ORDER_IMPORT_LIMITS;

/**
 * One order CSV row (R3.2) → the order order-ingest receives, or why it cannot travel. The
 * recipient is the buyer: `recipient_*` columns are the ship-to, and the buyer's name falls back
 * to it; the sender is never read.
 */
export function toOrderRow(
  source: SourceRow,
  mapping: ColumnMapping,
  headerLength: number,
  dateOrder: DateOrder,
): RowVerdict<OrderRow> {
  if (isBlankRow(source.cells)) return { ok: 'blank' };
  const sizeProblem = rowSizeProblem(source.cells);
  if (sizeProblem) return { ok: false, reason: sizeProblem };
  const cutProblem = cutCellProblem(source.cells, mapping.columns);
  if (cutProblem) return { ok: false, reason: cutProblem };
  const countProblem = columnCountProblem(source.cells, headerLength);
  if (countProblem) return { ok: false, reason: `the row ${countProblem}` };
  const problems: string[] = [];
  const v = new Map<string, unknown>();
  for (const col of mapping.columns) {
    const cell = source.cells[col.index];
    for (const field of col.fields) {
      const label = `${col.header} (${field})`;
      try {
        v.set(field, parse(field, label, cell, dateOrder));
      } catch (err) {
        if (!(err instanceof CellProblem)) throw err;
        problems.push(err.message);
      }
    }
  }
  const s = (f: string) => (v.get(f) ?? null) as string | null;
  const n = (f: string) => (v.get(f) ?? null) as number | null;
  if (!problems.length && s('orderNumber') === null) problems.push('the order number is blank');
  if (problems.length) return { ok: false, reason: problems.join('; ') };
  const shipTo = address(v, 'shipTo');
  const billTo = address(v, 'billTo');
  const item = {
    sku: s('item.sku'),
    name: s('item.name'),
    quantity: n('item.quantity'),
    unitPrice: n('item.unitPrice'),
  };
  return {
    ok: true,
    row: {
      lineNumber: source.lineNumber,
      order: {
        orderNumber: s('orderNumber')!,
        storeOrderId: s('storeOrderId'),
        orderDate: s('orderDate'),
        orderStatus: s('orderStatus'),
        total: n('total'),
        currency: s('currency'),
        buyer: {
          username: s('buyer.username'),
          email: s('buyer.email'),
          phone: s('buyer.phone'),
          // The buyer's name: their own column, else the bill-to, else the ship-to (the recipient).
          name: s('buyer.name') ?? billTo?.name ?? shipTo?.name ?? null,
          company: s('buyer.company'),
        },
        shipTo,
        billTo,
        items: Object.values(item).some((x) => x !== null) ? [item] : [],
        notes: s('notes'),
      },
    },
  };
}

function address(v: Map<string, unknown>, prefix: 'shipTo' | 'billTo'): Address | null {
  const a = Object.fromEntries(
    ADDRESS_PARTS.map((p) => [p, (v.get(`${prefix}.${p}`) ?? null) as string | null]),
  );
  return Object.values(a).every((x) => x === null) ? null : (a as Address);
}

function parse(field: string, label: string, cell: string | undefined, dateOrder: DateOrder): unknown {
  const [group, part] = field.split('.') as [string, string | undefined];
  if (group === 'shipTo' || group === 'billTo') {
    const max = ADDRESS_PART_LIMITS[part as keyof typeof ADDRESS_PART_LIMITS];
    if (part === 'phone') return parsePhone(label, cell, max);
    if (part === 'country') return parseCountry(label, cell, max);
    return parseText(label, cell, max);
  }
  switch (field) {
    case 'orderDate':
      return parseDateTime(label, cell, dateOrder);
    case 'total':
    case 'item.quantity':
    case 'item.unitPrice': {
      const x = parseNumber(label, cell);
      if (field === 'item.quantity' && x !== null && x < 0) throw new CellProblem(`${label} is negative`);
      // The order total's range and sign are the platform's (MONEY_LIMITS), checked here at the door.
      const money = field === 'total' && x !== null ? moneyProblem(label, x) : null;
      if (money) throw new CellProblem(money);
      return x;
    }
    case 'currency': {
      const c = parseText(label, cell, 3);
      if (c !== null && !/^[A-Za-z]{3}$/.test(c))
        throw new CellProblem(`${label} "${c}" is not a currency code`);
      return c?.toUpperCase() ?? null;
    }
    case 'buyer.email':
      return parseEmail(label, cell, L.email);
    case 'buyer.phone':
      return parsePhone(label, cell, L.phone);
    case 'buyer.username':
      return parseText(label, cell, L.username);
    case 'buyer.name':
      return parseText(label, cell, L.name);
    case 'buyer.company':
      return parseText(label, cell, L.company);
    case 'item.sku':
      return parseText(label, cell, L.sku);
    case 'item.name':
      return parseText(label, cell, L.itemName);
    case 'notes':
      return parseText(label, cell, L.notes);
    case 'orderStatus': {
      // Stored as the canonical status ("Awaiting Shipment", "on-hold" → awaiting_shipment, on_hold),
      // so GET /v1/orders?status= finds it; a word that is no status is the row's reason.
      const t = parseText(label, cell, L.orderStatus);
      const status = canonicalOrderStatus(t);
      if (status === undefined)
        throw new CellProblem(`${label} "${t}" is not an order status (one of: ${ORDER_STATUS_LIST})`);
      return status;
    }
    case 'storeOrderId':
      return parseText(label, cell, L.storeOrderId);
    default:
      return parseText(label, cell, L.orderNumber);
  }
}
