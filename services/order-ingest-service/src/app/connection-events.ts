import type { CarrierAccountChangedV1 } from '@crp/contracts/events/carrier-account-changed';
import type { ClientConnectionChangedV1 } from '@crp/contracts/events/client-connection-changed';
import { foreignConnectionChange, newestPerConnection, type ConnectionView } from '../domain/delegation';
import {
  foreignCarrierAccountChange,
  newestPerCarrierAccount,
  type CarrierAccountView,
} from '../domain/shipping-service';
import type { DelegationRepository, Tx } from './delegation-ports';

// The local views this service delegates and checks carriers with (R5.4, R5.5). Batch handlers:
// one read of the stored rows, a pure "newest wins", one multi-row upsert. The consumer's inbox
// makes a redelivered batch a no-op; "newest wins" makes an out-of-order replay one too.
// An event whose account does not own the connection or carrier account it names is refused:
// not applied, and reported through `refused` (the handler logs it), the others go on.

/** Told about each event that is not applied, and why. */
export type Refused = (event: { eventId: string; accountId: string }, why: string) => void;

export async function applyConnectionChanges(
  events: readonly ClientConnectionChangedV1[],
  tx: Tx,
  repo: DelegationRepository,
  refused: Refused = () => {},
): Promise<number> {
  const stored = await repo.connectionsById(tx, [...new Set(events.map((e) => e.payload.connectionId))]);
  const known = new Map<string, Pick<ConnectionView, 'tplAccountId' | 'clientAccountId'>>(stored);
  const changes: ConnectionView[] = [];
  for (const e of events) {
    const change: ConnectionView = {
      connectionId: e.payload.connectionId,
      tplAccountId: e.payload.tplAccountId,
      clientAccountId: e.payload.clientAccountId,
      status: e.payload.status,
      changedAt: new Date(e.occurredAt),
    };
    const why = foreignConnectionChange(e.accountId, change, known.get(change.connectionId));
    if (why) {
      refused(e, why);
      continue;
    }
    const before = known.get(change.connectionId);
    known.set(change.connectionId, {
      tplAccountId: change.tplAccountId,
      clientAccountId: change.clientAccountId ?? before?.clientAccountId ?? null,
    });
    changes.push(change);
  }
  const rows = newestPerConnection(changes, stored);
  await repo.saveConnections(tx, rows);
  return rows.length;
}

export async function applyCarrierAccountChanges(
  events: readonly CarrierAccountChangedV1[],
  tx: Tx,
  repo: DelegationRepository,
  refused: Refused = () => {},
): Promise<number> {
  const stored = await repo.carrierAccountsById(tx, [
    ...new Set(events.map((e) => e.payload.carrierAccountId)),
  ]);
  const owners = new Map<string, Pick<CarrierAccountView, 'accountId'>>(stored);
  const changes: CarrierAccountView[] = [];
  for (const e of events) {
    const change: CarrierAccountView = {
      carrierAccountId: e.payload.carrierAccountId,
      accountId: e.accountId,
      carrierCode: e.payload.carrierCode,
      services: e.payload.services,
      sharedWithProviders: e.payload.sharedWithProviders,
      status: e.payload.status,
      version: e.payload.version,
    };
    const why = foreignCarrierAccountChange(change, owners.get(change.carrierAccountId));
    if (why) {
      refused(e, why);
      continue;
    }
    owners.set(change.carrierAccountId, { accountId: change.accountId });
    changes.push(change);
  }
  const rows = newestPerCarrierAccount(changes, stored);
  await repo.saveCarrierAccounts(tx, rows);
  return rows.length;
}
