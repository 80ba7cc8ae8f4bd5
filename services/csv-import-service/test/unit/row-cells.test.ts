import { CSV_IMPORT_LIMITS, TEXT_LIMITS } from '@crp/contracts/limits';
import { resolveMapping } from '../../src/domain/columns';
import { toCustomerRow } from '../../src/domain/customer-row';
import { toOrderRow } from '../../src/domain/order-row';
import { cellsBytes, cellsToKeep, reasonToKeep, rowSizeProblem } from '../../src/domain/row-cells';

const MARKER = /… \[(\d+) more characters not kept\]$/;
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe('what a row report keeps of a row (import_row_reports.cells and reason, TEXT)', () => {
  it('a row within CSV_IMPORT_LIMITS.rowBytes is kept as it is and has no size problem', () => {
    const cells = ['ada@example.com', 'n'.repeat(5000), ''];
    expect(cellsToKeep(cells)).toBe(cells);
    expect(rowSizeProblem(cells)).toBeNull();
  });

  it('a longer row is a row-level reason naming the limit and its size', () => {
    const cells = ['ada@example.com', 'n'.repeat(70_000)];
    expect(rowSizeProblem(cells)).toContain(
      `the row is longer than ${CSV_IMPORT_LIMITS.rowBytes} bytes (${cellsBytes(cells)})`,
    );
  });

  it('the long cells are cut to fit, each with a marker saying how much was left out; short cells stay whole', () => {
    const cells = ['ada@example.com', 'n'.repeat(70_000), 'Ada', '"'.repeat(40_000), '€'.repeat(30_000)];
    const kept = cellsToKeep(cells);
    expect(cellsBytes(kept)).toBeLessThanOrEqual(CSV_IMPORT_LIMITS.rowBytes);
    expect(kept).toHaveLength(cells.length);
    expect([kept[0], kept[2]]).toEqual(['ada@example.com', 'Ada']);
    for (const i of [1, 3, 4]) {
      const m = MARKER.exec(kept[i]!);
      expect(m).not.toBeNull();
      const start = kept[i]!.slice(0, m!.index);
      expect(cells[i]!.startsWith(start)).toBe(true);
      expect(start.length + Number(m![1])).toBe(cells[i]!.length);
    }
    // Most of the room is used: the cut cells share it.
    expect(cellsBytes(kept)).toBeGreaterThan(CSV_IMPORT_LIMITS.rowBytes * 0.9);
  });

  it('a cut never splits a character of two UTF-16 units', () => {
    for (const pad of ['', 'a', 'ab', 'abc']) {
      const kept = cellsToKeep([pad + '😀'.repeat(40_000)]);
      expect(cellsBytes(kept)).toBeLessThanOrEqual(CSV_IMPORT_LIMITS.rowBytes);
      expect(loneSurrogate.test(kept[0]!)).toBe(false);
    }
  });

  it('a row of more cells than can be kept keeps its first cells and says how many more there were', () => {
    const cells = ['ada@example.com', ...Array.from({ length: 100_000 }, (_, i) => `c${i}`)];
    const kept = cellsToKeep(cells);
    expect(cellsBytes(kept)).toBeLessThanOrEqual(CSV_IMPORT_LIMITS.rowBytes);
    expect(kept[0]).toBe('ada@example.com');
    const last = kept[kept.length - 1]!;
    expect(last).toBe(`[${cells.length - (kept.length - 1)} more cells not kept]`);
    expect(kept.slice(0, -1)).toEqual(cells.slice(0, kept.length - 1));
  });

  it('a reason is kept within TEXT_LIMITS.reason, a cut one ending in "…"', () => {
    expect(reasonToKeep(null)).toBeNull();
    expect(reasonToKeep('Email is not an address')).toBe('Email is not an address');
    const long = `Birthday "${'x'.repeat(5000)}" is not a date`;
    const kept = reasonToKeep(long)!;
    expect(kept).toHaveLength(TEXT_LIMITS.reason);
    expect(kept.endsWith('…')).toBe(true);
    expect(long.startsWith(kept.slice(0, -1))).toBe(true);
  });

  it('both row kinds refuse a row over rowBytes at the door, whichever column makes it long', () => {
    const long = 'x'.repeat(CSV_IMPORT_LIMITS.rowBytes);
    const customers = resolveMapping('customers', ['Email', 'Internal']);
    expect(toCustomerRow({ lineNumber: 2, cells: ['a@example.com', long] }, customers, 2)).toEqual({
      ok: false,
      reason: expect.stringContaining(`longer than ${CSV_IMPORT_LIMITS.rowBytes} bytes`),
    });
    const orders = resolveMapping('orders', ['shipment_id', 'Internal']);
    expect(toOrderRow({ lineNumber: 2, cells: ['ORD-1', long] }, orders, 2, 'iso')).toEqual({
      ok: false,
      reason: expect.stringContaining(`longer than ${CSV_IMPORT_LIMITS.rowBytes} bytes`),
    });
  });

  it('errors.csv uploaded again: a mapped cell it showed cut is a row reason (it would import the cut value); an unmapped one is ignored', () => {
    const [, cut] = cellsToKeep(['a@example.com', 'n'.repeat(CSV_IMPORT_LIMITS.rowBytes)], 4000);
    expect(cut!.length).toBeLessThan(TEXT_LIMITS.note);
    const customers = resolveMapping('customers', ['Email', 'Notes', 'Internal']);
    expect(toCustomerRow({ lineNumber: 2, cells: ['a@example.com', cut!, ''] }, customers, 3)).toEqual({
      ok: false,
      reason: expect.stringMatching(/^Notes holds a cell that an error report showed cut/),
    });
    expect(toCustomerRow({ lineNumber: 2, cells: ['a@example.com', 'n', cut!] }, customers, 3).ok).toBe(true);
    const orders = resolveMapping('orders', ['shipment_id', 'notes']);
    expect(toOrderRow({ lineNumber: 2, cells: ['ORD-1', cut!] }, orders, 2, 'iso')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/showed cut/),
    });
  });
});
