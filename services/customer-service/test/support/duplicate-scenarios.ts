import request from 'supertest';
import type { OrderImportedV1 } from '@crp/contracts/events/order-imported';
import { signDevToken } from '@crp/platform/auth';
import { uniqueName } from '@crp/testing/real-infra';
import { waitFor } from '@crp/testing/wait';
import type { CustomerView } from '../../src/app/customer-view';
import { CONFIDENCE, type SuggestionReason } from '../../src/domain/duplicates';
import type { CustomerRecord } from '../../src/domain/records';
import { customerRepository } from '../../src/infra/db/customer-repository';
import { duplicateRepository } from '../../src/infra/db/duplicate-repository';
import { SECRET, activeCustomer, address, buyer, day, orderEvent, stores, type Env } from './scenarios';

const WAIT = { timeoutMs: 20000, intervalMs: 50 };

interface Entry {
  customerId: string;
  confidence: number;
  reasons: Array<{ reason: string; confidence: number; source: string }>;
  customer: { customerId: string; name: string | null; email: string | null };
}
interface Groups {
  groups: Array<{ customer: { customerId: string }; duplicates: Entry[]; truncated: boolean }>;
  nextCursor: string | null;
}

/**
 * R1.6 listed, and likely duplicates that share no key (issue 14), seen from outside: orders on the
 * bus, the scan drained, the API asked. Run on SQLite + the in-process bus and on MariaDB + Kafka.
 */
export function duplicateScenarios(getEnv: () => Env) {
  const token = (accountId: string) => signDevToken(SECRET, { accountId, role: 'admin' });
  const get = async (accountId: string, path: string) =>
    request(getEnv().svc.app)
      .get(path)
      .set('Authorization', `Bearer ${await token(accountId)}`);
  const publishAll = (events: OrderImportedV1[]) =>
    getEnv().bus.publish(
      events.map((e) => ({ topic: 'OrderImported', key: e.accountId, value: JSON.stringify(e) })),
    );
  const customers = (accountId: string, total: number, ok: (c: CustomerView[]) => boolean = () => true) =>
    waitFor(
      async () => {
        const res = await get(accountId, '/v1/customers?limit=500');
        const list = res.body.customers as CustomerView[];
        return res.body.total === total && ok(list) ? list : undefined;
      },
      { ...WAIT, what: `${total} customers` },
    );
  const byEmail = (list: CustomerView[], email: string) => list.find((c) => c.email === email)!;
  const duplicatesOf = async (accountId: string, customerId: string) => {
    await getEnv().svc.duplicates.drain();
    const res = await get(accountId, `/v1/customers/${customerId}/duplicates`);
    expect(res.status).toBe(200);
    return res.body.duplicates as Entry[];
  };
  const groups = async (accountId: string, query = '') => {
    await getEnv().svc.duplicates.drain();
    const res = await get(accountId, `/v1/duplicates${query}`);
    expect(res.status).toBe(200);
    return res.body as Groups;
  };
  const setPolicy = async (accountId: string, matchPolicy: string) => {
    const res = await request(getEnv().svc.app)
      .put('/v1/settings')
      .set('Authorization', `Bearer ${await token(accountId)}`)
      .send({ matchPolicy });
    expect(res.status).toBe(200);
  };
  const home = (name: string) => address(name, '12 Chestnut Street', { postalCode: '40202' });

  /** Records written straight into the database (the likely-duplicates scan drained: it adds nothing). */
  const seed = async (
    records: CustomerRecord[],
    pairs: Array<[customerId: string, duplicateOfId: string, matchedOn: 'email' | 'phone']>,
    suggested: Array<[customerId: string, otherId: string, reason: SuggestionReason]> = [],
  ) => {
    const { svc } = getEnv();
    const now = new Date();
    await svc.db.transaction((tx) => customerRepository.insertCustomers(tx, records));
    await svc.duplicates.drain();
    const accountId = records[0]!.accountId;
    await svc.db.transaction(async (tx) => {
      await customerRepository.addPossibleDuplicates(
        tx,
        pairs.map(([customerId, duplicateOfId, matchedOn]) => ({
          accountId,
          customerId,
          duplicateOfId,
          matchedOn,
          createdAt: now,
        })),
      );
      // Stored both ways, as the scan stores them.
      await duplicateRepository.replaceSuggestions(
        tx,
        [],
        suggested.flatMap(([a, b, reason]) =>
          [
            [a, b],
            [b, a],
          ].map(([customerId, otherId]) => ({
            accountId,
            customerId: customerId!,
            otherId: otherId!,
            reason,
            confidence: CONFIDENCE[reason],
            createdAt: now,
          })),
        ),
      );
    });
  };

  describe('duplicates', () => {
    it('R1.6 listed: two records sharing an email are each other’s duplicate (same_email, from matching), grouped under the record orders link to', async () => {
      const acct = uniqueName('acct');
      await setPolicy(acct, 'phone');
      await publishAll([
        orderEvent(acct, {
          order: { ...stores.shopify, orderDate: day(10) },
          buyer: buyer('pos1', { email: 'front@desk.example', phone: '+1 613-555-0101' }),
        }),
        orderEvent(acct, {
          order: { ...stores.ebay, orderDate: day(11) },
          buyer: buyer('pos2', { email: 'front@desk.example', phone: '+1 613-555-0102' }),
        }),
      ]);
      const two = await customers(acct, 2);
      const [oldest, younger] = two; // id order: creation order
      await setPolicy(acct, 'email,phone');
      await publishAll([
        orderEvent(acct, {
          order: { ...stores.woo, orderDate: day(12) },
          buyer: buyer('pos3', { email: 'FRONT@desk.example', phone: null }),
        }),
      ]);
      await customers(acct, 2, (l) => l.some((c) => c.history.orderCount === 2));

      const ofOldest = await duplicatesOf(acct, oldest!.customerId);
      expect(ofOldest).toEqual([
        expect.objectContaining({
          customerId: younger!.customerId,
          reasons: [{ reason: 'same_email', confidence: 0.8, source: 'matching' }],
          customer: expect.objectContaining({ email: 'front@desk.example' }),
        }),
      ]);
      expect((await duplicatesOf(acct, younger!.customerId)).map((d) => d.customerId)).toEqual([
        oldest!.customerId,
      ]);
      const g = await groups(acct);
      expect(g.groups.map((x) => [x.customer.customerId, x.duplicates.map((d) => d.customerId)])).toEqual([
        [oldest!.customerId, [younger!.customerId]],
      ]);
    });

    it('likely duplicates that share no key: the same name (any case, accents, order) at the same postal address is suggested on both records with its reason and confidence, and nothing is merged', async () => {
      const acct = uniqueName('acct');
      await publishAll([
        orderEvent(acct, {
          buyer: buyer('zoe1', {
            name: 'Zoë Ünal',
            firstName: 'Zoë',
            lastName: 'Ünal',
            email: 'zoe@home.example',
          }),
          shipTo: home('Zoë Ünal'),
        }),
        orderEvent(acct, {
          order: { ...stores.ebay },
          buyer: buyer('zoe2', {
            name: 'UNAL, Zoe',
            firstName: null,
            lastName: null,
            email: 'z.unal@work.example',
          }),
          shipTo: address('Zoe Unal', '12 chestnut street', { postalCode: '40 202' }),
        }),
        orderEvent(acct, { buyer: buyer('neighbour', { name: 'Ann Other' }), shipTo: home('Ann Other') }),
      ]);
      const list = await customers(acct, 3);
      const a = byEmail(list, 'zoe@home.example');
      const b = byEmail(list, 'z.unal@work.example');
      const dupA = await duplicatesOf(acct, a.customerId);
      expect(dupA).toEqual([
        {
          customerId: b.customerId,
          confidence: 0.9,
          reasons: [{ reason: 'same_name_and_address', confidence: 0.9, source: 'suggestion' }],
          customer: expect.objectContaining({ customerId: b.customerId, name: 'UNAL, Zoe' }),
        },
      ]);
      expect((await duplicatesOf(acct, b.customerId)).map((d) => d.customerId)).toEqual([a.customerId]);
      // The neighbour shares the address but not the name: no suggestion.
      expect(await duplicatesOf(acct, byEmail(list, 'neighbour@buyers.example').customerId)).toEqual([]);
      // Never merged automatically.
      expect((await customers(acct, 3)).every((c) => c.status === 'active')).toBe(true);
      const g = await groups(acct);
      expect(g.groups).toHaveLength(1);
      expect(g.groups[0]!.customer.customerId).toBe([a.customerId, b.customerId].sort()[0]);
    });

    it('likely duplicates: an email one typo away at the same address, and the same phone under two emails (with matchPolicy email), each say why', async () => {
      const acct = uniqueName('acct');
      await setPolicy(acct, 'email');
      await publishAll([
        orderEvent(acct, {
          buyer: buyer('typo1', { name: 'Pat Lee', email: 'pat.lee@gmail.com', phone: null }),
          shipTo: home('Pat Lee'),
        }),
        orderEvent(acct, {
          buyer: buyer('typo2', { name: 'P. Lee', email: 'pat.lee@gmial.com', phone: null }),
          shipTo: home('P. Lee'),
        }),
        orderEvent(acct, {
          buyer: buyer('phone1', { name: 'Sam Roe', email: 'sam@roe.example', phone: '+1 613-555-0177' }),
          shipTo: address('Sam Roe', '1 First Ave', { postalCode: '10001' }),
        }),
        orderEvent(acct, {
          buyer: buyer('phone2', { name: 'Kim Roe', email: 'kim@roe.example', phone: '(613) 555-0177' }),
          shipTo: address('Kim Roe', '9 Ninth Ave', { postalCode: '10009' }),
        }),
      ]);
      const list = await customers(acct, 4);
      const typo = await duplicatesOf(acct, byEmail(list, 'pat.lee@gmail.com').customerId);
      expect(typo).toEqual([
        expect.objectContaining({
          customerId: byEmail(list, 'pat.lee@gmial.com').customerId,
          reasons: [{ reason: 'email_typo_same_address', confidence: 0.8, source: 'suggestion' }],
        }),
      ]);
      const phone = await duplicatesOf(acct, byEmail(list, 'kim@roe.example').customerId);
      expect(phone).toEqual([
        expect.objectContaining({
          customerId: byEmail(list, 'sam@roe.example').customerId,
          confidence: 0.5,
          reasons: [{ reason: 'same_phone_other_email', confidence: 0.5, source: 'suggestion' }],
        }),
      ]);
      expect((await groups(acct)).groups).toHaveLength(2);
    });

    it('a later change that ends the likeness withdraws the suggestion (each changed record is compared again)', async () => {
      const acct = uniqueName('acct');
      const a = buyer('mover', { username: 'mover', name: 'Lee Mover', email: 'lee@one.example' });
      await publishAll([
        orderEvent(acct, { buyer: a, shipTo: home('Lee Mover'), order: { orderDate: day(10) } }),
        orderEvent(acct, {
          order: { ...stores.ebay, orderDate: day(10) },
          buyer: buyer('stayer', { name: 'Lee Mover', email: 'lee@two.example' }),
          shipTo: home('Lee Mover'),
        }),
      ]);
      const list = await customers(acct, 2);
      const mover = byEmail(list, 'lee@one.example');
      expect(await duplicatesOf(acct, mover.customerId)).toHaveLength(1);
      // A newer order of the same buyer ships elsewhere (R1.7): the addresses differ now.
      await publishAll([
        orderEvent(acct, {
          buyer: a,
          shipTo: address('Lee Mover', '77 Faraway Road', { postalCode: '99501' }),
          order: { orderDate: day(15) },
        }),
      ]);
      await customers(acct, 2, (l) => byEmail(l, 'lee@one.example').street1 === '77 Faraway Road');
      expect(await duplicatesOf(acct, mover.customerId)).toEqual([]);
      expect((await groups(acct)).groups).toEqual([]);
    });

    it('R2.6: a record archived leaves the comparison at once (its suggestions go with it, before any scan); restored, it is compared again', async () => {
      const acct = uniqueName('acct');
      await publishAll([
        orderEvent(acct, { buyer: buyer('arch1', { name: 'Ari Chive' }), shipTo: home('Ari Chive') }),
        orderEvent(acct, {
          order: { ...stores.ebay },
          buyer: buyer('arch2', { name: 'Ari Chive' }),
          shipTo: home('Ari Chive'),
        }),
      ]);
      const list = await customers(acct, 2);
      const a = byEmail(list, 'arch1@buyers.example');
      const b = byEmail(list, 'arch2@buyers.example');
      expect((await duplicatesOf(acct, a.customerId)).map((d) => d.customerId)).toEqual([b.customerId]);
      const archived = await request(getEnv().svc.app)
        .post(`/v1/customers/${b.customerId}/archive`)
        .set('Authorization', `Bearer ${await token(acct)}`);
      expect(archived.status).toBe(200);
      // No drain: the write itself removed b's keys and suggestions.
      const res = await get(acct, `/v1/customers/${a.customerId}/duplicates`);
      expect(res.body.duplicates).toEqual([]);
      expect((await get(acct, '/v1/duplicates')).body.groups).toEqual([]);
      const restored = await request(getEnv().svc.app)
        .post(`/v1/customers/${b.customerId}/restore`)
        .set('Authorization', `Bearer ${await token(acct)}`);
      expect(restored.status).toBe(200);
      expect((await duplicatesOf(acct, a.customerId)).map((d) => d.customerId)).toEqual([b.customerId]);
    });

    it('tenancy: the same name and address in another account is never suggested, listed or reachable', async () => {
      const a = uniqueName('acctA');
      const b = uniqueName('acctB');
      const twin = (key: string) =>
        orderEvent(a === key ? a : b, {
          buyer: buyer(`twin-${key.slice(-6)}`, { name: 'Twin Person' }),
          shipTo: home('Twin Person'),
        });
      await publishAll([twin(a)]);
      await publishAll([twin(b)]);
      const [ca] = await customers(a, 1);
      const [cb] = await customers(b, 1);
      expect(await duplicatesOf(a, ca!.customerId)).toEqual([]);
      expect(await duplicatesOf(b, cb!.customerId)).toEqual([]);
      expect((await groups(a)).groups).toEqual([]);
      expect((await get(b, `/v1/customers/${ca!.customerId}/duplicates`)).status).toBe(404);
      const unknown = await get(b, '/v1/duplicates?customerId=x');
      expect(unknown.status).toBe(400);
    });

    it('GET /v1/duplicates pages through many groups exactly: every anchor once, in id order, whether R1.6 links orders to it, it is the older record of a suggestion, or both', async () => {
      const acct = uniqueName('acct');
      const r = Array.from({ length: 150 }, () => activeCustomer(acct)); // id order: creation order
      const id = (i: number) => r[i]!.id;
      const members = new Map<string, string[]>();
      const add = (anchor: number, member: number) =>
        members.set(id(anchor), [...(members.get(id(anchor)) ?? []), id(member)]);
      const pairs: Array<[string, string, 'email' | 'phone']> = [];
      const suggested: Array<[string, string, SuggestionReason]> = [];
      for (let i = 0; i < 90; i += 3) {
        // R1.6: two duplicates each, recorded under either key.
        const m = 90 + (2 * i) / 3;
        pairs.push([id(m), id(i), 'email'], [id(m + 1), id(i), 'phone']);
        add(i, m);
        add(i, m + 1);
      }
      for (let i = 0; i < 90; i += 2) {
        // A suggestion with the next record: anchored at the older one, listed there only.
        suggested.push([id(i), id(i + 1), 'same_name_and_address']);
        if (i % 4 === 0) suggested.push([id(i), id(i + 1), 'same_phone_other_email']);
        add(i, i + 1);
      }
      await seed(r, pairs, suggested);

      const seen: Array<[string, string[]]> = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: Groups = await groups(acct, `?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.groups.length).toBeLessThanOrEqual(7);
        seen.push(
          ...page.groups.map(
            (g) =>
              [g.customer.customerId, g.duplicates.map((d) => d.customerId).sort()] as [string, string[]],
          ),
        );
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      const expected = [...members.entries()]
        .map(([anchor, list]) => [anchor, [...new Set(list)].sort()] as [string, string[]])
        .sort((a, b) => a[0].localeCompare(b[0]));
      expect(expected).toHaveLength(60);
      expect(seen).toEqual(expected);
      expect(pages).toBe(Math.ceil(60 / 7));
    });

    it('a placeholder email 130 records share: the oldest record’s page lists its first 100 possible duplicates in id order and says possibleDuplicatesTruncated; its duplicates and its group list the 100 surest, each with every reason, and say truncated', async () => {
      const acct = uniqueName('acct');
      const anchor = activeCustomer(acct);
      // Records the anchor is itself recorded as a duplicate of, by phone (0.6): 102 of them, older
      // than the email ones, so the anchor's list of them is cut before `both`.
      const phoneOf = Array.from({ length: 102 }, () => activeCustomer(acct));
      const shared = Array.from({ length: 130 }, () => activeCustomer(acct)); // id order: creation order
      for (const i of [0, 2, 4]) shared[i] = { ...shared[i]!, status: 'archived' };
      const twin = activeCustomer(acct);
      const few = activeCustomer(acct);
      const fewDuplicate = activeCustomer(acct);
      const both = shared[1]!; // shares the email with the anchor, and the anchor is a duplicate of it by phone
      await seed(
        [anchor, ...phoneOf, ...shared, twin, few, fewDuplicate],
        [
          ...shared.map((c) => [c.id, anchor.id, 'email'] as [string, string, 'email']),
          ...[...phoneOf, both].map((c) => [anchor.id, c.id, 'phone'] as [string, string, 'phone']),
          [fewDuplicate.id, few.id, 'email'],
        ],
        [[anchor.id, twin.id, 'same_name_and_address']],
      );
      const active = shared.filter((c) => c.status === 'active').map((c) => c.id);

      const page = (await get(acct, `/v1/customers/${anchor.id}`)).body as CustomerView;
      expect(page.possibleDuplicates).toEqual(shared.slice(0, 100).map((c) => c.id));
      expect(page.possibleDuplicatesTruncated).toBe(true);

      const res = await get(acct, `/v1/customers/${anchor.id}/duplicates`);
      expect(res.status).toBe(200);
      expect(res.body.truncated).toBe(true);
      const listed = res.body.duplicates as Entry[];
      // The suggestion (0.9), then the email pairs (0.8) in id order; no phone-only pair (0.6) is surer.
      expect(listed.map((d) => d.customerId)).toEqual([twin.id, ...active.slice(0, 99)]);
      expect(listed.find((d) => d.customerId === both.id)!.reasons).toEqual([
        { reason: 'same_email', confidence: 0.8, source: 'matching' },
        { reason: 'same_phone', confidence: 0.6, source: 'matching' },
      ]);

      const g = await groups(acct, '?limit=200');
      const group = g.groups.find((x) => x.customer.customerId === anchor.id)!;
      expect(group.truncated).toBe(true);
      expect(group.duplicates.map((d) => d.customerId)).toEqual([twin.id, ...active.slice(0, 99)]);

      // Under the cap nothing is cut and nothing says so.
      const small = (await get(acct, `/v1/customers/${few.id}`)).body as CustomerView;
      expect([small.possibleDuplicates, small.possibleDuplicatesTruncated]).toEqual([
        [fewDuplicate.id],
        false,
      ]);
      const smallView = await get(acct, `/v1/customers/${few.id}/duplicates`);
      expect(smallView.body).toEqual({
        customerId: few.id,
        duplicates: [expect.objectContaining({ customerId: fewDuplicate.id })],
        truncated: false,
      });
      expect(g.groups.find((x) => x.customer.customerId === few.id)!.truncated).toBe(false);
    });
  });
}
