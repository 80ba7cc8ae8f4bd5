import { isUtf8 } from 'node:buffer';

/**
 * Telling a CSV from what people upload by mistake, and how it is written (R4.5): encoding,
 * BOM, delimiter. Pure functions over bytes already read.
 */

export const ENCODINGS = ['utf-8', 'windows-1252', 'iso-8859-1', 'iso-8859-15'] as const;
export type Encoding = (typeof ENCODINGS)[number];

const ENCODING_NAMES: Record<string, Encoding> = {
  utf8: 'utf-8',
  windows1252: 'windows-1252',
  cp1252: 'windows-1252',
  win1252: 'windows-1252',
  ansi: 'windows-1252',
  latin1: 'iso-8859-1',
  iso88591: 'iso-8859-1',
  l1: 'iso-8859-1',
  iso885915: 'iso-8859-15',
  latin9: 'iso-8859-15',
};

/** `UTF8`, `cp1252`, `Latin-1` … → the encoding's one name; undefined when unknown. */
export function encodingNamed(name: string): Encoding | undefined {
  return ENCODING_NAMES[name.toLowerCase().replace(/[^a-z0-9]/g, '')];
}

export const DELIMITERS = [',', ';', '\t', '|'] as const;
export type Delimiter = (typeof DELIMITERS)[number];

export const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export type StartVerdict = { ok: true; bomLength: number } | { ok: false; code: string; reason: string };

const SIGNATURES: Array<[number[], string]> = [
  [[0x50, 0x4b, 0x03, 0x04], 'an Excel workbook (.xlsx) or another ZIP archive'],
  [[0xd0, 0xcf, 0x11, 0xe0], 'an old Excel workbook (.xls) or another Office file'],
  [[0x25, 0x50, 0x44, 0x46], 'a PDF document'],
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x47, 0x49, 0x46, 0x38], 'a GIF image'],
  [[0x1f, 0x8b], 'a gzip archive'],
];

/**
 * Looks at the first bytes of an upload: empty, a known binary format, UTF-16, control bytes a
 * text file never has, or JSON/HTML → a reason the user can act on; else where the text starts.
 */
export function inspectStart(head: Buffer, totalBytes: number): StartVerdict {
  const bomLength = head.subarray(0, 3).equals(UTF8_BOM) ? 3 : 0;
  if (totalBytes - bomLength <= 0 || head.subarray(bomLength).toString('latin1').trim() === '') {
    return { ok: false, code: 'EMPTY_FILE', reason: 'The file is empty: it has no header and no rows' };
  }
  for (const [sig, what] of SIGNATURES) {
    if (sig.every((b, i) => head[i] === b)) {
      return {
        ok: false,
        code: 'NOT_CSV',
        reason: `The file is ${what}, not a CSV file: save it as "CSV UTF-8" (or CSV) and upload that`,
      };
    }
  }
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    return {
      ok: false,
      code: 'UNSUPPORTED_ENCODING',
      reason: 'The file is UTF-16 text (Excel\'s "Unicode Text"): save it as "CSV UTF-8" and upload that',
    };
  }
  let control = 0;
  for (const b of head) {
    if (b === 0) {
      return {
        ok: false,
        code: 'NOT_CSV',
        reason: 'The file is binary (it contains NUL bytes), not a CSV file',
      };
    }
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) control += 1;
  }
  if (control > Math.max(8, head.length / 100)) {
    return {
      ok: false,
      code: 'NOT_CSV',
      reason: 'The file is binary (it contains control bytes), not a CSV file',
    };
  }
  const first = head.subarray(bomLength).toString('latin1').trimStart()[0];
  if (first === '{' || first === '[') {
    return { ok: false, code: 'NOT_CSV', reason: 'The file is JSON, not CSV' };
  }
  if (first === '<') {
    return { ok: false, code: 'NOT_CSV', reason: 'The file is HTML or XML, not CSV' };
  }
  return { ok: true, bomLength };
}

/**
 * Checks that a stream of chunks is UTF-8 without holding it: each chunk is checked up to its
 * last complete character, and the few bytes of a character cut by the chunk boundary are carried.
 */
export class Utf8Check {
  private carry = Buffer.alloc(0);
  private ok = true;

  push(chunk: Buffer): void {
    if (!this.ok) return;
    const data = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const cut = completeLength(data);
    this.carry = Buffer.from(data.subarray(cut));
    if (!isUtf8(data.subarray(0, cut))) this.ok = false;
  }

  /** True when every byte pushed was UTF-8 (ASCII included). */
  get valid(): boolean {
    return this.ok && this.carry.length === 0;
  }
}

/** Bytes of `data` up to the start of a multi-byte character that the end cuts off. */
function completeLength(data: Buffer): number {
  for (let back = 1; back <= Math.min(3, data.length); back++) {
    const b = data[data.length - back]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: look further back
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? data.length - back : data.length;
  }
  return data.length;
}

/**
 * The delimiter of a header line: the one of , ; tab | that occurs most often outside quotes
 * (ties in that order). A header without any is a one-column file: comma.
 */
export function detectDelimiter(headerLine: string): Delimiter {
  const counts = new Map<Delimiter, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch as Delimiter))
      counts.set(ch as Delimiter, counts.get(ch as Delimiter)! + 1);
  }
  let best: Delimiter = ',';
  for (const d of DELIMITERS) if (counts.get(d)! > counts.get(best)!) best = d;
  return best;
}

/** The first line of a text (up to the first line break outside quotes). */
export function firstLine(text: string): string {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) return text.slice(0, i);
  }
  return text;
}
