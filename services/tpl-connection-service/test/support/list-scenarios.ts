import request from 'supertest';
import type { Express } from 'express';
import { SEARCH_LIMITS, TEXT_LIMITS } from '@crp/contracts/limits';
import type { Database } from '@crp/platform/db';
import { newId } from '@crp/platform/ids';
import { uniqueName } from '@crp/testing/real-infra';
import { CONNECTION_STATUSES, type ConnectionStatus } from '../../src/domain/connection';
import { ConnectionEntity, type ConnectionRow } from '../../src/infra/db/entities';
import { auth, emailOf, signIn } from './fixtures';

export interface ListService {
  app: Express;
  db: Database;
}

/**
 * `n` connections of one 3PL written straight to the table, three to a millisecond (so the id
 * breaks ties), statuses in turn; created-at and updated-at from `start`, a millisecond apart
 * every three rows.
 */
export function connectionRows(
  tplAccountId: string,
  n: number,
  fields: (i: number) => Partial<ConnectionRow> = () => ({}),
  start = Date.parse('2026-11-01T00:00:00.000Z'),
): ConnectionRow[] {
  return Array.from({ length: n }, (_, i) => {
    const at = new Date(start + Math.floor(i / 3));
    return {
      id: newId('con'),
      tplAccountId,
      clientEmail: `c${i}-${newId('e')}@client.example`,
      clientAccountId: null,
      clientName: `Client ${i}`,
      companyName: `${tplAccountId} Logistics`,
      status: CONNECTION_STATUSES[i % CONNECTION_STATUSES.length] as ConnectionStatus,
      createdAt: at,
      updatedAt: at,
      ...fields(i),
    };
  });
}

export async function insertRows(db: Database, rows: ConnectionRow[]) {
  for (let i = 0; i < rows.length; i += 500)
    await db.dataSource.getRepository(ConnectionEntity).insert(rows.slice(i, i + 500));
}

/** Newest first by created-at, then id: the client list's order. */
const newestFirst = (rows: ConnectionRow[]) =>
  [...rows].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));

/**
 * The list pages' behaviour, on whichever database the suite gives (SQLite in
 * component/lists.test.ts, MariaDB in integration/lists-mariadb.test.ts). Every scenario works in
 * its own accounts.
 */
export function listScenarios(service: () => ListService) {
  const get = async (accountId: string, path: string) =>
    request(service().app)
      .get(path)
      .set('Authorization', await auth(accountId));

  /** Every page of `GET /v1/clients…`, following nextCursor: the entries in the order served, and how many pages. */
  const everyPage = async (tpl: string, path: string) => {
    const clients: Array<{ kind: string; connectionId: string | null }> = [];
    let pages = 0;
    let cursor: string | null = null;
    do {
      const res = await get(tpl, `${path}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      clients.push(...res.body.clients);
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    return { clients, pages };
  };

  it('GET /v1/clients pages through every client exactly once, newest first, with and without a status filter; the 3PL itself only on the first page', async () => {
    const tpl = uniqueName('tpl');
    const other = uniqueName('tpl');
    // 95 clients, three to a millisecond: page boundaries fall inside ties of created-at.
    const rows = connectionRows(tpl, 95);
    await insertRows(service().db, [...rows, ...connectionRows(other, 30)]);

    const all = await everyPage(tpl, '/v1/clients?limit=10');
    expect(all.pages).toBe(10);
    expect(all.clients[0]).toMatchObject({ kind: 'self', connectionId: null });
    expect(all.clients.slice(1).map((c) => c.connectionId)).toEqual(newestFirst(rows).map((r) => r.id));

    for (const status of ['pending', 'active'] as const) {
      const mine = newestFirst(rows.filter((r) => r.status === status));
      const page = await everyPage(tpl, `/v1/clients?status=${status}&limit=7`);
      expect(page.clients.filter((c) => c.kind === 'client').map((c) => c.connectionId)).toEqual(
        mine.map((r) => r.id),
      );
      expect(page.clients.filter((c) => c.kind === 'self')).toHaveLength(status === 'active' ? 1 : 0);
    }

    const whole = (await get(tpl, '/v1/clients?limit=200')).body;
    expect(whole.clients).toHaveLength(96);
    expect(whole.nextCursor).toBeNull();
    const exact = (await get(tpl, '/v1/clients?limit=95')).body;
    expect(exact.nextCursor).toBeNull();
  });

  it('GET /v1/clients answers an altered or foreign cursor with 400 VALIDATION_FAILED naming the parameter', async () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const cursor of [
      'not-a-cursor',
      b64({ createdAt: '2026-11-01T00:00:00.000Z' }),
      b64(['yesterday', 'con_1']),
      b64(['2026-11-01T00:00:00.000Z', "con_1' OR 1=1"]),
      'x'.repeat(201),
    ]) {
      const res = await get('tpl-cursor', `/v1/clients?cursor=${encodeURIComponent(cursor)}`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(JSON.stringify(res.body.error)).toMatch(/cursor/);
    }
  });

  it('GET /v1/clients?q= finds a client by the whole of its longest company name; a q longer than any name, email or company name is a 400 naming q', async () => {
    const tpl = uniqueName('tpl-q');
    await signIn(service().app, tpl);
    const companyName = `${tpl}-${'c'.repeat(TEXT_LIMITS.company - tpl.length - 1)}`;
    expect(companyName).toHaveLength(SEARCH_LIMITS.clientQuery);
    const [row] = connectionRows(tpl, 1, () => ({ companyName, status: 'active' }));
    await insertRows(service().db, [row!]);
    const found = await get(tpl, `/v1/clients?q=${companyName}`);
    expect(found.status).toBe(200);
    expect(found.body.clients.map((c: { connectionId: string | null }) => c.connectionId)).toEqual([row!.id]);
    const over = await get(tpl, `/v1/clients?q=${companyName}c`);
    expect(over.status).toBe(400);
    expect(over.body.error.details).toEqual([
      `query parameter q must NOT have more than ${SEARCH_LIMITS.clientQuery} characters`,
    ]);
  });

  it("GET /v1/connections merges the client's own connections and the invitations to its emails, most recently changed first, up to limit", async () => {
    const client = uniqueName('client');
    await signIn(service().app, client);
    const at = (ms: number) => new Date(Date.parse('2026-11-02T00:00:00.000Z') + ms);
    const bound = [0, 1, 2, 3, 4].map((i) =>
      connectionRows(uniqueName('tpl'), 1, () => ({
        clientAccountId: client,
        clientEmail: emailOf(client),
        status: 'active',
        updatedAt: at(i * 10),
      })),
    );
    const invited = [0, 1, 2, 3, 4].map((i) =>
      connectionRows(uniqueName('tpl'), 1, () => ({
        clientEmail: emailOf(client),
        status: 'pending',
        updatedAt: at(i * 10 + 5),
      })),
    );
    // Sent to its email but accepted by another account that uses it too: not this client's.
    const elsewhere = connectionRows(uniqueName('tpl'), 1, () => ({
      clientEmail: emailOf(client),
      clientAccountId: uniqueName('someone'),
      status: 'active',
      updatedAt: at(100),
    }));
    const mine = [...bound, ...invited].flat();
    await insertRows(service().db, [...mine, ...elsewhere]);
    const order = [...mine].sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime()).map((r) => r.id);

    const ids = async (path: string) =>
      (await get(client, path)).body.connections.map((c: { connectionId: string }) => c.connectionId);
    expect(await ids('/v1/connections')).toEqual(order);
    expect(await ids('/v1/connections?limit=4')).toEqual(order.slice(0, 4));
    expect(await ids('/v1/connections?status=pending&limit=3')).toEqual(
      order.filter((id) => invited.flat().some((r) => r.id === id)).slice(0, 3),
    );
  });

  it('GET /v1/connections pages through every connection and invitation exactly once, most recently changed first, with and without a status filter', async () => {
    const client = uniqueName('client');
    await signIn(service().app, client);
    // 40 bound and 35 invited, three to a millisecond across both sides: page boundaries fall
    // inside ties of updated-at, and a tie can span a bound connection and an invitation.
    const at = (i: number) => ({
      updatedAt: new Date(Date.parse('2026-11-03T00:00:00.000Z') + Math.floor(i / 3)),
    });
    const bound = Array.from({ length: 40 }, (_, i) =>
      connectionRows(uniqueName('tpl'), 1, () => ({
        clientAccountId: client,
        clientEmail: emailOf(client),
        status: i % 2 ? 'active' : 'disconnected',
        ...at(2 * i),
      })),
    ).flat();
    const invited = Array.from({ length: 35 }, (_, i) =>
      connectionRows(uniqueName('tpl'), 1, () => ({
        clientEmail: emailOf(client),
        status: 'pending',
        ...at(2 * i + 1),
      })),
    ).flat();
    await insertRows(service().db, [...bound, ...invited]);
    const byChange = (rows: ConnectionRow[]) =>
      [...rows]
        .sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime() || (a.id < b.id ? 1 : -1))
        .map((r) => r.id);

    const pages = async (path: string) => {
      const seen: string[] = [];
      let count = 0;
      let cursor: string | null = null;
      do {
        const res = await get(client, `${path}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(res.status).toBe(200);
        seen.push(...res.body.connections.map((c: { connectionId: string }) => c.connectionId));
        cursor = res.body.nextCursor;
        count++;
      } while (cursor);
      return { seen, count };
    };
    const all = await pages('/v1/connections?limit=10');
    expect(all.seen).toEqual(byChange([...bound, ...invited]));
    expect(all.count).toBe(8);
    const pending = await pages('/v1/connections?status=pending&limit=4');
    expect(pending.seen).toEqual(byChange(invited));
    expect((await get(client, '/v1/connections?limit=75')).body.nextCursor).toBeNull();

    const altered = await get(client, `/v1/connections?cursor=${encodeURIComponent('not-a-cursor')}`);
    expect(altered.status).toBe(400);
    expect(JSON.stringify(altered.body.error)).toMatch(/cursor/);
  });
}
