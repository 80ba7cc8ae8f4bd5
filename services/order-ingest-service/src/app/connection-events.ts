import type { CarrierAccountChangedV1 } from '@crp/contracts/events/carrier-account-changed';
import type { ClientConnectionChangedV1 } from '@crp/contracts/events/client-connection-changed';
import { newestPerConnection, type ConnectionView } from '../domain/delegation';
import { newestPerCarrierAccount, type CarrierAccountView } from '../domain/shipping-service';
import type { DelegationRepository, Tx } from './delegation-ports';

// The local views this service delegates and checks carriers with (R5.4, R5.5). Batch handlers:
// one read of the stored rows, a pure "newest wins", one multi-row upsert. The consumer's inbox
// makes a redelivered batch a no-op; "newest wins" makes an out-of-order replay one too.

export async function applyConnectionChanges(
  events: readonly ClientConnectionChangedV1[],
  tx: Tx,
  repo: DelegationRepository,
): Promise<number> {
  const changes: ConnectionView[] = events.map((e) => ({
    connectionId: e.payload.connectionId,
    tplAccountId: e.payload.tplAccountId,
    clientAccountId: e.payload.clientAccountId,
    status: e.payload.status,
    changedAt: new Date(e.occurredAt),
  }));
  const stored = await repo.connectionsById(tx, [...new Set(changes.map((c) => c.connectionId))]);
  const rows = newestPerConnection(changes, stored);
  await repo.saveConnections(tx, rows);
  return rows.length;
}

export async function applyCarrierAccountChanges(
  events: readonly CarrierAccountChangedV1[],
  tx: Tx,
  repo: DelegationRepository,
): Promise<number> {
  const changes: CarrierAccountView[] = events.map((e) => ({
    carrierAccountId: e.payload.carrierAccountId,
    accountId: e.accountId,
    carrierCode: e.payload.carrierCode,
    services: e.payload.services,
    sharedWithProviders: e.payload.sharedWithProviders,
    status: e.payload.status,
    version: e.payload.version,
  }));
  const stored = await repo.carrierAccountsById(tx, [...new Set(changes.map((c) => c.carrierAccountId))]);
  const rows = newestPerCarrierAccount(changes, stored);
  await repo.saveCarrierAccounts(tx, rows);
  return rows.length;
}
