import request from 'supertest';
import { ORDER_STATUSES, isOrderStatus, type OrderStatus } from '@crp/contracts/order-status';
import { signDevToken } from '@crp/platform/auth';
import { uniqueName } from '@crp/testing/real-infra';
import { TEST_SECRET } from '@crp/testing/service-env';
import {
  CanonicalOrderStatuses1732000000270,
  STATUS_BATCH,
} from '../../src/infra/db/migrations/1732000000270-canonical-order-statuses';
import { seedOrders, storedOrder, type OrderIngestService } from './stored-orders';

type Listed = {
  orderId: string;
  orderStatus: string | null;
  channel: { essentials: Record<string, unknown> | null };
};

/**
 * Migration 1732000000270 on whichever database the suite gives (SQLite in
 * component/status-migration.test.ts, MariaDB in integration/status-migration-mariadb.test.ts):
 * orders stored with the statuses written before the status was defined once are found by
 * `GET /v1/orders?status=` afterwards.
 */
export function statusMigrationScenarios(service: () => OrderIngestService) {
  const everyOrder = async (accountId: string, query: string): Promise<Listed[]> => {
    const token = await signDevToken(TEST_SECRET, { accountId });
    const out: Listed[] = [];
    let cursor: string | null = null;
    do {
      const res = await request(service().app)
        .get(`/v1/orders?limit=500${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
        .set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(200);
      const body = res.body as { orders: Listed[]; nextCursor: string | null };
      out.push(...body.orders);
      cursor = body.nextCursor;
    } while (cursor);
    return out;
  };
  const migrate = async () => {
    const runner = service().db.dataSource.createQueryRunner();
    try {
      await new CanonicalOrderStatuses1732000000270().up(runner);
    } finally {
      await runner.release();
    }
  };

  // What older versions stored: a spelling of a status, or a word that is no status.
  const legacy: Array<[string, OrderStatus | null]> = [
    ['Awaiting Shipment', 'awaiting_shipment'],
    ['shipped ', 'shipped'],
    ['Shipped', 'shipped'],
    ['SHIPPED', 'shipped'],
    ['Canceled', 'cancelled'],
    ['on-hold', 'on_hold'],
    ['Awaiting-Payment', 'awaiting_payment'],
    ['  ', null],
    ['Delivered', null],
    ['wc-awaiting-pickup', null],
  ];

  it(`rewrites every stored status to the canonical one (over ${STATUS_BATCH}-order rounds); ?status= finds them; a word that is no status becomes null and stays in channel data`, async () => {
    const acct = uniqueName('acct');
    // 2,600 orders: every other one canonical, the rest cycling through the legacy values.
    const rows = Array.from({ length: 2600 }, (_, n) => {
      const old = legacy[(n >> 1) % legacy.length]!;
      const status = n % 2 ? ORDER_STATUSES[n % ORDER_STATUSES.length]! : old[0];
      const channel = n % 4 === 0 ? { status: status, payment_method: 'cod' } : null;
      return storedOrder(acct, n, { orderStatus: status, channelData: channel });
    });
    const expected = new Map<string, OrderStatus | null>(
      rows.map((r, n) => [
        r.id,
        n % 2 ? (r.orderStatus as OrderStatus) : legacy[(n >> 1) % legacy.length]![1],
      ]),
    );
    await seedOrders(service(), rows);
    const want = (s: OrderStatus) => [...expected].filter(([, v]) => v === s).map(([id]) => id);

    // Before: an order stored as "Awaiting Shipment" is not found by its status.
    const before = await everyOrder(acct, '&status=awaiting_shipment');
    expect(before.map((o) => o.orderId)).not.toEqual(want('awaiting_shipment'));

    await migrate();

    for (const s of ORDER_STATUSES) {
      const found = await everyOrder(acct, `&status=${s}`);
      expect(found.map((o) => o.orderId)).toEqual(want(s));
      expect(found.every((o) => o.orderStatus === s)).toBe(true);
    }
    const all = await everyOrder(acct, '');
    expect(all).toHaveLength(rows.length);
    for (const [i, o] of all.entries()) {
      const stored = rows[i]!;
      expect(o.orderId).toBe(stored.id);
      expect(o.orderStatus).toBe(expected.get(o.orderId));
      const was = stored.orderStatus!;
      if (o.orderStatus === null && was.trim() !== '') {
        // The word is kept in channel data, beside what the channel data already held.
        expect(o.channel.essentials).toEqual({ ...(stored.channelData ?? {}), orderStatus: was });
      } else {
        expect(o.channel.essentials).toEqual(stored.channelData);
      }
    }
  });

  it('run again, it changes nothing; canonical and null statuses are never touched', async () => {
    const acct = uniqueName('acct');
    const rows = [
      storedOrder(acct, 0, { orderStatus: 'Awaiting Shipment' }),
      storedOrder(acct, 1, { orderStatus: 'Delivered', channelData: { status: 'Delivered' } }),
      storedOrder(acct, 2, { orderStatus: null }),
      storedOrder(acct, 3, { orderStatus: 'on_hold', channelData: { status: 'on-hold' } }),
    ];
    await seedOrders(service(), rows);
    await migrate();
    const once = await everyOrder(acct, '');
    await migrate();
    const twice = await everyOrder(acct, '');
    expect(twice).toEqual(once);
    expect(once.map((o) => o.orderStatus)).toEqual(['awaiting_shipment', null, null, 'on_hold']);
    expect(once.map((o) => o.channel.essentials)).toEqual([
      null,
      { status: 'Delivered', orderStatus: 'Delivered' },
      null,
      { status: 'on-hold' },
    ]);
    expect(once.every((o) => o.orderStatus === null || isOrderStatus(o.orderStatus))).toBe(true);
  });
}
