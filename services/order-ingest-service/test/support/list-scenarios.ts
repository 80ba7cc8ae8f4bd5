import request from 'supertest';
import { signDevToken } from '@crp/platform/auth';
import { newId } from '@crp/platform/ids';
import { uniqueName } from '@crp/testing/real-infra';
import { TEST_SECRET } from '@crp/testing/service-env';
import type { Delegation } from '../../src/domain/delegation';
import { DelegationEntity } from '../../src/infra/db/delegation-entities';
import { orderRepository } from '../../src/infra/db/order-repository';
import { seedOrders, storedOrder, type OrderIngestService } from './stored-orders';

/**
 * The list pages' behaviour at volume, on whichever database the suite gives (SQLite in
 * component/lists.test.ts, MariaDB in integration/lists-mariadb.test.ts). Every scenario works in
 * its own accounts.
 */
export function listScenarios(service: () => OrderIngestService) {
  const get = async (accountId: string, path: string) => {
    const res = await request(service().app)
      .get(path)
      .set('Authorization', `Bearer ${await signDevToken(TEST_SECRET, { accountId })}`);
    expect(res.status).toBe(200);
    return res.body as Record<string, unknown> & { nextCursor: string | null };
  };

  /** Every page of a list, following nextCursor: the ids in the order served and each page's body. */
  const everyPage = async (
    accountId: string,
    path: string,
    idOf: (item: Record<string, string>) => string,
  ) => {
    const ids: string[] = [];
    const pages: Array<Record<string, unknown>> = [];
    let cursor: string | null = null;
    do {
      const body = await get(accountId, `${path}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      const items = (body.orders ?? body.delegations) as Array<Record<string, string>>;
      ids.push(...items.map(idOf));
      pages.push(body);
      cursor = body.nextCursor;
    } while (cursor);
    return { ids, pages };
  };

  it('GET /v1/orders: total is exact up to 1,000 matches, then says 1,000 with totalRelation gte, on every page', async () => {
    const acct = uniqueName('acct');
    // 1,000 orders in one store and one in another: 1,001 in the account.
    const rows = Array.from({ length: 1001 }, (_, n) =>
      storedOrder(acct, n, {
        storeId: n < 1000 ? 'st_a' : 'st_b',
        orderStatus: n % 100 ? 'shipped' : 'on_hold',
      }),
    );
    await seedOrders(service(), rows);

    const all = await get(acct, '/v1/orders?limit=10');
    expect(all).toMatchObject({ total: 1000, totalRelation: 'gte' });
    expect(await get(acct, `/v1/orders?limit=10&cursor=${all.nextCursor}`)).toMatchObject({
      total: 1000,
      totalRelation: 'gte',
    });
    const storeA = await get(acct, '/v1/orders?storeId=st_a&limit=10');
    expect(storeA).toMatchObject({ total: 1000, totalRelation: 'eq' });
    expect(await get(acct, `/v1/orders?storeId=st_a&limit=10&cursor=${storeA.nextCursor}`)).toMatchObject({
      total: 1000,
      totalRelation: 'eq',
    });
    expect(await get(acct, '/v1/orders?status=on_hold&limit=3')).toMatchObject({
      total: 11,
      totalRelation: 'eq',
    });
    const since = rows[995]!.updatedAt.toISOString();
    expect(await get(acct, `/v1/orders?updatedSince=${since}&limit=2`)).toMatchObject({
      total: 6,
      totalRelation: 'eq',
    });
    expect(await get(acct, '/v1/orders?storeId=st_b')).toMatchObject({
      total: 1,
      totalRelation: 'eq',
      nextCursor: null,
    });
    // A status none of them has (one that is not a status at all is a 400: orders-api.test.ts).
    expect(await get(acct, '/v1/orders?status=rejected_fulfillment')).toEqual({
      orders: [],
      total: 0,
      totalRelation: 'eq',
      nextCursor: null,
    });
  });

  it('GET /v1/orders: a first page that holds every match is its own count (no counting statement); a later page counts', async () => {
    const acct = uniqueName('acct');
    await seedOrders(
      service(),
      Array.from({ length: 5 }, (_, n) => storedOrder(acct, n)),
    );
    const manager = service().db.dataSource.manager;
    const query = manager.query.bind(manager);
    const counts: string[] = [];
    const spy = jest.spyOn(manager, 'query').mockImplementation((sql, params) => {
      if (/COUNT\(/i.test(sql)) counts.push(sql);
      return query(sql, params);
    });
    try {
      expect(await get(acct, '/v1/orders?limit=5')).toMatchObject({
        total: 5,
        totalRelation: 'eq',
        nextCursor: null,
      });
      expect(counts).toEqual([]);
      const first = await get(acct, '/v1/orders?limit=4');
      expect(first).toMatchObject({ total: 5, totalRelation: 'eq' });
      expect(await get(acct, `/v1/orders?limit=4&cursor=${first.nextCursor}`)).toMatchObject({
        total: 5,
        totalRelation: 'eq',
        nextCursor: null,
      });
      expect(counts).toHaveLength(2);
    } finally {
      spy.mockRestore();
    }
  });

  it('GET /v1/orders?status= pages through exactly the orders of that status, each once, in id order — with storeId too, and by updated-at with updatedSince', async () => {
    const acct = uniqueName('acct');
    const rows = Array.from({ length: 600 }, (_, n) =>
      storedOrder(acct, n, {
        orderStatus: n % 23 === 0 ? 'on_hold' : n % 2 ? 'shipped' : 'awaiting_shipment',
        storeId: n % 3 ? 'st_a' : 'st_b',
      }),
    );
    await seedOrders(service(), rows);
    const idsWhere = (keep: (o: (typeof rows)[number]) => boolean) => rows.filter(keep).map((o) => o.id);
    const orderId = (o: Record<string, string>) => o.orderId!;

    const onHold = await everyPage(acct, '/v1/orders?status=on_hold&limit=4', orderId);
    expect(onHold.ids).toEqual(idsWhere((o) => o.orderStatus === 'on_hold'));
    for (const page of onHold.pages) expect(page).toMatchObject({ total: 27, totalRelation: 'eq' });
    const inStore = await everyPage(acct, '/v1/orders?status=on_hold&storeId=st_b&limit=3', orderId);
    expect(inStore.ids).toEqual(idsWhere((o) => o.orderStatus === 'on_hold' && o.storeId === 'st_b'));
    const since = rows[300]!.updatedAt.toISOString();
    const changed = await everyPage(acct, `/v1/orders?status=on_hold&updatedSince=${since}&limit=5`, orderId);
    expect(changed.ids).toEqual(
      idsWhere((o) => o.orderStatus === 'on_hold' && o.updatedAt >= rows[300]!.updatedAt),
    );
    const shipped = await everyPage(acct, '/v1/orders?status=shipped&limit=100', orderId);
    expect(shipped.ids).toEqual(idsWhere((o) => o.orderStatus === 'shipped'));
  });

  it('GET /v1/orders with two or three filters, or by updated-at, pages through exactly the matching orders, each once, in the list order', async () => {
    const acct = uniqueName('acct');
    // Updated-at out of id order (every third order changed later), so the two orders differ.
    const rows = Array.from({ length: 600 }, (_, n) =>
      storedOrder(acct, n, {
        orderStatus: n % 23 === 0 ? 'on_hold' : n % 2 ? 'shipped' : 'awaiting_shipment',
        storeId: n % 3 ? 'st_a' : n % 7 ? 'st_b' : 'st_c',
        customerId: `cus_${n % 4}`,
        ...(n % 3 === 0 ? { updatedAt: new Date(Date.UTC(2026, 10, 21) + (600 - n) * 1000) } : {}),
      }),
    );
    await seedOrders(service(), rows);
    const orderId = (o: Record<string, string>) => o.orderId!;
    const since = new Date(Date.UTC(2026, 10, 20, 10, 0, 0) + 250 * 1000);
    const byUpdated = (a: (typeof rows)[number], b: (typeof rows)[number]) =>
      a.updatedAt.getTime() - b.updatedAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    const cases: Array<[string, (o: (typeof rows)[number]) => boolean]> = [
      ['storeId=st_b&status=shipped', (o) => o.storeId === 'st_b' && o.orderStatus === 'shipped'],
      ['storeId=st_c&status=on_hold', (o) => o.storeId === 'st_c' && o.orderStatus === 'on_hold'],
      ['customerId=cus_1&status=shipped', (o) => o.customerId === 'cus_1' && o.orderStatus === 'shipped'],
      ['customerId=cus_2&storeId=st_b', (o) => o.customerId === 'cus_2' && o.storeId === 'st_b'],
      [`updatedSince=${since.toISOString()}`, (o) => o.updatedAt >= since],
      [
        `updatedSince=${since.toISOString()}&storeId=st_b`,
        (o) => o.updatedAt >= since && o.storeId === 'st_b',
      ],
      [
        `updatedSince=${since.toISOString()}&status=on_hold`,
        (o) => o.updatedAt >= since && o.orderStatus === 'on_hold',
      ],
      [
        `updatedSince=${since.toISOString()}&storeId=st_a&status=awaiting_shipment`,
        (o) => o.updatedAt >= since && o.storeId === 'st_a' && o.orderStatus === 'awaiting_shipment',
      ],
      [
        `updatedSince=${since.toISOString()}&customerId=cus_3&status=shipped`,
        (o) => o.updatedAt >= since && o.customerId === 'cus_3' && o.orderStatus === 'shipped',
      ],
    ];
    for (const [qs, keep] of cases) {
      const matches = rows.filter(keep);
      if (qs.includes('updatedSince')) matches.sort(byUpdated);
      expect(matches.length).toBeGreaterThan(1);
      const pages = await everyPage(acct, `/v1/orders?${qs}&limit=7`, orderId);
      expect({ qs, ids: pages.ids }).toEqual({ qs, ids: matches.map((o) => o.id) });
    }
  });

  it("GET /v1/delegations?side=provider pages through exactly the 3PL's delegated orders, each once, in the client's order id order", async () => {
    const provider = uniqueName('tpl');
    const other = uniqueName('tpl');
    const rows: Delegation[] = Array.from({ length: 500 }, (_, n) => ({
      orderId: newId('ord'),
      clientAccountId: `client${n % 3}`,
      providerAccountId: n % 5 === 0 ? provider : other,
      connectionId: 'con_1',
      providerOrderId: newId('ord'),
      delegatedBy: 'user',
      ruleId: null,
      delegatedAt: new Date(),
    }));
    await service().db.transaction((tx) => tx.getRepository(DelegationEntity).insert(rows));

    const paged = await everyPage(provider, '/v1/delegations?side=provider&limit=7', (d) => d.clientOrderId!);
    expect(paged.ids).toEqual(rows.filter((d) => d.providerAccountId === provider).map((d) => d.orderId));
  });

  it('R2.10: an erasure empties the orders found by link or by identity, counts each once, and leaves every other order as it was', async () => {
    const acct = uniqueName('acct');
    const other = uniqueName('acct');
    const at = new Date('2026-11-24T12:00:00.123Z');
    const byLink = storedOrder(acct, 0, { customerId: 'cus_1', customerUsername: 'u0' });
    const byIdentity = storedOrder(acct, 1, { customerUsername: 'u1' });
    const byBoth = storedOrder(acct, 2, { customerId: 'cus_1', customerUsername: 'u2' });
    const kept = [
      storedOrder(acct, 3, { customerId: 'cus_9', customerUsername: 'u3' }),
      storedOrder(acct, 4, { storeId: 'st_b', customerUsername: 'u1' }), // the same key in another store
      storedOrder(other, 5, { customerId: 'cus_1', customerUsername: 'u1' }), // another account
    ];
    // Past one chunk of 200 each way.
    const manyLinked = Array.from({ length: 250 }, (_, n) =>
      storedOrder(acct, 10 + n, { customerId: `cus_l${n}` }),
    );
    const manyKeyed = Array.from({ length: 250 }, (_, n) =>
      storedOrder(acct, 300 + n, { customerUsername: `k${n}` }),
    );
    await seedOrders(service(), [byLink, byIdentity, byBoth, ...kept, ...manyLinked, ...manyKeyed]);

    const erased = await service().db.transaction((tx) =>
      orderRepository.redact(
        tx,
        acct,
        {
          customerIds: ['cus_1', ...manyLinked.map((o) => o.customerId!)],
          identities: [
            { storeId: 'st_a', username: 'u1' },
            { storeId: 'st_a', username: 'u2' },
            ...manyKeyed.map((o) => ({ storeId: 'st_a', username: o.customerUsername! })),
          ],
        },
        at,
      ),
    );
    expect(erased).toBe(503);

    const stored = await service().db.transaction((tx) =>
      Promise.all(
        [byLink, byIdentity, byBoth, ...manyLinked, ...manyKeyed, ...kept].map((o) =>
          orderRepository.get(tx, o.accountId, o.id),
        ),
      ),
    );
    const gone = stored.slice(0, 503);
    for (const o of gone) {
      expect(o).toMatchObject({
        customerUsername: null,
        customerEmail: null,
        buyerName: null,
        buyerPhone: null,
        shipTo: null,
        billTo: null,
        notes: [],
        redactedAt: at,
        total: 10,
      });
    }
    for (const [i, o] of stored.slice(503).entries()) {
      expect(o).toMatchObject({
        customerEmail: kept[i]!.customerEmail,
        notes: ['Ring twice'],
        redactedAt: null,
      });
    }
  });

  it("CustomerUpserted's identities: each identity's orders go to its customer (the last when listed twice), orders linked already are not written again, other stores and accounts stay as they were", async () => {
    const acct = uniqueName('acct');
    const other = uniqueName('acct');
    const unlinked = storedOrder(acct, 0, { customerUsername: 'ada' });
    const linked = storedOrder(acct, 1, { customerUsername: 'ada', customerId: 'cus_ada' });
    const moved = storedOrder(acct, 2, { customerUsername: 'bob', customerId: 'cus_old' });
    const twice = storedOrder(acct, 3, { customerUsername: 'cyd', customerId: 'cus_y' });
    const kept = [
      storedOrder(acct, 4, { storeId: 'st_b', customerUsername: 'ada' }), // the same key in another store
      storedOrder(other, 5, { customerUsername: 'ada' }), // another account
      storedOrder(acct, 6, { customerUsername: 'dan', customerId: 'cus_dan' }), // not named
    ];
    // Past one chunk of 100: 250 buyers, every other one linked already.
    const many = Array.from({ length: 250 }, (_, n) =>
      storedOrder(acct, 10 + n, { customerUsername: `k${n}`, customerId: n % 2 ? `cus_k${n}` : null }),
    );
    await seedOrders(service(), [unlinked, linked, moved, twice, ...kept, ...many]);
    const links = [
      { customerId: 'cus_ada', storeId: 'st_a', username: 'ada' },
      { customerId: 'cus_bob', storeId: 'st_a', username: 'bob' },
      { customerId: 'cus_y', storeId: 'st_a', username: 'cyd' },
      ...many.map((o, n) => ({ customerId: `cus_k${n}`, storeId: 'st_a', username: o.customerUsername! })),
      { customerId: 'cus_z', storeId: 'st_a', username: 'cyd' },
    ];
    const link = () => service().db.transaction((tx) => orderRepository.linkIdentities(tx, acct, links));

    // ada's unlinked order, bob's, cyd's (to its last customer) and the 125 unlinked buyers.
    expect(await link()).toBe(128);
    expect(await link()).toBe(0);

    const stored = await service().db.transaction((tx) =>
      Promise.all(
        [unlinked, linked, moved, twice, ...kept, ...many].map((o) =>
          orderRepository.get(tx, o.accountId, o.id),
        ),
      ),
    );
    expect(stored.slice(0, 7).map((o) => o!.customerId)).toEqual([
      'cus_ada',
      'cus_ada',
      'cus_bob',
      'cus_z',
      null,
      null,
      'cus_dan',
    ]);
    expect(stored.slice(7).map((o) => o!.customerId)).toEqual(many.map((_, n) => `cus_k${n}`));
    expect(stored[1]).toMatchObject({ updatedAt: linked.updatedAt, revision: 1 });
  });
}
