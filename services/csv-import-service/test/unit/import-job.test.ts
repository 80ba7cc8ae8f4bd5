import { counterDelta } from '../../src/domain/import-job';

describe('counterDelta (R4.4)', () => {
  it('counts a first result for a line as one processed row of its outcome', () => {
    expect(counterDelta(null, 'rejected')).toEqual({
      created: 0,
      updated: 0,
      unchanged: 0,
      rejected: 1,
      processedRows: 1,
    });
  });

  it('moves a line reported again from its old outcome to the new one, without a new processed row', () => {
    expect(counterDelta('rejected', 'updated')).toEqual({
      created: 0,
      updated: 1,
      unchanged: 0,
      rejected: -1,
      processedRows: 0,
    });
  });

  it('changes nothing when a line is reported again with the same outcome', () => {
    expect(counterDelta('created', 'created')).toEqual({
      created: 0,
      updated: 0,
      unchanged: 0,
      rejected: 0,
      processedRows: 0,
    });
  });
});
