import { notFound, validationFailed } from '@crp/platform/errors';
import type { ConnectionStatus } from '../domain/connection';
import { clientScope } from './client-actions';
import type { Caller, ListPosition, Mailbox, TplDeps } from './ports';
import { clientView, connectionView, historyView, selfView } from './views';

/**
 * An opaque keyset position: the time and id of a page's last entry (created-at in a 3PL's client
 * list, updated-at in a client's connection list).
 */
const encodeCursor = (at: Date, id: string) =>
  Buffer.from(JSON.stringify([at.toISOString(), id])).toString('base64url');

function decodeCursor(cursor: string): { at: Date; id: string } {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') {
      const at = new Date(v[0]);
      if (!Number.isNaN(at.getTime()) && /^[\w-]{1,40}$/.test(v[1])) return { at, id: v[1] };
    }
  } catch {
    /* fall through */
  }
  throw validationFailed('cursor is not one this API returned', ['query parameter cursor is invalid']);
}

/**
 * R5.6: the 3PL's client list with each status, newest first, a keyset page at a time. The 3PL
 * itself is listed first (active), on the first page, whenever the filters let it through: it
 * ships its own orders as well as its clients'.
 */
export async function listClients(
  deps: TplDeps,
  tplAccountId: string,
  query: { status?: ConnectionStatus; search?: string; cursor?: string; limit: number },
) {
  const position = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const after: ListPosition | undefined = position && { createdAt: position.at, id: position.id };
  const tx = deps.db.dataSource.manager;
  const rows = await deps.repos.connections.listOfTpl(tx, tplAccountId, {
    ...query,
    after,
    limit: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  const invitations = await deps.repos.invitations.latestOf(
    tx,
    page.filter((r) => r.status === 'pending').map((r) => r.id),
  );
  const self = selfView(tplAccountId);
  const search = query.search?.toLowerCase();
  const selfListed =
    !after &&
    (!query.status || query.status === 'active') &&
    (!search ||
      self.clientName.toLowerCase().includes(search) ||
      tplAccountId.toLowerCase().includes(search));
  const last = page[page.length - 1];
  return {
    clients: [...(selfListed ? [self] : []), ...page.map((r) => clientView(r, invitations.get(r.id)))],
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.createdAt, last.id) : null,
  };
}

/** One of the 3PL's connections with its history (who, when, from, to). */
export async function getClient(deps: TplDeps, tplAccountId: string, connectionId: string) {
  const tx = deps.db.dataSource.manager;
  const c = await deps.repos.connections.ofTpl(tx, tplAccountId, connectionId);
  if (!c) throw notFound(`Client connection ${connectionId}`);
  const latest = await deps.repos.invitations.latestOf(tx, [c.id]);
  const history = await deps.repos.history.of(tx, c.id);
  return { ...clientView(c, latest.get(c.id)), history: history.map(historyView) };
}

/** The client's side (R5.3 "review connection"): invitations to its admins' emails and its connections. */
/**
 * The client's side of R5.6: its connections and the invitations to its emails, most recently
 * changed first, a keyset page at a time. A connection that changes while a client pages moves to
 * the front, so it may be skipped or seen twice across pages (the order is by updated-at).
 */
export async function listConnections(
  deps: TplDeps,
  caller: Caller,
  query: { status?: ConnectionStatus; cursor?: string; limit: number },
) {
  const position = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const tx = deps.db.dataSource.manager;
  const rows = await deps.repos.connections.listOfClient(tx, await clientScope(tx, deps, caller), {
    status: query.status,
    after: position && { updatedAt: position.at, id: position.id },
    limit: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    connections: page.map(connectionView),
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.updatedAt, last.id) : null,
  };
}

export async function getConnection(deps: TplDeps, caller: Caller, connectionId: string) {
  const tx = deps.db.dataSource.manager;
  const c = await deps.repos.connections.ofClient(tx, await clientScope(tx, deps, caller), connectionId);
  if (!c) throw notFound(`Connection ${connectionId}`);
  const history = await deps.repos.history.of(tx, c.id);
  return { ...connectionView(c), history: history.map(historyView) };
}

/** The embedded default's mailbox: messages sent to the caller's account's admin emails. */
export async function devOutbox(deps: TplDeps, mailbox: Mailbox, caller: Caller, limit: number) {
  const emails = await deps.repos.directory.emailsOf(deps.db.dataSource.manager, caller.accountId);
  return { messages: await mailbox.list({ recipients: emails, limit }) };
}
