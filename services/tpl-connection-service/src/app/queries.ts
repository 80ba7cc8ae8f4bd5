import type { Database } from '@crp/platform/db';
import type { ConnectionStatus } from '../domain/connection';
import { connectionsOfTpl } from '../infra/db/repositories';
import { clientView } from './client-view';

/** The caller's clients as a 3PL, newest first, with their status (R5.6). */
export async function listClients(
  db: Database,
  tplAccountId: string,
  query: { status?: ConnectionStatus; limit: number },
) {
  const rows = await connectionsOfTpl(db.dataSource.manager, tplAccountId, query);
  return { clients: rows.map(clientView) };
}
