import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { readCsv, type ReadItem } from '../../src/infra/files/csv-reader';

const dir = mkdtempSync(join(tmpdir(), 'csv-reader-'));
let n = 0;
function file(content: Buffer | string): string {
  const path = join(dir, `f${n++}.csv`);
  writeFileSync(path, content);
  return path;
}
async function all(path: string, offset = 0, line = 1, opts: Partial<Parameters<typeof readCsv>[0]> = {}) {
  const out: ReadItem[] = [];
  for await (const item of readCsv({ path, offset, line, delimiter: ',', encoding: 'utf-8', ...opts }))
    out.push(item);
  return out;
}

describe('reading CSV records with their lines and offsets (R4.5)', () => {
  it('numbers rows by the line they start on, across CRLF and quoted newlines', async () => {
    const path = file('h1,h2\r\n"multi\r\nline",x\r\n\r\nlast,y\r\n');
    const items = await all(path);
    expect(items.map((i) => [i.lineNumber, i.kind === 'row' ? i.cells : i.reason])).toEqual([
      [1, ['h1', 'h2']],
      [2, ['multi\r\nline', 'x']],
      [4, ['']],
      [5, ['last', 'y']],
    ]);
  });

  it('a read resumed at any record offset yields exactly the rest (the checkpoint rule)', async () => {
    const path = file('a,b\n1,"x\ny"\n2,z\r\n3,w\n');
    const full = await all(path);
    for (const at of full) {
      const rest = await all(path, at.endOffset, at.nextLine);
      expect(rest).toEqual(full.slice(full.indexOf(at) + 1));
    }
  });

  it('decodes Windows-1252 cells while offsets stay byte offsets', async () => {
    const path = file(iconv.encode('name;city\nZoë Müller;Besançon\nJosé;€uro\n', 'win1252'));
    const items = await all(path, 0, 1, { delimiter: ';', encoding: 'windows-1252' });
    expect(items.map((i) => (i.kind === 'row' ? i.cells : []))).toEqual([
      ['name', 'city'],
      ['Zoë Müller', 'Besançon'],
      ['José', '€uro'],
    ]);
    expect(items[1]!.endOffset).toBe(Buffer.byteLength('name;city\nZoë Müller;Besançon\n', 'latin1'));
  });

  it('keeps stray quotes, and reads on after a quote that never closes', async () => {
    const path = file(`a,b\nsay "hi",1\n"${'x'.repeat(10)}\n`);
    expect((await all(path)).map((i) => i.kind)).toEqual(['row', 'row', 'unreadable']);
    const big = file(`a,b\n"open,1\n${'z,2\n'.repeat(300_000)}`);
    const items = await all(big);
    expect(items[1]).toMatchObject({
      kind: 'unreadable',
      lineNumber: 2,
      reason: expect.stringMatching(/quote is never closed/),
    });
    expect(items[2]).toMatchObject({ kind: 'row', lineNumber: 3, cells: ['z', '2'] });
    expect(items).toHaveLength(2 + 300_000);
  });
});
