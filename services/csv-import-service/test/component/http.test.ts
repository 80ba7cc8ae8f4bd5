import request from 'supertest';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { signDevToken } from '@crp/platform/auth';
import { listExpressRoutes } from '@crp/platform/http';
import { createCsvImportService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import { SECRET, insertJob } from '../support/fixtures';
import { embeddedEnv } from '@crp/testing/service-env';

describe('csv-import-service HTTP API (embedded default)', () => {
  let handle: Awaited<ReturnType<typeof createCsvImportService>>;
  let acme: string;
  let globex: string;

  beforeAll(async () => {
    handle = await createCsvImportService(loadConfig(embeddedEnv()), { bus: new InProcessBus() });
    acme = await signDevToken(SECRET, { accountId: 'acme' });
    globex = await signDevToken(SECRET, { accountId: 'globex', role: 'member' });
  });
  afterAll(async () => {
    await handle?.stop();
  });

  it('answers /healthz and /readyz', async () => {
    await request(handle.app).get('/healthz').expect(200, { status: 'ok', service: 'csv-import-service' });
    const ready = await request(handle.app).get('/readyz').expect(200);
    expect(ready.body.checks).toMatchObject({ database: 'ok', bus: 'ok' });
  });

  it('documents exactly the routes it serves', async () => {
    const doc = (await request(handle.app).get('/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const served = listExpressRoutes(handle.app).map((r) => r.replace(/:([A-Za-z0-9_]+)/g, '{$1}'));
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect([...served].sort()).toEqual([...documented].sort());
    expect(served).toEqual(
      expect.arrayContaining([
        'GET /v1/imports',
        'POST /v1/imports',
        'GET /v1/imports/{jobId}',
        'GET /v1/imports/{jobId}/errors.csv',
        'GET /v1/imports/{jobId}/preview',
        'GET /v1/imports/{jobId}/preview.csv',
        'POST /v1/imports/{jobId}/cancel',
        'POST /v1/imports/{jobId}/apply',
        'GET /v1/imports/templates/customers.csv',
        'GET /v1/imports/templates/orders.csv',
      ]),
    );
    const upload = (doc.paths['/v1/imports'] as Record<string, { requestBody?: { content: object } }>).post;
    expect(Object.keys(upload?.requestBody?.content ?? {})).toEqual(['multipart/form-data']);
  });

  it('refuses a request without a token', async () => {
    const res = await request(handle.app).get('/v1/imports').expect(401);
    expect(res.body).toEqual({
      error: expect.objectContaining({ code: 'UNAUTHORIZED', message: expect.any(String) }),
    });
  });

  it("lists only the caller's account's jobs, newest first", async () => {
    const older = await insertJob(handle.db, 'acme', { fileName: 'old.csv' });
    const newer = await insertJob(handle.db, 'acme', {
      fileName: 'new.csv',
      columnMapping: { 'E-mail': 'email' },
      processedRows: 2,
      created: 1,
      rejected: 1,
    });
    await insertJob(handle.db, 'globex', { fileName: 'theirs.csv' });

    const res = await request(handle.app)
      .get('/v1/imports')
      .set('Authorization', `Bearer ${acme}`)
      .expect(200);
    const jobs = res.body.jobs as Array<Record<string, unknown>>;
    expect(jobs.map((j) => j.jobId)).toEqual([newer.id, older.id]);
    expect(jobs[0]).toMatchObject({
      jobId: newer.id,
      kind: 'customers',
      status: 'running',
      fileName: 'new.csv',
      totalRows: 3,
      processedRows: 2,
      counts: { created: 1, updated: 0, unchanged: 0, rejected: 1 },
      progress: { rows: 2, estimatedTotalRows: 3, totalRowsExact: true },
      created: 1,
      updated: 0,
      unchanged: 0,
      rejected: 1,
      columnMapping: { 'E-mail': 'email' },
      createdBy: 'user@acme',
      createdAt: newer.createdAt.toISOString(),
      updatedAt: newer.updatedAt.toISOString(),
      finishedAt: null,
    });

    const theirs = await request(handle.app)
      .get('/v1/imports')
      .set('Authorization', `Bearer ${globex}`)
      .expect(200);
    expect((theirs.body.jobs as Array<{ fileName: string }>).map((j) => j.fileName)).toEqual(['theirs.csv']);
  });

  it('honours limit', async () => {
    const res = await request(handle.app)
      .get('/v1/imports?limit=1')
      .set('Authorization', `Bearer ${acme}`)
      .expect(200);
    expect(res.body.jobs).toHaveLength(1);
  });

  it("returns one job, and 404 for another account's job", async () => {
    const mine = await insertJob(handle.db, 'acme');
    const theirs = await insertJob(handle.db, 'globex');
    const res = await request(handle.app)
      .get(`/v1/imports/${mine.id}`)
      .set('Authorization', `Bearer ${acme}`)
      .expect(200);
    expect(res.body).toMatchObject({ jobId: mine.id, status: 'running', totalRows: 3 });

    const other = await request(handle.app)
      .get(`/v1/imports/${theirs.id}`)
      .set('Authorization', `Bearer ${acme}`)
      .expect(404);
    expect(other.body.error.code).toBe('NOT_FOUND');
  });

  it('rejects a bad query with VALIDATION_FAILED', async () => {
    for (const q of ['limit=0', 'limit=201', 'limit=abc']) {
      const res = await request(handle.app)
        .get(`/v1/imports?${q}`)
        .set('Authorization', `Bearer ${acme}`)
        .expect(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
  });
});
