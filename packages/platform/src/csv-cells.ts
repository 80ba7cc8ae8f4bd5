/**
 * CSV formula injection (CWE-1236): a spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`,
 * a tab or a carriage return as a formula (`=HYPERLINK(…)`, `+cmd|' /C calc'!A0`). Every CSV this
 * platform writes passes its cells through `csvSafe`; every CSV it reads passes them through
 * `csvUnescaped`, so a file exported and uploaded again reads as it was first written.
 */
const TRIGGER = /^[=+\-@\t\r]/;
/** A number or a phone as people write them (`-5.00`, `+44 20 7946 0018`, `+1 (555) 123-4567`): data, not a formula. */
const PLAIN = /^[+-]?[\d\s().,/-]*$/;

const runsAsFormula = (cell: string) => TRIGGER.test(cell) && !PLAIN.test(cell);

/** The cell as a spreadsheet shows it as text: a leading `'` before anything it would run. */
export function csvSafe(cell: string): string {
  return runsAsFormula(cell) ? `'${cell}` : cell;
}

/**
 * Undoes the escape on a cell read from a file: a `'` before `=`, `+`, `-`, `@`, tab or CR goes.
 * Also before a plain number or phone, which `csvSafe` leaves alone but other writers escape too
 * (customer-service's export writes `'+44 20 …`): such a file uploaded again reads its phones.
 */
export function csvUnescaped(cell: string): string {
  return cell.startsWith("'") && TRIGGER.test(cell.slice(1)) ? cell.slice(1) : cell;
}
