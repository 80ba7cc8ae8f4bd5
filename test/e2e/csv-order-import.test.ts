import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createCsvImportService } from '@crp/csv-import-service/composition-root';
import { loadConfig as csvConfig } from '@crp/csv-import-service/config';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { fixturePath } from '@crp/testing/fixtures';
import { testLogger } from '@crp/testing/silent-logger';
import { waitFor } from '@crp/testing/wait';
import { SECRET, startSystem, type System } from './support/system';

// Order CSV import across three services (R3.2, ADR 0013): csv-import-service reads the file,
// order-ingest-service makes the orders through its batch ingest, customer-service links them —
// or not, when no column is mapped to the buyer username. In-process bus and SQLite.
describe('order CSV import: csv-import → order-ingest → customer-service', () => {
  let bus: InProcessBus;
  let sys: System;
  let csv: Awaited<ReturnType<typeof createCsvImportService>>;
  let dir: string;

  beforeAll(async () => {
    bus = new InProcessBus();
    dir = mkdtempSync(join(tmpdir(), 'e2e-csv-'));
    sys = await startSystem({ customerDbUrl: 'sqlite::memory:', orderDbUrl: 'sqlite::memory:', bus });
    csv = await createCsvImportService(
      csvConfig({
        DATABASE_URL: 'sqlite::memory:',
        BUS: 'in-process',
        AUTH_JWT_SECRET: SECRET,
        LOG_LEVEL: 'silent',
        OUTBOX_POLL_MS: '20',
        CSV_IMPORT_DIR: dir,
        CSV_IMPORT_POLL_MS: '20',
      }),
      { bus, logger: testLogger('csv-import-service') },
    );
    await csv.start();
  });
  afterAll(async () => {
    await csv?.stop();
    await sys?.stop();
    await bus?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function importOrders(accountId: string, file: string, fields: Record<string, string> = {}) {
    const token = await sys.token(accountId);
    let r = request(csv.app)
      .post('/v1/imports')
      .set('Authorization', `Bearer ${token}`)
      .field('kind', 'orders');
    for (const [k, v] of Object.entries(fields)) r = r.field(k, v);
    const res = await r.attach('file', readFileSync(fixturePath('shippo', file)), file);
    expect(res.status).toBe(202);
    return waitFor(
      async () => {
        const job = await request(csv.app)
          .get(`/v1/imports/${res.body.jobId}`)
          .set('Authorization', `Bearer ${token}`);
        return job.body.status === 'completed' && job.body;
      },
      { timeoutMs: 20000, what: 'the order import to complete' },
    );
  }
  const orders = async (accountId: string) =>
    (
      await request(sys.orders.app)
        .get('/v1/orders')
        .set('Authorization', `Bearer ${await sys.token(accountId)}`)
    ).body.orders as Array<Record<string, unknown>>;
  const customers = async (accountId: string) =>
    (
      await request(sys.customers.app)
        .get('/v1/customers')
        .set('Authorization', `Bearer ${await sys.token(accountId)}`)
    ).body.customers as Array<Record<string, unknown>>;

  /**
   * customer-service has handled every OrderImported of the account: order-ingest's outbox is
   * drained (the relay marks a row once published), and each event has its inbox row.
   */
  const customersCaughtUp = async (accountId: string) => {
    const count = async (svc: typeof sys.orders | typeof sys.customers, sql: string, params: string[] = []) =>
      Number(((await svc.db.dataSource.query(sql, params)) as Array<{ n: number }>)[0]!.n);
    await waitFor(
      async () =>
        (await count(sys.orders, 'SELECT COUNT(*) AS n FROM outbox_events WHERE published_at IS NULL')) === 0,
      { what: "order-ingest's outbox drained" },
    );
    const ids = bus
      .messagesOn('OrderImported')
      .map((m) => JSON.parse(m.value) as { eventId: string; accountId: string })
      .filter((e) => e.accountId === accountId)
      .map((e) => e.eventId);
    expect(ids.length).toBeGreaterThan(0);
    await waitFor(
      async () =>
        (await count(
          sys.customers,
          `SELECT COUNT(DISTINCT event_id) AS n FROM inbox_messages WHERE event_id IN (${ids.map(() => '?').join(',')})`,
          ids,
        )) === ids.length,
      { what: 'customer-service caught up' },
    );
  };

  it("Shippo's batch without a username mapping: orders made, none linked, and the job says so", async () => {
    const job = await importOrders('shippo1', 'batch-domestic.csv');
    expect(job).toMatchObject({
      kind: 'orders',
      totalRows: 3,
      counts: { created: 3, updated: 0, unchanged: 0, rejected: 0 },
    });
    expect(job.warnings).toEqual([expect.stringMatching(/no column is mapped to the buyer username.*R3\.2/)]);
    const made = await orders('shippo1');
    expect(made.map((o) => o.orderNumber).sort()).toEqual(['ORD-101', 'ORD-102', 'ORD-103']);
    expect(made.find((o) => o.orderNumber === 'ORD-101')).toMatchObject({
      customerEmail: 'maria@example.com',
      orderTotal: 45,
      shipTo: expect.objectContaining({ name: 'Maria Garcia', city: 'Washington', country: 'US' }),
    });
    // Nobody from the sender columns, nobody at all: R3.2.
    await customersCaughtUp('shippo1');
    expect(await customers('shippo1')).toEqual([]);
  });

  it('mapping the recipient email to both email and username links the orders; re-importing is unchanged (R1.9)', async () => {
    const mapping = JSON.stringify({ recipient_email: ['buyer.email', 'buyer.username'] });
    const job = await importOrders('shippo2', 'batch-international.csv', { mapping });
    expect(job).toMatchObject({ counts: { created: 2 }, warnings: [] });
    const linked = await waitFor(
      async () => {
        const list = await customers('shippo2');
        return list.length === 2 && list;
      },
      { what: 'two linked customers' },
    );
    expect(linked.map((c) => c.email).sort()).toEqual(['emily@example.com', 'pierre@example.fr']);
    expect(linked.find((c) => c.email === 'pierre@example.fr')).toMatchObject({ countryCode: 'FR' });
    const again = await importOrders('shippo2', 'batch-international.csv', { mapping });
    expect(again.counts).toEqual({ created: 0, updated: 0, unchanged: 2, rejected: 0 });
    expect(await orders('shippo2')).toHaveLength(2);
  });
});
