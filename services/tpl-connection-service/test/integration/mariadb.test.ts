import request from 'supertest';
import { signDevToken } from '@crp/platform/auth';
import { describeReal, freshMysqlDatabase, uniqueName } from '@crp/testing/real-infra';
import { createTplConnectionService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import { InvitationEntity } from '../../src/infra/db/entities';
import { SECRET, insertConnection } from '../support/fixtures';
import { realEnv } from '@crp/testing/service-env';

describeReal('tpl-connection-service on real MariaDB and Kafka', () => {
  let handle: Awaited<ReturnType<typeof createTplConnectionService>>;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const fresh = await freshMysqlDatabase('tpl_connection');
    drop = fresh.drop;
    handle = await createTplConnectionService(loadConfig(realEnv(fresh.url, `${uniqueName('x')}.`)));
    await handle.start();
  });
  afterAll(async () => {
    await handle?.stop();
    await drop?.();
  });

  it('migrations created its tables, and it is ready', async () => {
    const runner = handle.db.dataSource.createQueryRunner();
    try {
      for (const table of [
        'connections',
        'invitations',
        'carrier_accounts',
        'outbox_events',
        'inbox_messages',
      ]) {
        expect(await runner.hasTable(table)).toBe(true);
      }
    } finally {
      await runner.release();
    }
    const ready = await request(handle.app).get('/readyz').expect(200);
    expect(ready.body.checks).toEqual({ database: 'ok', bus: 'ok' });
  });

  it('serves the client list from MariaDB', async () => {
    const c = await insertConnection(handle.db, 'shipfast', { clientName: 'Acme' });
    const token = await signDevToken(SECRET, { accountId: 'shipfast' });
    const res = await request(handle.app)
      .get('/v1/clients')
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    expect(res.body.clients).toEqual([
      expect.objectContaining({ connectionId: c.id, status: 'pending', clientName: 'Acme' }),
    ]);
  });

  it('keeps invitation token hashes unique (R5.3: one link, one connection)', async () => {
    const repo = handle.db.dataSource.getRepository(InvitationEntity);
    const row = {
      connectionId: 'con_1',
      tokenHash: 'a'.repeat(64),
      expiresAt: new Date(),
      usedAt: null,
      createdAt: new Date(),
    };
    await repo.insert({ id: 'inv_1', ...row });
    await expect(repo.insert({ id: 'inv_2', ...row })).rejects.toThrow(/Duplicate/i);
  });
});
