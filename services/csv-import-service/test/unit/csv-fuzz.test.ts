import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { readCsv, type ReadItem } from '../../src/infra/files/csv-reader';

// Issue #20, "bad input": the CSV reader under a seeded fuzz. Whatever bytes a file holds (binary,
// stray quotes, mixed line ends, NUL, lone surrogates, other delimiters), reading never throws: each
// record is a row or an unreadable record with a reason. And the checkpoint rule a resumed job relies
// on (ADR 0014) holds for every file: a read resumed at any record's end yields exactly the rest.

const dir = mkdtempSync(join(tmpdir(), 'csv-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

async function all(
  path: string,
  offset = 0,
  line = 1,
  delimiter: ',' | ';' | '\t' = ',',
): Promise<ReadItem[]> {
  const out: ReadItem[] = [];
  for await (const item of readCsv({ path, offset, line, delimiter, encoding: 'utf-8' })) out.push(item);
  return out;
}

const piece = fc.oneof(
  fc.constantFrom(
    ',',
    ';',
    '\t',
    '"',
    '""',
    '\n',
    '\r\n',
    '\r',
    '\u0000',
    '\ud800',
    '\u202e',
    '\ufeff',
    'é',
    '𝕏',
  ),
  fc.string({ maxLength: 12 }),
);
const csvText = fc.array(piece, { maxLength: 80 }).map((parts) => parts.join(''));
const fileBytes = fc.oneof(
  csvText.map((t) => Buffer.from(t, 'utf8')),
  fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)),
);

describe('CSV reader fuzz (issue #20)', () => {
  it('never throws: every record is a row or an unreadable record with a reason', async () => {
    await fc.assert(
      fc.asyncProperty(fileBytes, fc.constantFrom(',', ';', '\t'), async (bytes, delimiter) => {
        const path = join(dir, `f${n++}.csv`);
        writeFileSync(path, bytes);
        const items = await all(path, 0, 1, delimiter);
        for (const item of items) {
          if (item.kind === 'row') expect(Array.isArray(item.cells)).toBe(true);
          else expect(item.reason.length).toBeGreaterThan(0);
        }
      }),
      { seed: 20261124, numRuns: 300 },
    );
  });

  it('a read resumed at any row end yields exactly the rest of the file (checkpoint rule)', async () => {
    await fc.assert(
      fc.asyncProperty(csvText, async (text) => {
        const path = join(dir, `f${n++}.csv`);
        writeFileSync(path, text);
        const full = await all(path);
        const rows = full.filter((i): i is Extract<ReadItem, { kind: 'row' }> => i.kind === 'row');
        for (const at of rows) {
          const rest = await all(path, at.endOffset, at.nextLine);
          expect(rest).toEqual(full.slice(full.indexOf(at) + 1));
        }
      }),
      { seed: 20261124, numRuns: 150 },
    );
  });
});
