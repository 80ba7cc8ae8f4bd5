import type { EntityManager } from 'typeorm';
import type { ConnectionStatus } from '../../domain/connection';
import { ConnectionEntity, type ConnectionRow } from './entities';

// Every function takes the account id: a 3PL sees its own connections, never another 3PL's.

export function connectionsOfTpl(
  tx: EntityManager,
  tplAccountId: string,
  query: { status?: ConnectionStatus; limit: number },
): Promise<ConnectionRow[]> {
  return tx.getRepository(ConnectionEntity).find({
    where: { tplAccountId, ...(query.status ? { status: query.status } : {}) },
    order: { createdAt: 'DESC', id: 'DESC' },
    take: query.limit,
  });
}
