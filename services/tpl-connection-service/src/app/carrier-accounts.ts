import { CarrierAccountChanged } from '@crp/contracts/events/carrier-account-changed';
import { newEvent } from '@crp/contracts/new-event';
import { AppError, notFound } from '@crp/platform/errors';
import { newId } from '@crp/platform/ids';
import { normalizeServices, type CarrierAccount } from '../domain/carrier-account';
import type { Caller, TplDeps, Tx } from './ports';

// R5.5: clients and 3PLs register the carrier accounts they ship with. order-ingest-service
// keeps a copy from CarrierAccountChanged to check the services chosen for delegated orders.

export const carrierAccountView = (a: CarrierAccount) => ({
  carrierAccountId: a.id,
  carrierCode: a.carrierCode,
  services: a.services,
  sharedWithProviders: a.sharedWithProviders,
  version: a.version,
  createdAt: a.createdAt.toISOString(),
  updatedAt: a.updatedAt.toISOString(),
});

async function publish(
  tx: Tx,
  deps: TplDeps,
  caller: Caller,
  a: CarrierAccount,
  status: 'active' | 'removed',
  at: Date,
) {
  await deps.outbox.add(
    tx,
    newEvent(
      CarrierAccountChanged,
      { accountId: a.accountId, correlationId: caller.correlationId, occurredAt: at },
      {
        carrierAccountId: a.id,
        carrierCode: a.carrierCode,
        services: status === 'active' ? a.services : [],
        sharedWithProviders: a.sharedWithProviders,
        status,
        version: a.version,
      },
    ),
  );
}

export async function listCarrierAccounts(deps: TplDeps, accountId: string) {
  const rows = await deps.repos.carrierAccounts.ofAccount(deps.db.dataSource.manager, accountId);
  return { carrierAccounts: rows.map(carrierAccountView) };
}

export function createCarrierAccount(
  deps: TplDeps,
  caller: Caller,
  input: { carrierCode: string; services: string[]; sharedWithProviders?: boolean },
) {
  return deps.db.transaction(async (tx) => {
    const at = deps.now();
    const account: CarrierAccount = {
      id: newId('car'),
      accountId: caller.accountId,
      carrierCode: input.carrierCode.trim().toLowerCase(),
      services: normalizeServices(input.services),
      sharedWithProviders: input.sharedWithProviders ?? true,
      version: 1,
      createdAt: at,
      updatedAt: at,
    };
    await deps.repos.carrierAccounts.insert(tx, account);
    await publish(tx, deps, caller, account, 'active', at);
    return carrierAccountView(account);
  });
}

export function updateCarrierAccount(
  deps: TplDeps,
  caller: Caller,
  id: string,
  input: { services?: string[]; sharedWithProviders?: boolean },
) {
  return deps.db.transaction(async (tx) => {
    const current = await deps.repos.carrierAccounts.one(tx, caller.accountId, id);
    if (!current) throw notFound(`Carrier account ${id}`);
    const at = deps.now();
    const next: CarrierAccount = {
      ...current,
      services: input.services ? normalizeServices(input.services) : current.services,
      sharedWithProviders: input.sharedWithProviders ?? current.sharedWithProviders,
      version: current.version + 1,
      updatedAt: at,
    };
    if (!(await deps.repos.carrierAccounts.update(tx, next))) {
      throw new AppError(
        'CONFLICT',
        'The carrier account changed while this request ran; reload it and try again',
        409,
        true,
      );
    }
    await publish(tx, deps, caller, next, 'active', at);
    return carrierAccountView(next);
  });
}

export function removeCarrierAccount(deps: TplDeps, caller: Caller, id: string) {
  return deps.db.transaction(async (tx) => {
    const current = await deps.repos.carrierAccounts.one(tx, caller.accountId, id);
    if (!current) throw notFound(`Carrier account ${id}`);
    const at = deps.now();
    await deps.repos.carrierAccounts.delete(tx, caller.accountId, id);
    await publish(tx, deps, caller, { ...current, version: current.version + 1 }, 'removed', at);
  });
}
