import { InProcessBus } from '@crp/messaging/in-process-bus';
import { describeReal, freshMysqlDatabase, uniqueName } from '@crp/testing/real-infra';
import { plansOf } from '@crp/testing/mysql-reads';
import { embeddedEnv } from '@crp/testing/service-env';
import { testLogger } from '@crp/testing/silent-logger';
import { createTplConnectionService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import { connectionRepository } from '../../src/infra/db/repositories';
import { tempMailDir } from '../support/fixtures';
import { connectionRows, insertRows, listScenarios } from '../support/list-scenarios';

describeReal('3PL client and connection lists on real MariaDB', () => {
  let svc: Awaited<ReturnType<typeof createTplConnectionService>>;
  let bus: InProcessBus;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const fresh = await freshMysqlDatabase('tpl_lists');
    drop = fresh.drop;
    bus = new InProcessBus();
    svc = await createTplConnectionService(
      loadConfig(embeddedEnv({ DATABASE_URL: fresh.url, MAIL_DIR: tempMailDir() })),
      { bus, logger: testLogger() },
    );
    await svc.start();
  });
  afterAll(async () => {
    await svc?.stop();
    await bus?.close();
    await drop?.();
  });

  listScenarios(() => svc);

  // MariaDB only: the plans. With (tpl_account_id, status) alone, a page sorted every client of
  // the 3PL (filesort), and nothing reached past the first 200. Here 3,000 connections, 2,000 of
  // them one 3PL's.
  it("a page of a 3PL's clients, filtered by status or not, reads (tpl_account_id, [status,] created_at, id) as a range from its cursor, without sorting", async () => {
    const tpl = uniqueName('tpl');
    const rows = connectionRows(tpl, 2000);
    await insertRows(svc.db, [...rows, ...connectionRows(uniqueName('tpl'), 1000)]);
    const plans = await svc.db.transaction((tx) =>
      plansOf(
        tx,
        async () => {
          for (const status of [undefined, 'active' as const])
            for (const at of [200, 1000, 1800])
              await connectionRepository.listOfTpl(tx, tpl, { status, after: rows[at], limit: 51 });
        },
        /FROM `connections`[\s\S]*ORDER BY/,
      ),
    );
    expect(plans).toHaveLength(6);
    plans.forEach((plan, i) => {
      const key = i < 3 ? 'idx_connections_tpl_created' : 'idx_connections_tpl_status_created';
      expect(plan).toEqual([expect.objectContaining({ type: 'range', key })]);
      expect(plan[0]!.Extra ?? '').not.toMatch(/filesort/);
    });
  });

  // MariaDB only: the plans. `client_account_id = ? OR (client_account_id IS NULL AND client_email
  // IN (…))` in one statement could use no index for the email side (client_email was the second
  // column of uq_connections_tpl_email): every 3PL's connections were read, then sorted.
  it("a client's connections are read on (client_account_id, updated_at, id) without sorting, and its invitations on (client_email, client_account_id)", async () => {
    const client = uniqueName('client');
    const email = `admin@${client}.example`;
    await insertRows(svc.db, [
      ...connectionRows(uniqueName('tpl'), 2000),
      ...Array.from({ length: 20 }, (_, i) =>
        connectionRows(uniqueName('tpl'), 1, () =>
          i % 2 ? { clientEmail: email, clientAccountId: client, status: 'active' } : { clientEmail: email },
        ),
      ).flat(),
    ]);
    const plans = await svc.db.transaction((tx) =>
      plansOf(
        tx,
        () => connectionRepository.listOfClient(tx, { accountId: client, emails: [email] }, { limit: 50 }),
        /FROM `connections`/,
      ),
    );
    expect(plans.map((plan) => plan.map((r) => r.key))).toEqual([
      ['idx_connections_client_updated'],
      ['idx_connections_email_client'],
    ]);
    // `ref` for one email, `range` for several; never a scan.
    expect(plans.flat().map((r) => r.type)).toEqual([
      expect.stringMatching(/^(ref|range)$/),
      expect.stringMatching(/^(ref|range)$/),
    ]);
    expect(plans[0]![0]!.Extra ?? '').not.toMatch(/filesort/);
  });
});
