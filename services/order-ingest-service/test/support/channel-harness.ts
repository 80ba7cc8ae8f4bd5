import request from 'supertest';
import { decodeEvent } from '@crp/contracts/registry';
import type { OrderImportedV1 } from '@crp/contracts/events/order-imported';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { signDevToken } from '@crp/platform/auth';
import { TEST_SECRET, embeddedEnv } from '@crp/testing/service-env';
import { testLogger } from '@crp/testing/silent-logger';
import { waitFor } from '@crp/testing/wait';
import { createOrderIngestService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, read field by field by the tests
type View = Record<string, any>;

export type SyncJobView = {
  jobId: string;
  status: string;
  pages: number;
  window: { from: string; to: string };
  counts: { created: number; updated: number; unchanged: number; rejected: number };
  errors: string[];
};

/**
 * order-ingest-service on SQLite and the in-process bus, pointed at fake channels: connect a
 * store, run its sync to the end, read its orders and the OrderImported events it published.
 */
export async function startIngest(env: Record<string, string>) {
  const bus = new InProcessBus();
  const svc = await createOrderIngestService(
    loadConfig(
      embeddedEnv({
        CHANNEL_RETRY_BASE_MS: '5',
        SYNC_SCHEDULER_TICK_MS: '0',
        WEBHOOK_POLL_MS: '50',
        ...env,
      }),
    ),
    { bus, logger: testLogger() },
  );
  await svc.start();
  const auth = async (accountId = 'acme') =>
    `Bearer ${await signDevToken(TEST_SECRET, { accountId, role: 'admin' })}`;

  const connect = async (body: Record<string, unknown>) => {
    const res = await request(svc.app)
      .post('/v1/stores')
      .set('Authorization', await auth())
      .send(body);
    if (res.status !== 201) throw new Error(`connect: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { storeId: string };
  };

  const sync = async (storeId: string): Promise<SyncJobView> => {
    const token = await auth();
    const started = await request(svc.app).post(`/v1/stores/${storeId}/sync`).set('Authorization', token);
    if (started.status !== 202) throw new Error(`sync: ${started.status} ${JSON.stringify(started.body)}`);
    return waitFor(
      async () => {
        const res = await request(svc.app)
          .get(`/v1/stores/${storeId}/syncs/${started.body.jobId}`)
          .set('Authorization', token);
        return ['succeeded', 'failed'].includes(res.body.status) ? (res.body as SyncJobView) : undefined;
      },
      { timeoutMs: 20000, intervalMs: 20, what: `sync job ${started.body.jobId}` },
    );
  };

  const orders = async (storeId: string) =>
    (
      await request(svc.app)
        .get('/v1/orders')
        .query({ storeId, limit: 500 })
        .set('Authorization', await auth())
    ).body as { orders: Array<View>; total: number };

  const order = async (orderId: string) =>
    (
      await request(svc.app)
        .get(`/v1/orders/${orderId}`)
        .set('Authorization', await auth())
    ).body as View;

  const store = async (storeId: string) =>
    (
      await request(svc.app)
        .get(`/v1/stores/${storeId}`)
        .set('Authorization', await auth())
    ).body as View;

  /** OrderImported events published so far (after the outbox relay), optionally of one store. */
  const imported = (storeId?: string) =>
    bus
      .messagesOn('OrderImported')
      .map((m) => decodeEvent(m.value, 'OrderImported') as OrderImportedV1)
      .filter((e) => !storeId || e.payload.order.storeId === storeId);

  /** Waits until `n` events of the store are published (the outbox relays after the commit). */
  const importedCount = (storeId: string, n: number) =>
    waitFor(() => (imported(storeId).length >= n ? imported(storeId) : undefined), {
      timeoutMs: 10000,
      what: `${n} OrderImported events`,
    });

  const stop = async () => {
    await svc.stop();
    await bus.close();
  };
  return { svc, bus, auth, connect, sync, orders, order, store, imported, importedCount, stop };
}

export type Ingest = Awaited<ReturnType<typeof startIngest>>;
