import { CSV_IMPORT_LIMITS, TEXT_LIMITS } from '@crp/contracts/limits';

/**
 * What a row report keeps of a row (R4.4), within what its columns hold: `import_row_reports.cells`
 * is the JSON of the row's cells and `reason` a text, both TEXT (MariaDB: 65,535 bytes). A row is
 * measured as it is stored, the UTF-8 bytes of its cells' JSON; a row over
 * CSV_IMPORT_LIMITS.rowBytes is rejected at the door (rowSizeProblem), so every row sent on fits
 * whole when its owning service rejects it. Pure.
 */

/** The bytes a row's cells take in a report (their JSON, UTF-8). */
export const cellsBytes = (cells: string[]): number => Buffer.byteLength(JSON.stringify(cells));

/** Why a row is too long to be kept for its report, or null. */
export function rowSizeProblem(cells: string[], max: number = CSV_IMPORT_LIMITS.rowBytes): string | null {
  const bytes = cellsBytes(cells);
  if (bytes <= max) return null;
  return `the row is longer than ${max} bytes (${bytes}): split its long cells or leave out the columns the import does not need; the report shows its cells cut`;
}

const marker = (dropped: number) => `… [${dropped} more characters not kept]`;
const CUT_CELL = /… \[\d+ more characters not kept\]$/;

/**
 * Why a row holds a cell errors.csv showed cut, or null: such a file uploaded again would import
 * the cut value and its marker. Only the columns that feed a field count.
 */
export function cutCellProblem(
  cells: string[],
  columns: ReadonlyArray<{ index: number; header: string }>,
): string | null {
  const cut = columns.filter((c) => cells[c.index]?.endsWith(' not kept]') && CUT_CELL.test(cells[c.index]!));
  if (!cut.length) return null;
  const which = cut.map((c) => c.header).join(', ');
  return `${which} ${cut.length > 1 ? 'hold cells' : 'holds a cell'} that an error report showed cut ("… [N more characters not kept]"): copy the whole cell from the original file`;
}

/** A cell is never cut below this (bytes of its JSON): room for some text and the marker. */
const MIN_CELL = 64;

/** The longest start of `text` whose JSON with `suffix` takes at most `max` bytes. */
function startThatFits(text: string, suffix: (kept: number) => string, max: number): string {
  const fits = (n: number) => Buffer.byteLength(JSON.stringify(text.slice(0, n) + suffix(n))) <= max;
  // Every character takes at least one byte: no more than `max` characters can fit.
  let lo = 0;
  let hi = Math.min(text.length, max);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  // Never half a surrogate pair (one character less may lengthen the marker by a digit).
  const highSurrogate = (i: number) => text.charCodeAt(i) >= 0xd800 && text.charCodeAt(i) <= 0xdbff;
  while (lo > 0 && (highSurrogate(lo - 1) || !fits(lo))) lo -= 1;
  return text.slice(0, lo) + suffix(lo);
}

/**
 * A row's cells as its report keeps them: as they are when their JSON takes at most `max` bytes;
 * else the longest cells are cut to a common length (the shorter ones kept whole), each cut cell
 * ending in "… [N more characters not kept]", so the cells still line up under the header in
 * errors.csv. A row of more cells than can be kept at all keeps its first ones and a last cell
 * saying how many more there were.
 */
export function cellsToKeep(cells: string[], max: number = CSV_IMPORT_LIMITS.rowBytes): string[] {
  if (cellsBytes(cells) <= max) return cells;
  // Each cell's share: its JSON and a comma; the brackets and a last cell naming the dropped ones.
  const room = max - 2 - 48;
  const sizes = cells.map((c) => Buffer.byteLength(JSON.stringify(c)) + 1);
  let count = 0;
  let floor = 0;
  while (count < cells.length && floor + Math.min(sizes[count]!, MIN_CELL) <= room) {
    floor += Math.min(sizes[count]!, MIN_CELL);
    count += 1;
  }
  const kept = sizes.slice(0, count);
  // The largest cap with every kept cell at most `cap` bytes and all of them within the room.
  let lo = MIN_CELL;
  let hi = Math.max(MIN_CELL, ...kept);
  const total = (cap: number) => kept.reduce((n, s) => n + Math.min(s, cap), 0);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (total(mid) <= room) lo = mid;
    else hi = mid - 1;
  }
  const out = cells
    .slice(0, count)
    .map((c, i) => (sizes[i]! <= lo ? c : startThatFits(c, (n) => marker(c.length - n), lo - 1)));
  if (count < cells.length) out.push(`[${cells.length - count} more cells not kept]`);
  return out;
}

/** A reason as a report keeps it: at most TEXT_LIMITS.reason characters, a cut one ending in "…". */
export function reasonToKeep(reason: string | null, max: number = TEXT_LIMITS.reason): string | null {
  if (reason === null || reason.length <= max) return reason;
  let end = max - 1;
  const code = reason.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${reason.slice(0, end)}…`;
}
