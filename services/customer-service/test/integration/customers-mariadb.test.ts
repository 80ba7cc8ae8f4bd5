import { describeReal, uniqueName } from '@crp/testing/real-infra';
import { signDevToken } from '@crp/platform/auth';
import type { EntityManager } from 'typeorm';
import { waitFor } from '@crp/testing/wait';
import request from 'supertest';
import { SECRET, activeCustomer, buyer, customerScenarios, orderEvent } from '../support/scenarios';
import { duplicateScenarios } from '../support/duplicate-scenarios';
import { exportScenarios } from '../support/export-scenarios';
import { realCustomerService } from '../support/real-stack';
import { customerRepository } from '../../src/infra/db/customer-repository';
import { linkOrders } from '../../src/app/link-orders';
import { createPrivacyRequest, PRIVACY_EXPORTS_AT_ONCE, type PrivacyExport } from '../../src/app/privacy';
import type { CustomerRepository } from '../../src/app/ports';
import { mailchimpRepository } from '../../src/infra/db/mailchimp-repository';
import { duplicateRepository } from '../../src/infra/db/duplicate-repository';
import {
  CANDIDATES_PER_KEY,
  SAME_PHONE_SAME_NAME_CONFIDENCE,
  suggestDuplicates,
  type MatchKeysRecord,
} from '../../src/domain/duplicates';
import { analyzeReads, statementsOf } from '@crp/testing/mysql-reads';
import { searchScenarios } from '../support/search-scenarios';
import { parse } from 'csv-parse/sync';
import { newId } from '@crp/platform/ids';
import type { CustomerRecord, IdentityRecord } from '../../src/domain/records';

describeReal('customer-service on real MariaDB and Kafka', () => {
  // One service for the suite on a fresh database and topic prefix, warmed up (real-stack.ts);
  // every scenario works in its own account (uniqueName('acct')).
  const stack = realCustomerService('cust');

  const deadLetters = async () => {
    const got: Array<{ eventId: string | null; reason: string }> = [];
    const sub = await stack().bus.subscribe({
      groupId: uniqueName('dlt-reader'),
      topics: ['OrderImported.DLT'],
      eachBatch: async (messages, ctl) => {
        for (const m of messages) {
          ctl.ack(m);
          let eventId: string | null = null;
          try {
            eventId = (JSON.parse(m.value!.toString()) as { eventId?: string }).eventId ?? null;
          } catch {
            eventId = null;
          }
          got.push({ eventId, reason: m.headers['dlt-error-message'] ?? '' });
        }
      },
    });
    await new Promise((r) => setTimeout(r, 3000)); // one read of the topic from the beginning
    await sub.stop();
    return got;
  };

  const env = () => ({ ...stack(), deadLetters });

  /** Writes `rows` directly, and one identity in `store` (username `buyer<i>`) for each of `buyers`. */
  const writeWithIdentities = async (
    rows: CustomerRecord[],
    buyers: CustomerRecord[],
    store: Pick<IdentityRecord, 'storeId' | 'storeName' | 'storeType'>,
  ): Promise<IdentityRecord[]> => {
    const now = new Date();
    const identities: IdentityRecord[] = buyers.map((c, i) => ({
      ...store,
      id: newId('idn'),
      accountId: c.accountId,
      username: `buyer${i}`,
      customerId: c.id,
      createdAt: now,
      updatedAt: now,
    }));
    await stack().svc.db.transaction(async (tx) => {
      await customerRepository.insertCustomers(tx, rows);
      await customerRepository.insertIdentities(tx, identities);
    });
    return identities;
  };
  customerScenarios(env);
  searchScenarios(env);
  exportScenarios(env);
  duplicateScenarios(env);

  // MariaDB only: SQLite stores any integer in an INT column, so there the same event is no poison.
  it('a poison event in a batch (data the database refuses) goes to the dead-letter topic with its reason; every other event of the batch is applied once', async () => {
    const acct = uniqueName('acct');
    const good = [1, 2, 3, 4, 5, 6].map((n) =>
      orderEvent(acct, { buyer: buyer(`ok${n}`), order: { total: n } }),
    );
    // Valid by the contract, refused by the column: the contracts bound every text to its column
    // (limits.ts), so only a number the INT cannot hold gets this far — as from a foreign producer.
    const poison = orderEvent(acct, { buyer: buyer('poison'), order: { revision: 3_000_000_000 } });
    const { svc, bus } = stack();
    await bus.publish(
      [...good.slice(0, 3), poison, ...good.slice(3)].map((e) => ({
        topic: 'OrderImported',
        key: e.accountId,
        value: JSON.stringify(e),
      })),
    );
    const token = `Bearer ${await signDevToken(SECRET, { accountId: acct })}`;
    const list = await waitFor(
      async () => {
        const res = await request(svc.app).get('/v1/customers').set('Authorization', token);
        return res.body.total === 6 ? res.body : undefined;
      },
      { timeoutMs: 30000, what: 'the six good orders' },
    );
    expect(list.customers.map((c: { history: { orderCount: number } }) => c.history.orderCount)).toEqual([
      1, 1, 1, 1, 1, 1,
    ]);
    const dead = await waitFor(
      async () => {
        const all = (await deadLetters()).filter((d) => d.eventId === poison.eventId);
        return all.length ? all : undefined;
      },
      { timeoutMs: 30000, what: 'the poison event dead-lettered' },
    );
    expect(dead).toHaveLength(1);
    expect(dead[0]!.reason).toMatch(/out of range|revision/i);
  });

  // MariaDB only: SQLite takes no index hint. At 1,000,000 customers MariaDB read a deep page of a
  // status-only list or export by `ref` on (account_id, status) from the account's first entry,
  // filtering on the cursor (800,000 entries a page; the export fell to 17,000 rows/s): the page
  // is read from idx_customers_account_status_id as a range from the cursor.
  it('R2.11: a list or export page filtered by status alone reads the status index as a range from its cursor', async () => {
    const { svc } = stack();
    const acct = uniqueName('acct');
    const statements: Array<{ sql: string; params: Parameters<EntityManager['query']>[1] }> = [];
    const plans = await svc.db.transaction(async (tx) => {
      const query = tx.query.bind(tx);
      const spy = jest.spyOn(tx, 'query').mockImplementation((sql, params) => {
        statements.push({ sql, params });
        return query(sql, params);
      });
      const page = { after: 'cus_00000000000000000000', limit: 2000 };
      await customerRepository.exportPage(tx, acct, { status: 'active' }, page);
      await customerRepository.findCustomers(tx, acct, { status: 'archived' }, { ...page, limit: 50 });
      spy.mockRestore();
      const reads = statements.filter((s) => /FROM customers c\b[^;]*ORDER BY c\.id LIMIT/.test(s.sql));
      expect(reads).toHaveLength(2);
      return Promise.all(
        reads.map(
          async (s) =>
            (await tx.query(`EXPLAIN ${s.sql}`, s.params)) as Array<{
              select_type: string;
              table: string;
              type: string;
              key: string | null;
            }>,
        ),
      );
    });
    for (const plan of plans) {
      // The page's read of customers: the list's one select, the export's derived page (its outer
      // select joins the page's rows back).
      const page = plan.filter((r) => r.table === 'c' && r.select_type !== 'PRIMARY');
      expect(page).toEqual([
        expect.objectContaining({ type: 'range', key: 'idx_customers_account_status_id' }),
      ]);
    }
  });

  // MariaDB only (SQLite takes no hint and has no ROWS EXAMINED). At 1,000,000 customers
  // MariaDB's own plan for a page filtered by a store that a third of them have sorted every
  // match for each page (2.7–6.5 s; an export by store would have taken minutes): such a page is
  // read in id order, given up after ROWS EXAMINED where the store is rare, and then read by the
  // optimizer's plan. Here 11,000 customers without the store come first, then 1,200 with it.
  it('R2.11: pages filtered by a common store are read in id order, by the optimizer where the store is sparse, and every page is exact (list and export)', async () => {
    const { svc } = stack();
    const acct = uniqueName('acct');
    const store = { storeId: 'st_common', storeName: 'Common store', storeType: 'shopify' };
    const rows = Array.from({ length: 12_200 }, (_, i) => activeCustomer(acct, { name: `Buyer ${i}` }));
    const withStore = rows.slice(11_000);
    const identities = await writeWithIdentities(rows, withStore, store);
    const expected = withStore.map((c) => c.id); // newId: creation order is id order
    const usernameOf = new Map(identities.map((i) => [i.customerId, `${store.storeId}:${i.username}`]));

    const manager = svc.db.dataSource.manager;
    const query = manager.query.bind(manager);
    const statements: string[] = [];
    const spy = jest.spyOn(manager, 'query').mockImplementation((sql, params) => {
      statements.push(sql);
      return query(sql, params);
    });
    const token = `Bearer ${await signDevToken(SECRET, { accountId: acct })}`;
    try {
      const pages: Array<{ ids: string[]; statements: string[] }> = [];
      let cursor: string | null = null;
      do {
        statements.length = 0;
        const res: request.Response = await request(svc.app)
          .get(`/v1/customers?storeId=${store.storeId}&limit=100${cursor ? `&cursor=${cursor}` : ''}`)
          .set('Authorization', token);
        expect(res.status).toBe(200);
        pages.push({
          ids: res.body.customers.map((c: { customerId: string }) => c.customerId),
          statements: [...statements],
        });
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(pages.flatMap((p) => p.ids)).toEqual(expected);
      const inOrder = (p: { statements: string[] }) => p.statements.some((q) => q.includes('ROWS EXAMINED'));
      const byOptimizer = (p: { statements: string[] }) =>
        p.statements.some((q) => /FROM customers c WHERE[^;]*ORDER BY c\.id LIMIT \?$/.test(q.trim()));
      // The first page's scan meets 11,000 customers without the store and gives up.
      expect(inOrder(pages[0]!) && byOptimizer(pages[0]!)).toBe(true);
      // Within the store's customers, a whole page in id order, nothing else.
      expect(pages.slice(1, -1).length).toBeGreaterThan(5);
      for (const p of pages.slice(1, -1)) expect([inOrder(p), byOptimizer(p)]).toEqual([true, false]);

      const csv = await request(svc.app)
        .get(`/v1/customers/export?format=csv&storeId=${store.storeId}`)
        .set('Authorization', token);
      expect(csv.status).toBe(200);
      const records = parse(csv.text.replace(/^\ufeff/, ''), { columns: true }) as Array<
        Record<string, string>
      >;
      expect(records.map((r) => r.customerId)).toEqual(expected);
      expect(records.every((r) => r.usernames === usernameOf.get(r.customerId ?? ''))).toBe(true);
    } finally {
      spy.mockRestore();
    }
  }, 60_000);

  // MySQL 8 (the docker-compose database) has neither SET STATEMENT nor ROWS EXAMINED: it refuses
  // the id-order read with ER_PARSE_ERROR. Played here by refusing every such statement the way
  // MySQL does: each page is then read by the optimizer's plan, and is still exact.
  it('R2.11: where the server refuses ROWS EXAMINED (MySQL 8), store-filtered pages fall back to the optimizer and stay exact', async () => {
    const { svc } = stack();
    const acct = uniqueName('acct');
    const store = { storeId: 'st_common', storeName: 'Common store', storeType: 'shopify' };
    const rows = Array.from({ length: 1_250 }, (_, i) => activeCustomer(acct, { name: `Buyer ${i}` }));
    await writeWithIdentities(rows, rows, store);
    const expected = rows.map((c) => c.id);

    const manager = svc.db.dataSource.manager;
    const query = manager.query.bind(manager);
    let refused = 0;
    const spy = jest.spyOn(manager, 'query').mockImplementation((sql, params) => {
      if (sql.includes('ROWS EXAMINED')) {
        refused += 1;
        const err = Object.assign(new Error('You have an error in your SQL syntax (as MySQL 8 says)'), {
          code: 'ER_PARSE_ERROR',
          errno: 1064,
        });
        return Promise.reject(err);
      }
      return query(sql, params);
    });
    const token = `Bearer ${await signDevToken(SECRET, { accountId: acct })}`;
    try {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const res: request.Response = await request(svc.app)
          .get(`/v1/customers?storeId=${store.storeId}&limit=100${cursor ? `&cursor=${cursor}` : ''}`)
          .set('Authorization', token);
        expect(res.status).toBe(200);
        ids.push(...res.body.customers.map((c: { customerId: string }) => c.customerId));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(ids).toEqual(expected);
      expect(refused).toBeGreaterThan(5);
    } finally {
      spy.mockRestore();
    }
  }, 60_000);

  const rowsReadFrom = (reads: Array<{ table: string; rows: number }>, table: string) =>
    reads.filter((r) => r.table === table).reduce((n, r) => n + r.rows, 0);

  // MariaDB only (SQLite has no ANALYZE of a statement's reads). With one LIMIT outside the union
  // each GET /v1/duplicates page read and sorted every anchor after its cursor: 575 ms for the first
  // page of 100,000 anchors. Each branch now reads its index from the cursor and stops.
  it('GET /v1/duplicates: a page of anchors reads about a page of each index from its cursor, not every anchor after it', async () => {
    const { svc } = stack();
    const acct = uniqueName('acct');
    const tag = acct.slice(-8);
    const now = new Date();
    const anchor = (i: number) => `cus_${tag}_a${String(i).padStart(5, '0')}`;
    await svc.db.transaction(async (tx) => {
      await customerRepository.addPossibleDuplicates(
        tx,
        Array.from({ length: 3000 }, (_, i) => ({
          accountId: acct,
          customerId: `cus_${tag}_m${String(i).padStart(5, '0')}`,
          duplicateOfId: anchor(2 * Math.floor(i / 2)), // two duplicates each, even anchors
          matchedOn: 'email',
          createdAt: now,
        })),
      );
      await duplicateRepository.replaceSuggestions(
        tx,
        [],
        Array.from({ length: 1500 }, (_, i) => ({
          accountId: acct,
          customerId: anchor(2 * i + 1), // odd anchors
          otherId: `cus_${tag}_z${String(i).padStart(5, '0')}`,
          reason: 'same_name_and_address' as const,
          confidence: 0.9,
          createdAt: now,
        })),
      );
    });
    const { page, reads } = await svc.db.transaction(async (tx) => {
      let page: string[] = [];
      const [statement] = await statementsOf(tx, async () => {
        page = await duplicateRepository.duplicateAnchors(tx, acct, { after: anchor(999), limit: 51 });
      });
      return { page, reads: await analyzeReads(tx, statement!.sql, statement!.params) };
    });
    expect(page).toEqual(Array.from({ length: 51 }, (_, i) => anchor(1000 + i)));
    // Before: 2,000 index entries of possible_duplicates and 1,000 of suggestions after the cursor.
    expect(rowsReadFrom(reads, 'possible_duplicates')).toBeLessThanOrEqual(2 * 51 + 2);
    expect(rowsReadFrom(reads, 'duplicate_suggestions')).toBeLessThanOrEqual(51 + 1);
  });

  // MariaDB only. A record that 3,000 others share a placeholder email with: its duplicates, its
  // group and its page read about a hundred pairs of each list in id order, not all 3,000 (nor, as
  // MariaDB's own plan for ORDER BY … LIMIT did, the whole primary key up to the last of them).
  it('duplicates and possible duplicates of a record 3,000 others share a key with read about 100 pairs a list, in id order by their index', async () => {
    const { svc } = stack();
    const acct = uniqueName('acct');
    const anchor = activeCustomer(acct);
    const others = Array.from({ length: 3000 }, () => activeCustomer(acct));
    const now = new Date();
    await svc.db.transaction(async (tx) => {
      await customerRepository.insertCustomers(tx, [anchor, ...others]);
      await customerRepository.addPossibleDuplicates(
        tx,
        others.map((c) => ({
          accountId: acct,
          customerId: c.id,
          duplicateOfId: anchor.id,
          matchedOn: 'email',
          createdAt: now,
        })),
      );
    });
    for (const [read, index] of [
      [
        (tx: EntityManager) => duplicateRepository.duplicatePairsOf(tx, acct, anchor.id, 101),
        'idx_dup_of_key',
      ],
      [
        (tx: EntityManager) => duplicateRepository.anchoredPairsOf(tx, acct, [anchor.id], 101),
        'idx_dup_of_key',
      ],
      // The customer's page: its first 101 possible duplicates.
      [
        (tx: EntityManager) => customerRepository.possibleDuplicatesOf(tx, acct, anchor.id, 101),
        'idx_dup_of',
      ],
    ] as const) {
      const reads = await svc.db.transaction(async (tx) => {
        const sent = await statementsOf(tx, () => read(tx));
        const matching = sent.filter((s) => s.sql.includes('FROM possible_duplicates'));
        expect(matching).toHaveLength(1);
        return analyzeReads(tx, matching[0]!.sql, matching[0]!.params);
      });
      const pairs = reads.filter((r) => r.table === 'p' || r.table === 'possible_duplicates');
      expect(pairs.length).toBeGreaterThan(0);
      for (const r of pairs) expect(r.rows).toBeLessThanOrEqual(101);
      expect(pairs.filter((r) => r.key === index)).not.toHaveLength(0);
    }
  });

  // MariaDB only. R1.11 on the order stream: a buyer with 20,000 orders gets a new one, a revised
  // total and a re-import that moves its last order inwards, in one batch. Count and total spent
  // follow incrementally; the last date is read again from the two ends of idx_orders_customer.
  // Before, that re-import recounted the record's whole history (20,000 rows read, 40 ms) and
  // wrote each recounted record with an UPDATE of its own.
  it('R1.11: totals of a buyer with 20,000 orders follow a batch without reading its history', async () => {
    const { svc } = stack();
    const acct = uniqueName('acct');
    const shop = { storeId: 'st_shopify_1', storeType: 'shopify', storeName: 'Acme Shopify' } as const;
    const c = activeCustomer(acct, {
      email: 'many@buyers.example',
      emailNormalized: 'many@buyers.example',
      orderCount: 20000,
      totalSpent: 200000,
      firstOrderDate: new Date('2024-01-01T01:00:00.000Z'),
      lastOrderDate: new Date(Date.parse('2024-01-01T00:00:00.000Z') + 20000 * 3600_000),
    });
    await writeWithIdentities([c], [c], shop); // username buyer0
    const hour = (n: number) => new Date(Date.parse('2024-01-01T00:00:00.000Z') + n * 3600_000).toISOString();
    await svc.db.dataSource.query(
      `INSERT INTO customer_orders (account_id, store_id, store_order_id, order_id, customer_id, order_number,
                                    order_date, total, currency, revision)
       SELECT ?, ?, CONCAT('so-', seq), CONCAT('ord_', seq), ?, CONCAT('#', seq),
              TIMESTAMP('2024-01-01') + INTERVAL seq HOUR, 10, 'USD', 1 FROM seq_1_to_20000`,
      [acct, shop.storeId, c.id],
    );
    const event = (storeOrderId: string, orderDate: string, total: number, revision: number) =>
      orderEvent(acct, {
        buyer: buyer('many', { username: 'buyer0', email: 'many@buyers.example' }),
        order: { ...shop, storeOrderId, orderId: `ord_${storeOrderId.slice(3)}`, orderDate, total, revision },
      });
    const batch = [
      event('so-new', hour(30000), 25, 1), // a new order: the last date widens
      event('so-500', hour(500), 12.5, 2), // a revised total
      event('so-20000', hour(100), 10, 2), // the last order moved inwards: 19,999 is the last now
    ];
    const reads = await svc.db.transaction(async (tx) => {
      const sent = await statementsOf(tx, () =>
        linkOrders(tx, { repo: customerRepository, outbox: svc.outbox }, batch),
      );
      const history = sent.filter((st) => st.sql.includes('customer_orders'));
      expect(history.length).toBeGreaterThan(0);
      const all = [];
      for (const st of history) all.push(...(await analyzeReads(tx, st.sql, st.params)));
      return all;
    });
    const fromHistory = reads.filter((r) => r.table === 'customer_orders' || r.table === 'o');
    expect(fromHistory.reduce((n, r) => n + r.rows, 0)).toBeLessThanOrEqual(20);
    const [after] = await svc.db.transaction((tx) =>
      customerRepository.customersById(tx, [{ accountId: acct, id: c.id }]),
    );
    expect(after).toMatchObject({
      orderCount: 20001,
      totalSpent: 200000 + 25 + 2.5,
      firstOrderDate: new Date(hour(1)),
      lastOrderDate: new Date(hour(30000)),
    });
    // The new order moved back inwards: the last date is the 19,999th order's again.
    await svc.db.transaction((tx) =>
      linkOrders(tx, { repo: customerRepository, outbox: svc.outbox }, [event('so-new', hour(300), 25, 2)]),
    );
    const [narrowed] = await svc.db.transaction((tx) =>
      customerRepository.customersById(tx, [{ accountId: acct, id: c.id }]),
    );
    expect(narrowed).toMatchObject({
      orderCount: 20001,
      totalSpent: 200027.5,
      firstOrderDate: new Date(hour(1)),
      lastOrderDate: new Date(hour(19999)),
    });
    const [check] = await svc.db.dataSource.query(
      `SELECT COUNT(*) AS n, SUM(total) AS spent, MIN(order_date) AS first, MAX(order_date) AS last
         FROM customer_orders WHERE account_id = ? AND customer_id = ?`,
      [acct, c.id],
    );
    expect(Number(check.n)).toBe(narrowed!.orderCount);
    expect(Number(check.spent)).toBe(narrowed!.totalSpent);
  });

  // MariaDB only. The likely-duplicates scan reads of each address and phone of the changed records
  // its first CANDIDATES_PER_KEY holders in id order: before, it read every record sharing them
  // (a forwarder's address that 20,000 share: 20,000 rows, 185 ms each pass that touched it).
  it('likely duplicates: a changed record at an address 20,000 share reads 21 of them, and is still compared on its phone', async () => {
    const { svc } = stack();
    const acct = uniqueName('acct');
    const crowd = 'US|40202|1 forwarder way';
    await svc.db.dataSource.query(
      `INSERT INTO customer_match_keys (account_id, customer_id, name_key, address_key, email_normalized, phone_e164)
       SELECT ?, CONCAT('cus_crowd_', LPAD(seq, 5, '0')), 'ada lovelace', ?, CONCAT('c', seq, '@example.com'), NULL
         FROM seq_1_to_20000`,
      [acct, crowd],
    );
    const changed: MatchKeysRecord = {
      accountId: acct,
      customerId: 'cus_z_changed',
      nameKey: 'ada lovelace',
      addressKey: crowd,
      emailNormalized: 'ada@one.example',
      phoneE164: '+15025550100',
    };
    const sameHousehold = {
      ...changed,
      customerId: 'cus_z_other',
      addressKey: null,
      emailNormalized: 'ada@two.example',
    };
    await svc.db.transaction((tx) => duplicateRepository.saveMatchKeys(tx, [changed, sameHousehold]));
    const { candidates, reads } = await svc.db.transaction(async (tx) => {
      let candidates: MatchKeysRecord[] = [];
      const sent = await statementsOf(tx, async () => {
        candidates = await duplicateRepository.matchKeyCandidates(
          tx,
          {
            addresses: [{ accountId: acct, value: crowd }],
            phones: [{ accountId: acct, value: changed.phoneE164! }],
          },
          CANDIDATES_PER_KEY,
        );
      });
      const reads = [];
      for (const st of sent.filter((x) => x.sql.includes('customer_match_keys')))
        reads.push(...(await analyzeReads(tx, st.sql, st.params)));
      return { candidates, reads };
    });
    // The address: its first 21 holders in id order; the phone: both of its holders (the changed
    // record among them, at the crowd's address too but past its first 21).
    expect(rowsReadFrom(reads, 'customer_match_keys')).toBeLessThanOrEqual(CANDIDATES_PER_KEY + 2 + 2);
    expect(candidates.filter((c) => c.addressKey === crowd).map((c) => c.customerId)).toEqual([
      ...Array.from({ length: CANDIDATES_PER_KEY }, (_, i) => `cus_crowd_${String(i + 1).padStart(5, '0')}`),
      'cus_z_changed',
    ]);
    // The crowd's address blocks nothing; the phone shared with one other record under another
    // email (and the same name) is suggested, as when every holder was read.
    const found = suggestDuplicates([changed], candidates, new Date());
    expect(found.map((f) => [f.customerId, f.otherId, f.reason, f.confidence])).toEqual([
      ['cus_z_changed', 'cus_z_other', 'same_phone_other_email', SAME_PHONE_SAME_NAME_CONFIDENCE],
      ['cus_z_other', 'cus_z_changed', 'same_phone_other_email', SAME_PHONE_SAME_NAME_CONFIDENCE],
    ]);
  });

  // MariaDB only. R2.10: a privacy request walks the records merged into its customer, up to ten
  // steps; without an index on merged_into_id each step read every merged record of the account.
  it('R2.10: the records merged into a customer are read by idx_customers_account_merged_into', async () => {
    const { svc } = stack();
    const acct = uniqueName('acct');
    const survivor = activeCustomer(acct);
    const merged = [1, 2].map(() => ({
      ...activeCustomer(acct),
      status: 'merged' as const,
      mergedIntoId: survivor.id,
    }));
    await svc.db.transaction((tx) => customerRepository.insertCustomers(tx, [survivor, ...merged]));
    const { found, plan } = await svc.db.transaction(async (tx) => {
      let found: string[] = [];
      const [statement] = await statementsOf(tx, async () => {
        found = (await customerRepository.mergedInto(tx, acct, [survivor.id])).map((c) => c.id);
      });
      const plan = (await tx.query(`EXPLAIN ${statement!.sql}`, statement!.params)) as Array<{
        key: string | null;
      }>;
      return { found, plan };
    });
    expect(found.sort()).toEqual(merged.map((c) => c.id).sort());
    expect(plan.map((r) => r.key)).toEqual(['idx_customers_account_merged_into']);
  });

  // MariaDB only (row locks). R2.10: the export used to be built whole in the transaction that
  // locked the customer row, so an order of that customer waited for it (for a customer with
  // 20,000 orders and a slow client, as long as the document took). It is read from a snapshot now:
  // held mid-export (at the possible duplicates, after the history), the order links at once, and
  // the export still shows the customer as it was when it began.
  it('R2.10: while an export of a customer is being read, an order of that customer is linked; the export is the snapshot it began with', async () => {
    const { svc } = stack();
    const acct = uniqueName('acct');
    const shop = { storeId: 'st_shopify_1', storeType: 'shopify', storeName: 'Acme Shopify' } as const;
    const c = activeCustomer(acct, {
      email: 'held@buyers.example',
      emailNormalized: 'held@buyers.example',
      orderCount: 30,
      totalSpent: 300,
      firstOrderDate: new Date('2024-01-01T01:00:00.000Z'),
      lastOrderDate: new Date('2024-01-02T06:00:00.000Z'),
    });
    await writeWithIdentities([c], [c], shop); // username buyer0
    await svc.db.dataSource.query(
      `INSERT INTO customer_orders (account_id, store_id, store_order_id, order_id, customer_id, order_number,
                                    order_date, total, currency, revision)
       SELECT ?, ?, CONCAT('so-', seq), CONCAT('ord_', seq), ?, CONCAT('#', seq),
              TIMESTAMP('2024-01-01') + INTERVAL seq HOUR, 10, 'USD', 1 FROM seq_1_to_30`,
      [acct, shop.storeId, c.id],
    );
    let reached!: () => void;
    const atDuplicates = new Promise<void>((r) => (reached = r));
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const repo: CustomerRepository = {
      ...customerRepository,
      async possibleDuplicatesOf(...args) {
        reached();
        await held;
        return customerRepository.possibleDuplicatesOf(...args);
      },
    };
    const actor = { accountId: acct, userId: 'user_admin', correlationId: 'test' };
    const exporting = (async () => {
      const got = (await createPrivacyRequest({ db: svc.db, repo, outbox: svc.outbox }, actor, {
        type: 'export',
        customerId: c.id,
        basis: 'gdpr',
      })) as PrivacyExport;
      let text = '';
      for await (const piece of got.chunks) text += piece;
      return JSON.parse(text);
    })();
    await atDuplicates;
    const linking = svc.db.transaction((tx) =>
      linkOrders(tx, { repo: customerRepository, outbox: svc.outbox }, [
        orderEvent(acct, {
          buyer: buyer('held', { username: 'buyer0', email: 'held@buyers.example' }),
          order: { ...shop, storeOrderId: 'so-new', orderId: 'ord_new', total: 25 },
        }),
      ]),
    );
    const first = await Promise.race([
      linking.then(() => 'linked'),
      new Promise((r) => setTimeout(() => r('waited for the export'), 3000)),
    ]);
    release();
    const [outcome] = await linking;
    const answer = await exporting;
    expect(first).toBe('linked');
    expect(outcome).toMatchObject({ customerId: c.id });
    expect(answer.document.orders).toHaveLength(30);
    expect(answer.document.orders.map((o: { storeOrderId: string }) => o.storeOrderId)).not.toContain(
      'so-new',
    );
    expect(answer.request.outcome).toEqual({ customerIds: [c.id], orders: 30, identities: 1 });
    const [after] = await svc.db.transaction((tx) =>
      customerRepository.customersById(tx, [{ accountId: acct, id: c.id }]),
    );
    expect(after).toMatchObject({ orderCount: 31, totalSpent: 325 });
  }, 30_000);

  // MariaDB only (a pool of connections). R2.10: each export being sent holds a connection of its
  // own and needs a second one to record its request; uncapped, exports to readers that do not
  // read took every connection of the pool and each waited for one more: the service stood still.
  it('R2.10: at most PRIVACY_EXPORTS_AT_ONCE exports are sent at once; one more is a 503 that records nothing, and once one ends another goes', async () => {
    const { svc } = stack();
    const acct = uniqueName('acct');
    const c = activeCustomer(acct);
    await svc.db.transaction((tx) => customerRepository.insertCustomers(tx, [c]));
    const deps = { db: svc.db, repo: customerRepository, outbox: svc.outbox };
    const actor = { accountId: acct, userId: 'user_admin', correlationId: 'test' };
    const ask = () =>
      createPrivacyRequest(deps, actor, {
        type: 'export',
        customerId: c.id,
        basis: 'gdpr',
      }) as Promise<PrivacyExport>;
    const held: PrivacyExport[] = [];
    for (let i = 0; i < PRIVACY_EXPORTS_AT_ONCE; i++) held.push(await ask());
    await expect(ask()).rejects.toMatchObject({ status: 503, message: expect.stringMatching(/try again/) });
    const token = `Bearer ${await signDevToken(SECRET, { accountId: acct })}`;
    const refused = await request(svc.app)
      .post('/v1/privacy-requests')
      .set('Authorization', token)
      .send({ type: 'export', customerId: c.id, basis: 'gdpr' });
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('UNAVAILABLE');
    const recorded = () =>
      svc.db.transaction((tx) => customerRepository.listPrivacyRequests(tx, acct, { limit: 10 }));
    expect(await recorded()).toHaveLength(PRIVACY_EXPORTS_AT_ONCE);
    await held.shift()!.chunks.return!();
    held.push(await ask());
    for (const h of held) {
      let text = '';
      for await (const piece of h.chunks) text += piece;
      expect(JSON.parse(text).document.customer.customerId).toBe(c.id);
    }
    expect(await recorded()).toHaveLength(PRIVACY_EXPORTS_AT_ONCE + 1);
    let text = '';
    for await (const piece of (await ask()).chunks) text += piece;
    expect(JSON.parse(text).request.status).toBe('completed');
  });

  // MariaDB only (reads counted by ANALYZE). R2.10: a page of an export reads the page, not the
  // rest of the history: 20,000 orders, a page of 500 in the middle of them reads about 500 rows
  // of customer_orders (idx_orders_customer from the cursor on), also with a merged record's too.
  it('R2.10: an export page of a customer with 20,000 orders reads about a page of rows, for the record alone and with a merged record', async () => {
    const { svc } = stack();
    const acct = uniqueName('acct');
    const c = activeCustomer(acct);
    const m = activeCustomer(acct, { status: 'merged', mergedIntoId: c.id });
    await svc.db.transaction((tx) => customerRepository.insertCustomers(tx, [c, m]));
    await svc.db.dataSource.query(
      `INSERT INTO customer_orders (account_id, store_id, store_order_id, order_id, customer_id, order_number,
                                    order_date, total, currency, revision)
       SELECT ?, 'st_a', CONCAT('so-', seq), CONCAT('ord_', seq), IF(seq % 10 = 0, ?, ?), CONCAT('#', seq),
              TIMESTAMP('2024-01-01') + INTERVAL (seq DIV 3) HOUR, 10, 'USD', 1 FROM seq_1_to_20000`,
      [acct, m.id, c.id],
    );
    for (const ids of [[c.id], [c.id, m.id]]) {
      const { page, next, reads } = await svc.db.transaction(async (tx) => {
        const first = await customerRepository.ordersPage(tx, acct, ids, null, 10_000);
        const cursor = first[first.length - 1]!;
        let page: typeof first = [];
        const [st] = await statementsOf(tx, async () => {
          page = await customerRepository.ordersPage(tx, acct, ids, cursor, 500);
        });
        return { page, next: first, reads: await analyzeReads(tx, st!.sql, st!.params) };
      });
      expect(page).toHaveLength(500);
      expect(page[0]!.orderDate.getTime()).toBeGreaterThanOrEqual(next[next.length - 1]!.orderDate.getTime());
      const history = reads.filter((r) => r.table === 'customer_orders').reduce((n, r) => n + r.rows, 0);
      expect(history).toBeLessThanOrEqual(ids.length * 500 + 5);
    }
  }, 60_000);

  // MariaDB only (reads counted by ANALYZE). A page of active customers reads its identities by
  // the range of its ids; a page of another status must not: 8 archived customers among 3,000
  // active ones span the whole account, and so would their identities' id range.
  it('R2.11: an export page of archived customers reads their identities by their ids, not by the id range they span', async () => {
    const { svc } = stack();
    const acct = uniqueName('acct');
    const rows = Array.from({ length: 3_000 }, (_, i) =>
      activeCustomer(acct, { name: `Buyer ${i}`, status: i % 400 === 0 ? 'archived' : 'active' }),
    );
    const identities = await writeWithIdentities(rows, rows, {
      storeId: 'st_any',
      storeName: 'Any store',
      storeType: 'shopify',
    });
    const archived = rows.filter((c) => c.status === 'archived');
    const { page, reads } = await svc.db.transaction(async (tx) => {
      const query = tx.query.bind(tx);
      const statements: Array<{ sql: string; params: unknown[] }> = [];
      const spy = jest.spyOn(tx, 'query').mockImplementation((sql, params) => {
        statements.push({ sql, params: (params ?? []) as unknown[] });
        return query(sql, params);
      });
      const got = await customerRepository.exportPage(tx, acct, { status: 'archived' }, { limit: 2000 });
      spy.mockRestore();
      const read = statements.find((q) => /FROM customer_identities/.test(q.sql));
      return { page: got, reads: await analyzeReads(tx, read!.sql, read!.params) };
    });
    expect(page.map((c) => c.id)).toEqual(archived.map((c) => c.id));
    expect(page.map((c) => c.usernames)).toEqual(
      archived.map((c) => [
        { storeId: 'st_any', username: identities.find((i) => i.customerId === c.id)!.username },
      ]),
    );
    const identityRows = reads
      .filter((r) => r.table === 'customer_identities')
      .reduce((n, r) => n + r.rows, 0);
    expect(identityRows).toBeLessThan(50);
  }, 60_000);

  // MariaDB only (a plan). Ordered by enqueued_at, which ix_mailchimp_queue_due does not hold, a
  // pass sorted every due row of the account (0.33 s for 5,000 of 1,000,000 queued, ~200 passes
  // for such a backfill): a pass reads its rows in that index's order, the longest due first.
  it('Mailchimp: a sync pass reads its due rows in ix_mailchimp_queue_due order, longest due first, with no sort', async () => {
    const { svc } = stack();
    const acct = uniqueName('acct');
    const base = Date.parse('2026-11-20T10:00:00.000Z');
    const rows = Array.from({ length: 300 }, (_, i) => ({
      accountId: acct,
      customerId: `cus_q${String(i).padStart(4, '0')}`,
      token: `t${i}`,
      attempts: i % 7 === 0 ? 2 : 0,
      enqueuedAt: new Date(base + (i % 10) * 1000),
      // Retried rows wait longer than they were enqueued; three rows share each instant.
      nextAttemptAt: new Date(base + (i % 100) * 1000),
    }));
    const { due, plan } = await svc.db.transaction(async (tx) => {
      await mailchimpRepository.enqueue(tx, rows);
      const query = tx.query.bind(tx);
      const statements: Array<{ sql: string; params: unknown[] }> = [];
      const spy = jest.spyOn(tx, 'query').mockImplementation((sql, params) => {
        statements.push({ sql, params: (params ?? []) as unknown[] });
        return query(sql, params);
      });
      const got = await mailchimpRepository.dueRows(tx, acct, new Date(base + 50_500), 40);
      spy.mockRestore();
      const read = statements.find((q) => /FROM `mailchimp_queue`/.test(q.sql))!;
      return {
        due: got,
        plan: (await tx.query(`EXPLAIN ${read.sql}`, read.params)) as Array<{ key: string; Extra: string }>,
      };
    });
    const want = rows
      .filter((r) => r.nextAttemptAt.getTime() <= base + 50_500)
      .sort(
        (a, b) =>
          a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() || (a.customerId < b.customerId ? -1 : 1),
      )
      .slice(0, 40)
      .map((r) => r.customerId);
    expect(due.map((r) => r.customerId)).toEqual(want);
    expect(plan).toEqual([expect.objectContaining({ key: 'ix_mailchimp_queue_due' })]);
    expect(plan[0]!.Extra).not.toMatch(/filesort/);
  });

  it('is ready on MariaDB and Kafka', async () => {
    const res = await request(stack().svc.app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body.checks).toMatchObject({ database: 'ok', bus: 'ok' });
  });
});
