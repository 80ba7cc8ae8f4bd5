import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { decodeEvent } from '@crp/contracts/registry';
import type { InProcessBus } from '@crp/messaging/in-process-bus';
import { signDevToken } from '@crp/platform/auth';
import type { Database } from '@crp/platform/db';
import { newId } from '@crp/platform/ids';
import { TEST_SECRET } from '@crp/testing/service-env';
import { ConnectionEntity, type ConnectionRow } from '../../src/infra/db/entities';

export { TEST_SECRET as SECRET } from '@crp/testing/service-env';

let clock = Date.parse('2026-11-23T10:00:00.000Z');

/** A connection row written straight to the table (list tests); each call is a second newer. */
export async function insertConnection(
  db: Database,
  tplAccountId: string,
  fields: Partial<ConnectionRow> = {},
): Promise<ConnectionRow> {
  clock += 1000;
  const at = new Date(clock);
  const row: ConnectionRow = {
    id: newId('con'),
    tplAccountId,
    clientEmail: `${newId('owner')}@client.example`,
    clientAccountId: null,
    clientName: 'Client',
    companyName: `${tplAccountId} Logistics`,
    status: 'pending',
    createdAt: at,
    updatedAt: at,
    ...fields,
  };
  await db.dataSource.getRepository(ConnectionEntity).insert(row);
  return row;
}

export const emailOf = (accountId: string) => `admin@${accountId}.example`;

/** `Authorization` for an account's user; admins carry their verified email (the directory's source). */
export async function auth(
  accountId: string,
  role: 'admin' | 'member' = 'admin',
  email: string | null = emailOf(accountId),
): Promise<string> {
  const token = await signDevToken(TEST_SECRET, {
    accountId,
    role,
    sub: `${role}@${accountId}`,
    ...(email ? { email } : {}),
  });
  return `Bearer ${token}`;
}

/** The account's admin makes any call: the directory now knows its email (ADR 0008). */
export async function signIn(app: Express, accountId: string, email = emailOf(accountId)) {
  await request(app)
    .get('/v1/connections')
    .set('Authorization', await auth(accountId, 'admin', email))
    .expect(200);
}

export function tempMailDir(): string {
  return mkdtempSync(join(tmpdir(), 'tpl-mail-'));
}

/** A clock tests can move: link expiry (R5.3). */
export function testClock(start = new Date()) {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
  };
}

export function eventsOn<T>(bus: InProcessBus, topic: string): T[] {
  return bus.messagesOn(topic).map((m) => decodeEvent(m.value, topic) as T);
}

/** The `token` query parameter of the link in an e-mail's text. */
export function tokenFromText(text: string): string {
  const m = /[?&]token=([A-Za-z0-9._-]+)/.exec(text);
  if (!m) throw new Error(`no invitation link in:\n${text}`);
  return decodeURIComponent(m[1]!);
}
