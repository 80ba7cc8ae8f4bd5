import { gzipSync } from 'node:zlib';
import { readBatchResults, responseDetail } from '../../src/infra/mailchimp/batch-results';

// An archive as GNU tar writes one (a directory entry, then two JSON files), the shape of
// Mailchimp's batch results download (response_body_url).
const GNU_TAR_GZ =
  'H4sIAAAAAAAAA+3TPU/DMBAG4PwU6+aI2qmdStk7sMJIUOU2RgqNcpHtVkhV/ztuB4ZQyhQq4H0W5+NOtnx612qWTU0mC2POazJez8/KqMLM51qfvispzTwTZvKTJbsQrRci88zxWt13/3+ptZrZu9fA/YR7nAZcav3l/AtTjOavVGkyISc804d/Pv+nA6ULiLuw2nDjqCqkzIkH521suV+1DVXpVVJO3oWB+5Bq6HCkYz5qNBcb1aixptjGztVU1XTfR+d724lH5/fOi6X37GvKa2pctG13LmIeQk1pv+db39TflPK/vnX+Vak/5X8hkf+fMM6/vhjj4mqM97ZrG/HgAu/8xo0T/CY65m0QL3brkGQAAAAAAAAAAAAAAAAAAIApvAMKn5/dACgAAA==';

describe("Mailchimp batch results (issue #19): the results archive's operations", () => {
  test('reads every JSON file of a tar.gz written by GNU tar, skipping the directory entry', () => {
    const results = readBatchResults(Buffer.from(GNU_TAR_GZ, 'base64'));
    expect(results.map((r) => [r.operation_id, r.status_code])).toEqual([
      ['op0', 200],
      ['op1', 500],
      ['op2', 400],
    ]);
    expect(responseDetail(results[2]!.response)).toBe('Invalid Resource: x looks fake');
  });

  test('an empty archive has no results; something that is not gzip is an error (the batch is sent again)', () => {
    expect(readBatchResults(gzipSync(Buffer.alloc(1024)))).toEqual([]);
    expect(() => readBatchResults(Buffer.from('<Error>AccessDenied</Error>'))).toThrow();
  });
});
