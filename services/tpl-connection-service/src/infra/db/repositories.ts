import { Brackets, In, IsNull, type SelectQueryBuilder } from 'typeorm';
import { BatchTable, sqlStamp } from '@crp/platform/sql';
import type {
  CarrierAccountRepository,
  ClientScope,
  ConnectionRepository,
  DirectoryRepository,
  HistoryRepository,
  InvitationRepository,
  Repositories,
} from '../../app/ports';
import type { Connection } from '../../domain/connection';
import type { DirectoryEntry } from '../../domain/directory';
import type { Invitation } from '../../domain/invitation';
import {
  CarrierAccountEntity,
  ConnectionEntity,
  DirectoryEntity,
  HistoryEntity,
  InvitationEntity,
} from './entities';

// Every read names the caller's account: a 3PL sees its own connections, a client the ones
// addressed to it, nobody another account's.

const likeEscape = (s: string) => s.replace(/[!%_]/g, (c) => `!${c}`);

/** updated-at, then id, both descending: the order of a client's connections. */
const newestChangeFirst = (a: Connection, b: Connection) =>
  b.updatedAt.getTime() - a.updatedAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

const connections = new BatchTable<Connection>(ConnectionEntity);

/**
 * The client side's condition: bound to its account, or (not yet bound) sent to one of its emails.
 * For one connection by id only (the primary key finds it): ORed, no index serves both sides, so
 * the list reads each side on its own index (listOfClient).
 */
function clientSide(client: ClientScope) {
  return new Brackets((w) => {
    w.where('c.clientAccountId = :clientAccountId', { clientAccountId: client.accountId });
    if (client.emails.length > 0) {
      w.orWhere('(c.clientAccountId IS NULL AND c.clientEmail IN (:...clientEmails))', {
        clientEmails: client.emails,
      });
    }
  });
}

export const connectionRepository: ConnectionRepository = {
  ofTpl: (tx, tplAccountId, id) =>
    tx.getRepository(ConnectionEntity).findOne({ where: { tplAccountId, id } }),

  byTplAndEmail: (tx, tplAccountId, clientEmail) =>
    tx.getRepository(ConnectionEntity).findOne({ where: { tplAccountId, clientEmail } }),

  ofClient: (tx, client, id) =>
    tx
      .getRepository(ConnectionEntity)
      .createQueryBuilder('c')
      .where('c.id = :id', { id })
      .andWhere(clientSide(client))
      .getOne(),

  activeBetween: (tx, tplAccountId, clientAccountId) =>
    tx.getRepository(ConnectionEntity).find({ where: { tplAccountId, clientAccountId, status: 'active' } }),

  async insert(tx, connection) {
    await tx.getRepository(ConnectionEntity).insert(connection);
  },

  async update(tx, next, expected) {
    const { id, tplAccountId, createdAt: _created, ...fields } = next;
    const result = await tx
      .getRepository(ConnectionEntity)
      .update({ id, tplAccountId, status: expected }, fields);
    return (result.affected ?? 0) === 1;
  },

  listOfTpl(tx, tplAccountId, query) {
    const conds = ['tpl_account_id = ?'];
    const params: unknown[] = [tplAccountId];
    if (query.status) {
      conds.push('status = ?');
      params.push(query.status);
    }
    if (query.search) {
      // A leading % reads every entry of the 3PL (in page order, so a page stops early once
      // `limit` match); no index can serve "contains".
      const like = `%${likeEscape(query.search.toLowerCase())}%`;
      conds.push(
        "(LOWER(client_name) LIKE ? ESCAPE '!' OR client_email LIKE ? ESCAPE '!' OR LOWER(company_name) LIKE ? ESCAPE '!')",
      );
      params.push(like, like, like);
    }
    if (query.after) {
      // Spelled out: of the row comparison `(created_at, id) < (?, ?)` MariaDB 10.11 made no range,
      // only `ref` on the 3PL from its newest entry (EXPLAIN: 41,766 rows est. for a 20,000-client
      // 3PL); this is one range from the cursor. The index is named, as order-ingest's pages are,
      // so a page deep in a big 3PL stays that range whatever the estimates say.
      const at = sqlStamp(tx, query.after.createdAt);
      conds.push('(created_at < ? OR (created_at = ? AND id < ?))');
      params.push(at, at, query.after.id);
    }
    return connections.select(
      tx,
      conds.join(' AND '),
      [...params, query.limit],
      'ORDER BY created_at DESC, id DESC LIMIT ?',
      { index: query.status ? 'idx_connections_tpl_status_created' : 'idx_connections_tpl_created' },
    );
  },

  /**
   * Two reads, each ordered and limited on its own index, merged: the bound connections on
   * (client_account_id, updated_at, id), the invitations to its emails on (client_email,
   * client_account_id). The ORed statement read every connection not yet bound (120,000 of
   * 200,000, 211 ms) and sorted the matches. With these indexes MariaDB can run the OR as an
   * index_merge sort_union, but that is its estimate's choice (order-ingest's ORed erasure turned
   * into a table scan from 100 values); two plain reads do not depend on it.
   */
  async listOfClient(tx, client, query) {
    const newest = (branch: SelectQueryBuilder<Connection>) => {
      if (query.status) branch.andWhere('c.status = :status', { status: query.status });
      if (query.after) {
        // Spelled out, as the 3PL's pages are: one range from the cursor on each side's index.
        const at = sqlStamp(tx, query.after.updatedAt);
        branch.andWhere('(c.updatedAt < :at OR (c.updatedAt = :at AND c.id < :afterId))', {
          at,
          afterId: query.after.id,
        });
      }
      return branch.orderBy('c.updatedAt', 'DESC').addOrderBy('c.id', 'DESC').take(query.limit).getMany();
    };
    const repo = tx.getRepository(ConnectionEntity);
    const bound = await newest(
      repo.createQueryBuilder('c').where('c.clientAccountId = :accountId', { accountId: client.accountId }),
    );
    const invited =
      client.emails.length === 0
        ? []
        : await newest(
            repo
              .createQueryBuilder('c')
              .where('c.clientEmail IN (:...emails)', { emails: client.emails })
              .andWhere('c.clientAccountId IS NULL'),
          );
    return [...bound, ...invited].sort(newestChangeFirst).slice(0, query.limit);
  },
};

export const invitationRepository: InvitationRepository = {
  async insert(tx, invitation) {
    await tx.getRepository(InvitationEntity).insert(invitation);
  },
  byId: (tx, id) => tx.getRepository(InvitationEntity).findOne({ where: { id } }),
  async markUsed(tx, id, at) {
    const r = await tx
      .getRepository(InvitationEntity)
      .update({ id, usedAt: IsNull(), revokedAt: IsNull() }, { usedAt: at });
    return (r.affected ?? 0) === 1;
  },
  async revokeOpen(tx, connectionId, at) {
    await tx
      .getRepository(InvitationEntity)
      .update({ connectionId, usedAt: IsNull(), revokedAt: IsNull() }, { revokedAt: at });
  },
  async latestOf(tx, connectionIds) {
    const out = new Map<string, Invitation>();
    if (connectionIds.length === 0) return out;
    const rows = await tx
      .getRepository(InvitationEntity)
      .find({ where: { connectionId: In([...connectionIds]) }, order: { createdAt: 'ASC', id: 'ASC' } });
    for (const r of rows) out.set(r.connectionId, r);
    return out;
  },
};

export const historyRepository: HistoryRepository = {
  async add(tx, entries) {
    if (entries.length) await tx.getRepository(HistoryEntity).insert([...entries]);
  },
  of: (tx, connectionId) =>
    tx.getRepository(HistoryEntity).find({ where: { connectionId }, order: { at: 'ASC', id: 'ASC' } }),
};

const directoryTable = new BatchTable<DirectoryEntry>(DirectoryEntity);

export const directoryRepository: DirectoryRepository = {
  async accountsWithEmail(tx, email) {
    const rows = await tx
      .getRepository(DirectoryEntity)
      .find({ where: { email }, order: { accountId: 'ASC' } });
    return rows.map((r) => r.accountId);
  },
  async emailsOf(tx, accountId) {
    const rows = await tx
      .getRepository(DirectoryEntity)
      .find({ where: { accountId }, order: { email: 'ASC' } });
    return rows.map((r) => r.email);
  },
  record: (tx, entry) =>
    directoryTable.insert(tx, [entry], {
      onDuplicate: { conflictKeys: ['accountId', 'email'], update: ['lastSeenAt'] },
    }),
  async forget(tx, accountId, email) {
    await tx.getRepository(DirectoryEntity).delete({ accountId, email });
  },
};

export const carrierAccountRepository: CarrierAccountRepository = {
  ofAccount: (tx, accountId) =>
    tx
      .getRepository(CarrierAccountEntity)
      .find({ where: { accountId }, order: { createdAt: 'ASC', id: 'ASC' } }),
  one: (tx, accountId, id) => tx.getRepository(CarrierAccountEntity).findOne({ where: { accountId, id } }),
  async insert(tx, account) {
    await tx.getRepository(CarrierAccountEntity).insert(account);
  },
  async update(tx, next) {
    const { id, accountId, createdAt: _created, ...fields } = next;
    const r = await tx
      .getRepository(CarrierAccountEntity)
      .update({ id, accountId, version: next.version - 1 }, fields);
    return (r.affected ?? 0) === 1;
  },
  async delete(tx, accountId, id) {
    await tx.getRepository(CarrierAccountEntity).delete({ accountId, id });
  },
};

export const repositories: Repositories = {
  connections: connectionRepository,
  invitations: invitationRepository,
  history: historyRepository,
  directory: directoryRepository,
  carrierAccounts: carrierAccountRepository,
};
