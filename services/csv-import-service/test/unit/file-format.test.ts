import iconv from 'iconv-lite';
import { Utf8Check, detectDelimiter, encodingNamed, inspectStart } from '../../src/domain/file-format';
import { progressOf } from '../../src/domain/import-job';

describe('telling a CSV from what people upload by mistake (R4.5)', () => {
  const verdict = (b: Buffer) => inspectStart(b, b.length);
  it('names empty, binary, workbook, UTF-16, JSON and HTML uploads', () => {
    expect(verdict(Buffer.alloc(0))).toMatchObject({ ok: false, code: 'EMPTY_FILE' });
    expect(verdict(Buffer.from('\uFEFF \r\n'))).toMatchObject({ ok: false, code: 'EMPTY_FILE' });
    expect(verdict(Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2]))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/Excel workbook/),
    });
    expect(verdict(Buffer.from('%PDF-1.7'))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/PDF/),
    });
    expect(verdict(Buffer.from([0xff, 0xfe, 0x41, 0]))).toMatchObject({
      ok: false,
      code: 'UNSUPPORTED_ENCODING',
    });
    expect(verdict(Buffer.from('a,b\n\0\0\0'))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/binary/),
    });
    expect(verdict(Buffer.from('{"a":1}'))).toMatchObject({ ok: false, reason: 'The file is JSON, not CSV' });
    expect(verdict(Buffer.from('<html>'))).toMatchObject({ ok: false, code: 'NOT_CSV' });
    expect(verdict(Buffer.from('\uFEFFEmail\r\n'))).toEqual({ ok: true, bomLength: 3 });
  });

  it('checks UTF-8 across chunk boundaries and tells Windows-1252 apart', () => {
    const utf8 = Buffer.from('Zoë;Müller;€;Ærø\n');
    const check = new Utf8Check();
    for (let i = 0; i < utf8.length; i++) check.push(utf8.subarray(i, i + 1));
    expect(check.valid).toBe(true);
    const cp = new Utf8Check();
    cp.push(iconv.encode('Zoë;Müller;€\n', 'win1252'));
    expect(cp.valid).toBe(false);
  });

  it('finds the delimiter of the header, quotes aside', () => {
    expect(detectDelimiter('a;b;c')).toBe(';');
    expect(detectDelimiter('"a,b";c;d')).toBe(';');
    expect(detectDelimiter('a\tb\tc')).toBe('\t');
    expect(detectDelimiter('a,b')).toBe(',');
    expect(detectDelimiter('email')).toBe(',');
    expect(encodingNamed('CP1252')).toBe('windows-1252');
    expect(encodingNamed('Latin-1')).toBe('iso-8859-1');
  });
});

describe('progress (R4.4)', () => {
  const base = {
    status: 'running' as const,
    fileSize: 1000,
    bytesRead: 250,
    rowsRead: 100,
    processedRows: 50,
    totalRows: null,
    runStartedAt: new Date('2026-11-23T10:00:00Z'),
    processedAtRunStart: 0,
    finishedAt: null,
    now: new Date('2026-11-23T10:00:10Z'),
  };
  it('estimates the total from the bytes read, and the rate and ETA of the current run', () => {
    expect(progressOf(base)).toEqual({
      rows: 50,
      bytes: 250,
      totalBytes: 1000,
      estimatedTotalRows: 400,
      totalRowsExact: false,
      percent: 12.5,
      rowsPerSecond: 5,
      etaSeconds: 70,
    });
  });
  it('is exact once the file is read, and 100% when completed', () => {
    expect(
      progressOf({ ...base, totalRows: 380, status: 'completed', processedRows: 380, finishedAt: base.now }),
    ).toMatchObject({
      estimatedTotalRows: 380,
      totalRowsExact: true,
      percent: 100,
      etaSeconds: 0,
    });
  });
});
