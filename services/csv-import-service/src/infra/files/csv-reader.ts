import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { parse, type Info } from 'csv-parse';
import iconv from 'iconv-lite';
import { csvUnescaped } from '@crp/platform/csv-cells';
import type { Delimiter, Encoding } from '../../domain/file-format';

/** Longest record read (characters); a longer one is a row error, not unbounded memory. */
export const MAX_RECORD_BYTES = 1024 * 1024;

export interface ReadFrom {
  path: string;
  /** File offset where reading starts: always the start of a line (a checkpoint). */
  offset: number;
  /** Line number of the line at `offset`. */
  line: number;
  delimiter: Delimiter;
  encoding: Encoding;
  /** Stop after the first record (the header). */
  firstOnly?: boolean;
}

export type ReadItem =
  | { kind: 'row'; lineNumber: number; cells: string[]; endOffset: number; nextLine: number }
  | {
      kind: 'unreadable';
      lineNumber: number;
      reason: string;
      text: string;
      endOffset: number;
      nextLine: number;
    };

const iconvName: Record<Encoding, string> = {
  'utf-8': 'utf8',
  'windows-1252': 'win1252',
  'iso-8859-1': 'latin1',
  'iso-8859-15': 'iso885915',
};

/** Line breaks inside a field ("\r\n" counts once): how many lines a quoted newline adds. */
function innerBreaks(cell: string): number {
  if (!cell.includes('\n') && !cell.includes('\r')) return 0;
  return cell.match(/\r\n|\r|\n/g)?.length ?? 0;
}

/**
 * Reads CSV records from a file offset, as a stream with backpressure (csv-parse pulls only as
 * fast as the caller consumes): each record with the line it starts on and the file offset just
 * after it, which is where a resumed read starts. UTF-8 is parsed as is; single-byte encodings
 * (Windows-1252, Latin-1) are parsed as bytes and each cell decoded, so offsets stay file offsets.
 *
 * Quote problems never end the file: a field whose quote is never closed (it would swallow the
 * rest of the file) or a record over MAX_RECORD_BYTES is reported as one unreadable line and
 * reading goes on at the next line.
 */
export async function* readCsv(from: ReadFrom): AsyncGenerator<ReadItem> {
  let offset = from.offset;
  let line = from.line;
  const decode =
    from.encoding === 'utf-8'
      ? (cell: Buffer | string) => (typeof cell === 'string' ? cell : cell.toString('utf8'))
      : (cell: Buffer | string) =>
          typeof cell === 'string' ? cell : iconv.decode(cell, iconvName[from.encoding]);
  for (;;) {
    const stream = createReadStream(from.path, { start: offset, highWaterMark: 256 * 1024 });
    const parser = parse({
      delimiter: from.delimiter,
      record_delimiter: ['\r\n', '\n', '\r'],
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: false,
      info: true,
      max_record_size: MAX_RECORD_BYTES,
      encoding: from.encoding === 'utf-8' ? 'utf8' : null,
      ...(from.firstOnly ? { to: 1 } : {}),
    });
    stream.pipe(parser);
    const base = offset;
    let failure: Error | null = null;
    try {
      for await (const rec of parser as AsyncIterable<{ record: Array<string | Buffer>; info: Info }>) {
        // An exported cell escaped against formula injection reads as it was (csvSafe).
        const cells = rec.record.map((c) => csvUnescaped(decode(c)));
        const lineNumber = line;
        line += 1 + cells.reduce((n, c) => n + innerBreaks(c), 0);
        offset = base + rec.info.bytes;
        yield { kind: 'row', lineNumber, cells, endOffset: offset, nextLine: line };
        if (from.firstOnly) return;
      }
    } catch (err) {
      failure = err as Error;
    } finally {
      stream.destroy();
      parser.destroy();
    }
    if (!failure) return;
    // The record starting at `offset` cannot be read: report its first line and go on after it.
    const { text, next } = await lineAt(from.path, offset);
    // csv-parse counts lines from where this read started; the report names the file's own line
    // (the row's lineNumber), so the parser's relative "at line N" is left out of the reason.
    const detail = failure.message.replace(/\s*at line \d+\s*$/, '').replace(/ at line \d+/g, '');
    const reason =
      (failure as { code?: string }).code === 'CSV_MAX_RECORD_SIZE'
        ? `the row cannot be read: a quote is never closed, or the row is longer than ${MAX_RECORD_BYTES} characters (${detail})`
        : `the row cannot be read as CSV (${detail})`;
    const lineNumber = line;
    offset = next;
    line += 1;
    yield { kind: 'unreadable', lineNumber, reason, text: decode(text), endOffset: offset, nextLine: line };
    if (next < 0 || from.firstOnly) return;
  }
}

/** The line starting at `offset` (at most 64 KB of it) and the offset of the line after it (-1 at the end). */
async function lineAt(path: string, offset: number): Promise<{ text: Buffer; next: number }> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    let pos = offset;
    let text: Buffer | null = null;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) return { text: text ?? Buffer.alloc(0), next: -1 };
      const chunk = buf.subarray(0, bytesRead);
      const nl = chunk.findIndex((b) => b === 0x0a || b === 0x0d);
      if (nl >= 0) {
        text ??= Buffer.from(chunk.subarray(0, nl));
        let next = pos + nl + 1;
        if (chunk[nl] === 0x0d) {
          const after =
            nl + 1 < bytesRead ? chunk[nl + 1] : (await fh.read(Buffer.alloc(1), 0, 1, next)).buffer[0];
          if (after === 0x0a) next += 1;
        }
        return { text, next };
      }
      text ??= Buffer.from(chunk);
      pos += bytesRead;
    }
  } finally {
    await fh.close();
  }
}

/**
 * The cells of the rows between two offsets of a file, by line number (a chunk's byte range):
 * how the error report gets the original cells of rows the owning service rejected.
 */
export async function cellsBetween(
  from: Omit<ReadFrom, 'firstOnly'>,
  endOffset: number,
): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  for await (const item of readCsv(from)) {
    if (item.kind === 'row') out.set(item.lineNumber, item.cells);
    else out.set(item.lineNumber, [item.text]);
    if (item.endOffset >= endOffset || item.endOffset < 0) break;
  }
  return out;
}
