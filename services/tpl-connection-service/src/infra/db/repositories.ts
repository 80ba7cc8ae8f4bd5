import { Brackets, In, IsNull } from 'typeorm';
import { BatchTable } from '@crp/platform/sql';
import type {
  CarrierAccountRepository,
  ClientScope,
  ConnectionRepository,
  DirectoryRepository,
  HistoryRepository,
  InvitationRepository,
  Repositories,
} from '../../app/ports';
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

/** The client side's condition: bound to its account, or (not yet bound) sent to one of its emails. */
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
    const qb = tx
      .getRepository(ConnectionEntity)
      .createQueryBuilder('c')
      .where('c.tplAccountId = :tplAccountId', { tplAccountId });
    if (query.status) qb.andWhere('c.status = :status', { status: query.status });
    if (query.search) {
      const like = `%${likeEscape(query.search.toLowerCase())}%`;
      qb.andWhere(
        new Brackets((w) =>
          w
            .where("LOWER(c.clientName) LIKE :like ESCAPE '!'", { like })
            .orWhere("c.clientEmail LIKE :like ESCAPE '!'", { like })
            .orWhere("LOWER(c.companyName) LIKE :like ESCAPE '!'", { like }),
        ),
      );
    }
    return qb.orderBy('c.createdAt', 'DESC').addOrderBy('c.id', 'DESC').take(query.limit).getMany();
  },

  listOfClient(tx, client, query) {
    const qb = tx.getRepository(ConnectionEntity).createQueryBuilder('c').where(clientSide(client));
    if (query.status) qb.andWhere('c.status = :status', { status: query.status });
    return qb.orderBy('c.updatedAt', 'DESC').addOrderBy('c.id', 'DESC').take(query.limit).getMany();
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
