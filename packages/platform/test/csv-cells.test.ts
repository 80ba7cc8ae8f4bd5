import { csvSafe, csvUnescaped } from '../src/csv-cells';

describe('CSV cells a spreadsheet would run as formulas', () => {
  const formulas = [
    '=HYPERLINK("http://evil.example","click")',
    '=1+2',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    '@SUM(1+1)',
    '\t=1+1',
    '\r=1+1',
    '=',
  ];
  const data = [
    'Ada',
    '',
    '-5.00',
    '+44 20 7946 0018',
    '+1 (555) 123-4567',
    '12/03/2026',
    '- 3',
    "'quoted",
    'a=b',
  ];

  it('formulas get a leading apostrophe; numbers, phones and text stay as they are', () => {
    for (const f of formulas) expect(csvSafe(f)).toBe(`'${f}`);
    for (const d of data) expect(csvSafe(d)).toBe(d);
  });

  it('reading undoes it: a file exported and uploaded again reads as first written', () => {
    for (const v of [...formulas, ...data]) expect(csvUnescaped(csvSafe(v))).toBe(v);
    // a writer that escapes phones too (customer-service's export) reads back as well
    expect(csvUnescaped("'+44 20 7946 0018")).toBe('+44 20 7946 0018');
    expect(csvUnescaped("'-5.00")).toBe('-5.00');
    expect(csvUnescaped("'quoted")).toBe("'quoted");
  });
});
