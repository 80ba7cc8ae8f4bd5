import { newId } from '@crp/platform/ids';
import type { Database } from '@crp/platform/db';
import { ConnectionEntity, type ConnectionRow } from '../../src/infra/db/entities';

export { TEST_SECRET as SECRET } from '@crp/testing/service-env';

let clock = Date.parse('2026-11-23T10:00:00.000Z');

/** A connection row as the invitation flow (not built yet) will write it; each call is a second newer. */
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
    clientEmail: 'owner@client.example',
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
