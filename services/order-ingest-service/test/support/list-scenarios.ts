import request from 'supertest';
import { signDevToken } from '@crp/platform/auth';
import { newId } from '@crp/platform/ids';
import { uniqueName } from '@crp/testing/real-infra';
import { TEST_SECRET } from '@crp/testing/service-env';
import type { Delegation } from '../../src/domain/delegation';
import { DelegationEntity } from '../../src/infra/db/delegation-entities';
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
}
