import { startEmbedded, type Embedded } from '../support/harness';

describe('customer CSV import, end to end on the embedded stack (R4.1–R4.5)', () => {
  let sys: Embedded;
  beforeAll(async () => {
    sys = await startEmbedded();
  });
  afterAll(async () => {
    await sys?.stop();
  });

  it('imports a small file: uploads, sends the rows, counts the answers, completes', async () => {
    const csv = 'First Name,Last Name,E-mail,Phone\nAda,Lovelace,ada@example.com,+44 20 7946 0018\nGrace,Hopper,grace@example.com,\n';
    const res = await sys.upload('acme', csv);
    expect(res.status).toBe(202);
    const job = await sys.finished('acme', res.body.jobId);
    expect(job).toMatchObject({ status: 'completed', totalRows: 2, processedRows: 2, counts: { created: 2, updated: 0, unchanged: 0, rejected: 0 } });
    expect(sys.customers.byEmail('acme', 'ada@example.com')?.values).toMatchObject({ firstName: 'Ada', phone: '+44 20 7946 0018' });
  });
});
