import type { EntityManager } from 'typeorm';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { newId } from '@crp/platform/ids';
import { describeReal, freshMysqlDatabase, uniqueName } from '@crp/testing/real-infra';
import { plansOf, statementsOf } from '@crp/testing/mysql-reads';
import { embeddedEnv } from '@crp/testing/service-env';
import { testLogger } from '@crp/testing/silent-logger';
import { createOrderIngestService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import type { Delegation } from '../../src/domain/delegation';
import { DelegationEntity } from '../../src/infra/db/delegation-entities';
import { delegationRepository } from '../../src/infra/db/delegation-repositories';
import { orderRepository } from '../../src/infra/db/order-repository';
import { listScenarios } from '../support/list-scenarios';
import { seedOrders, storedOrder, type OrderIngestService } from '../support/stored-orders';

/** Index entries this connection read while `fn` ran (MariaDB's session Handler_read_* counters). */
async function indexEntriesRead(tx: EntityManager, fn: () => Promise<unknown>): Promise<number> {
  const read = async () => {
    const rows = (await tx.query(
      "SHOW SESSION STATUS WHERE Variable_name IN ('Handler_read_first', 'Handler_read_key', 'Handler_read_next')",
    )) as Array<{ Value: string }>;
    return rows.reduce((n, r) => n + Number(r.Value), 0);
  };
  const before = await read();
  await fn();
  return (await read()) - before;
}

/** Rows this connection's transaction has locked so far (InnoDB's count, indexes and table). */
async function rowsLocked(tx: EntityManager): Promise<number> {
  const [row] = (await tx.query(
    'SELECT trx_rows_locked AS n FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = CONNECTION_ID()',
  )) as Array<{ n: string }>;
  return Number(row?.n ?? 0);
}

describeReal('order and delegation lists on real MariaDB', () => {
  let svc: OrderIngestService;
  let bus: InProcessBus;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const fresh = await freshMysqlDatabase('order_lists');
    drop = fresh.drop;
    bus = new InProcessBus();
    svc = await createOrderIngestService(loadConfig(embeddedEnv({ DATABASE_URL: fresh.url })), {
      bus,
      logger: testLogger(),
    });
    await svc.start();
  });
  afterAll(async () => {
    await svc?.stop();
    await bus?.close();
    await drop?.();
  });

  listScenarios(() => svc);

  // MariaDB only: the plans. At 1,000,000 orders in one account a page filtered by a rare status
  // was read through (account_id, id) from the cursor, every order checked for its status; past
  // about half of the account a page unfiltered, or of a common status, by `ref` on the account
  // from its first entry. Here 3,000 orders (30 on hold, the others shipped) in two stores.
  it('a page of orders in id order filtered by status (rare or common), store, customer or nothing reads its (account_id, …, id) index as a range from its cursor', async () => {
    const acct = uniqueName('acct');
    const rows = Array.from({ length: 3000 }, (_, n) =>
      storedOrder(acct, n, {
        orderStatus: n % 100 === 0 ? 'on_hold' : 'shipped',
        storeId: n % 2 ? 'st_a' : 'st_b',
        customerId: `cus_${n % 3}`,
      }),
    );
    await seedOrders(svc, rows);
    const filters = [
      [{ status: 'on_hold' }, 'idx_orders_status'],
      [{ status: 'shipped' }, 'idx_orders_status'],
      [{ storeId: 'st_a' }, 'idx_orders_store'],
      [{ customerId: 'cus_1' }, 'idx_orders_customer'],
      [{}, 'idx_orders_account_id'],
    ] as const;
    for (const [filter, index] of filters) {
      const plans = await svc.db.transaction((tx) =>
        plansOf(
          tx,
          async () => {
            for (const at of [300, 1500, 2700])
              await orderRepository.list(tx, acct, { ...filter, after: { id: rows[at]!.id }, limit: 51 });
          },
          /FROM `orders`[\s\S]*ORDER BY/,
        ),
      );
      expect(plans).toEqual([0, 1, 2].map(() => [expect.objectContaining({ type: 'range', key: index })]));
    }
  });

  // MariaDB only: the plans. At 1,000,000 orders, with two filters or by updated-at the index was
  // MariaDB's choice: a store with a status it never had read every order of that status (127–270
  // ms a page), a page by updated-at at 50–90 % was read by `ref` from the account's first entry
  // (70–290 ms), a store with a status it never had by updated-at read the whole account (2.5 s).
  it('a page with two filters, or by updated-at, reads the index that fits as a range from its cursor; by updated-at with a store, the updated-at order within a rows-examined budget, then MariaDB’s plan where the store is rare', async () => {
    const acct = uniqueName('acct');
    const rows = Array.from({ length: 9000 }, (_, n) =>
      storedOrder(acct, n, {
        orderStatus: n % 100 === 0 ? 'on_hold' : 'shipped',
        storeId: n % 1000 === 999 ? 'st_rare' : n % 2 ? 'st_a' : 'st_b',
        customerId: `cus_${n % 3}`,
      }),
    );
    await seedOrders(svc, rows);
    await svc.db.dataSource.query('ANALYZE TABLE orders');
    const since = rows[0]!.updatedAt;
    const at = (n: number) => ({ id: rows[n]!.id, updatedAt: rows[n]!.updatedAt });
    const statements = /FROM `?orders`?/;
    const cases = [
      [{ storeId: 'st_a', status: 'shipped' }, 'idx_orders_store_status'],
      [{ storeId: 'st_a', status: 'on_hold' }, 'idx_orders_store_status'],
      [{ customerId: 'cus_1', status: 'shipped' }, 'idx_orders_customer'],
      [{ updatedSince: since }, 'idx_orders_updated'],
      [{ updatedSince: since, status: 'on_hold' }, 'idx_orders_status_updated'],
      // A common store by updated-at: the page within the budget, one statement.
      [{ updatedSince: since, storeId: 'st_a' }, 'idx_orders_updated'],
    ] as const;
    for (const [filter, index] of cases) {
      const plans = await svc.db.transaction((tx) =>
        plansOf(
          tx,
          async () => {
            for (const n of [900, 4500, 8100])
              await orderRepository.list(tx, acct, { ...filter, after: at(n), limit: 21 });
          },
          statements,
        ),
      );
      expect({ filter, plans }).toEqual({
        filter,
        plans: [0, 1, 2].map(() => [expect.objectContaining({ type: 'range', key: index })]),
      });
    }
    // A store of 9 orders by updated-at: the budget runs out before a page (20,000 rows examined,
    // about 6,700 entries), the rest of the range is counted (index only, past 4,000), then
    // MariaDB's plan reads the page. Near the end of the list, the rest of the range is short: the
    // page is read from it again without the budget, on the same index.
    const rare = rows.filter((o) => o.storeId === 'st_rare').map((o) => o.id);
    for (const [from, last] of [
      [undefined, /^SELECT (?![\s\S]*FORCE INDEX)[\s\S]*ORDER BY updated_at, id LIMIT \?$/],
      [at(8990), /FORCE INDEX \(`idx_orders_updated`\)[\s\S]*ORDER BY updated_at, id LIMIT \?$/],
    ] as const) {
      let sent: string[] = [];
      const page = await svc.db.transaction(async (tx) => {
        let listed: Awaited<ReturnType<typeof orderRepository.list>> = [];
        const all = await statementsOf(tx, async () => {
          listed = await orderRepository.list(tx, acct, {
            updatedSince: since,
            storeId: 'st_rare',
            after: from,
            limit: 21,
          });
        });
        sent = all.map((st) => st.sql).filter((sql) => statements.test(sql));
        return listed;
      });
      expect(page.map((o) => o.id)).toEqual(from ? rare.slice(-1) : rare);
      expect(sent).toHaveLength(3);
      expect(sent[2]).toMatch(last);
      expect(sent[0]).toMatch(/FORCE INDEX \(`idx_orders_updated`\)[\s\S]*ROWS EXAMINED/);
      expect(sent[1]).toMatch(/COUNT\(\*\)[\s\S]*FORCE INDEX \(idx_orders_updated\)/);
    }
  });

  // MariaDB only (the session's read counters). TypeORM's getCount() was COUNT(DISTINCT id) over
  // every match: 200 ms a page for an account of a million orders, whichever the page.
  it("GET /v1/orders's count reads at most 1,001 index entries however many orders match, on the status index when filtered by status", async () => {
    const acct = uniqueName('acct');
    const rows = Array.from({ length: 3000 }, (_, n) =>
      storedOrder(acct, n, { orderStatus: n % 100 === 0 ? 'on_hold' : 'shipped' }),
    );
    await seedOrders(svc, rows);
    await svc.db.transaction(async (tx) => {
      for (const filter of [{}, { status: 'shipped' }]) {
        let n = 0;
        const read = await indexEntriesRead(tx, async () => {
          n = await orderRepository.count(tx, acct, filter, 1001);
        });
        expect(n).toBe(1001);
        expect(read).toBeLessThanOrEqual(1002);
      }
      const plans = await plansOf(
        tx,
        () => orderRepository.count(tx, acct, { status: 'on_hold' }, 1001),
        /COUNT\(/,
      );
      expect(plans[0]).toEqual(
        expect.arrayContaining([expect.objectContaining({ table: 'orders', key: 'idx_orders_status' })]),
      );
    });
  });

  // MariaDB only: the plans. With only (provider_account_id, provider_order_id) to go by, a 3PL's
  // page was read through the primary key from the cursor, every delegation of every 3PL checked:
  // a 3PL whose delegations all came early read the table to its end for its last page (200 ms at
  // 1,000,000 delegations). With the index but unnamed, a page half way through a big 3PL's
  // delegations was read by `ref` from the 3PL's first entry (50 ms).
  it('a page of delegations reads (provider_account_id, order_id), or on the client side (client_account_id, order_id), as a range from its cursor, without sorting', async () => {
    const client = uniqueName('client');
    const provider = uniqueName('tpl');
    const rows: Delegation[] = Array.from({ length: 2000 }, (_, n) => ({
      orderId: newId('ord'),
      clientAccountId: client,
      providerAccountId: n % 10 === 0 ? provider : n % 10 < 8 ? 'tpl_other1' : 'tpl_other2',
      connectionId: 'con_1',
      providerOrderId: newId('ord'),
      delegatedBy: 'user',
      ruleId: null,
      delegatedAt: new Date(),
    }));
    await svc.db.transaction((tx) => tx.getRepository(DelegationEntity).insert(rows));
    const plans = await svc.db.transaction((tx) =>
      plansOf(
        tx,
        async () => {
          // A 3PL with a tenth of the delegations, and one with most of the rest.
          for (const accountId of [provider, 'tpl_other1'])
            for (const at of [200, 1000, 1800])
              await delegationRepository.listDelegations(tx, {
                accountId,
                side: 'provider',
                cursor: rows[at]!.orderId,
                limit: 51,
              });
          // The client side: its own (client_account_id, order_id) index, the same way.
          for (const at of [200, 1000, 1800])
            await delegationRepository.listDelegations(tx, {
              accountId: client,
              side: 'client',
              cursor: rows[at]!.orderId,
              limit: 51,
            });
        },
        /FROM `order_delegations`[\s\S]*ORDER BY/,
      ),
    );
    expect(plans).toHaveLength(9);
    plans.forEach((plan, i) => {
      const key = i < 6 ? 'idx_order_delegations_provider' : 'idx_order_delegations_client';
      expect(plan).toEqual([expect.objectContaining({ type: 'range', key })]);
      expect(plan[0]!.Extra ?? '').not.toMatch(/filesort/);
    });
  });

  // MariaDB only: the plans. One UPDATE whose WHERE ORed `customer_id IN (…)` with the identities
  // could use neither index: MariaDB read every order of every account through the primary key
  // (and locked each), 5–10 s for 200 customers at a million orders.
  it('R2.10: an erasure of 200 customers reads their orders by link on idx_orders_customer and by identity on idx_orders_buyer, never the whole table', async () => {
    const acct = uniqueName('acct');
    const rows = Array.from({ length: 4000 }, (_, n) =>
      storedOrder(acct, n, { customerId: `cus_${n}`, storeId: n % 2 ? 'st_a' : 'st_b' }),
    );
    await seedOrders(svc, rows);
    // 200 each way (one chunk before): up to 50 values MariaDB merged the two indexes, from 100 it
    // scanned the table.
    const plans = await svc.db.transaction((tx) =>
      plansOf(
        tx,
        () =>
          orderRepository.redact(
            tx,
            acct,
            {
              customerIds: rows.slice(0, 200).map((o) => o.customerId!),
              identities: rows
                .slice(200, 400)
                .map((o) => ({ storeId: o.storeId, username: o.customerUsername! })),
            },
            new Date(),
          ),
        /^\s*UPDATE orders/,
      ),
    );
    const byLink = expect.objectContaining({ type: 'range', key: 'idx_orders_customer' });
    const byIdentity = expect.objectContaining({ type: 'range', key: 'idx_orders_buyer' });
    expect(plans).toEqual([[byLink], [byLink], [byIdentity], [byIdentity]]);
  });

  // MariaDB only: the plans, reads and locks. Every CustomerUpserted names all of its customer's
  // identities; the UPDATE matched every order of those identities, linked or not, and in the
  // consumer's REPEATABLE READ read and locked each one on every new order of a repeat buyer.
  it('CustomerUpserted of a buyer with 3,000 linked orders: relinking writes nothing and reads and locks no linked order, each chunk of 100 identities a range of idx_orders_buyer', async () => {
    const acct = uniqueName('acct');
    const rows = [
      ...Array.from({ length: 3000 }, (_, n) =>
        storedOrder(acct, n, { customerUsername: 'ada', customerId: 'cus_ada' }),
      ),
      ...Array.from({ length: 2000 }, (_, n) =>
        storedOrder(acct, 3000 + n, { customerUsername: `k${n % 500}`, customerId: `cus_k${n % 500}` }),
      ),
    ];
    await seedOrders(svc, rows);
    const links = [
      { customerId: 'cus_ada', storeId: 'st_a', username: 'ada' },
      ...Array.from({ length: 249 }, (_, n) => ({
        customerId: `cus_k${n}`,
        storeId: 'st_a',
        username: `k${n}`,
      })),
    ];
    await svc.db.transaction(async (tx) => {
      let changed = -1;
      const read = await indexEntriesRead(tx, async () => {
        changed = await orderRepository.linkIdentities(tx, acct, links);
      });
      expect(changed).toBe(0);
      // The entries at each range's edges (measured: 2 read and 2.2 locked an identity), none of the 3,000 + 996
      // linked orders between them (before: all 3,996 read and locked).
      expect(read).toBeLessThan(links.length * 3);
      expect(await rowsLocked(tx)).toBeLessThan(links.length * 3);
    });
    const plans = await svc.db.transaction((tx) =>
      plansOf(tx, () => orderRepository.linkIdentities(tx, acct, links), /^\s*UPDATE orders/),
    );
    const byIdentity = expect.objectContaining({ type: 'range', key: 'idx_orders_buyer' });
    expect(plans).toEqual([[byIdentity], [byIdentity], [byIdentity]]);
  });
  // ADR 0036: an event with orderIds takes, of its identities, only the orders linked to nobody;
  // the orders another customer holds (an archived record's history) are neither read nor locked.
  it("CustomerUpserted with orderIds, the buyer's 3,000 older orders on another (archived) record: only the 5 unlinked orders are linked, read as an index range; the others are neither read nor locked", async () => {
    const acct = uniqueName('acct');
    const rows = [
      ...Array.from({ length: 3000 }, (_, n) =>
        storedOrder(acct, n, { customerUsername: 'ada', customerId: 'cus_archived' }),
      ),
      ...Array.from({ length: 5 }, (_, n) => storedOrder(acct, 3000 + n, { customerUsername: 'ada' })),
    ];
    await seedOrders(svc, rows);
    const links = [{ customerId: 'cus_new', storeId: 'st_a', username: 'ada' }];
    await svc.db.transaction(async (tx) => {
      let changed = -1;
      const read = await indexEntriesRead(tx, async () => {
        changed = await orderRepository.linkIdentities(tx, acct, links, { onlyUnlinked: true });
      });
      expect(changed).toBe(5);
      expect(read).toBeLessThan(5 * 3 + 3);
      expect(await rowsLocked(tx)).toBeLessThan(5 * 3 + 3);
    });
    const linked = (await svc.db.dataSource.query(
      'SELECT customer_id AS c, COUNT(*) AS n FROM orders WHERE account_id = ? GROUP BY customer_id ORDER BY customer_id',
      [acct],
    )) as Array<{ c: string; n: number | string }>;
    expect(linked.map((r) => [r.c, Number(r.n)])).toEqual([
      ['cus_archived', 3000],
      ['cus_new', 5],
    ]);
    const plans = await svc.db.transaction((tx) =>
      plansOf(
        tx,
        () => orderRepository.linkIdentities(tx, acct, links, { onlyUnlinked: true }),
        /^\s*UPDATE orders/,
      ),
    );
    // A range either way: the identity's unlinked orders (idx_orders_buyer), or — MariaDB's choice
    // once they are linked — the account's unlinked orders (idx_orders_customer, customer_id NULL).
    expect(plans).toEqual([
      [
        expect.objectContaining({
          type: 'range',
          key: expect.stringMatching(/^idx_orders_(buyer|customer)$/),
        }),
      ],
    ]);
  });
});
