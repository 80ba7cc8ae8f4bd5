import {
  CarrierAccountChanged,
  type CarrierAccountChangedV1,
} from '@crp/contracts/events/carrier-account-changed';
import {
  ClientConnectionChanged,
  type ClientConnectionChangedV1,
} from '@crp/contracts/events/client-connection-changed';
import { newEvent } from '@crp/contracts/new-event';

// Events as tpl-connection-service publishes them, built through the contracts (never by hand).

export function connectionEvent(p: {
  connectionId: string;
  tplAccountId: string;
  clientAccountId: string | null;
  status: ClientConnectionChangedV1['payload']['status'];
  occurredAt?: Date;
}): ClientConnectionChangedV1 {
  return newEvent(
    ClientConnectionChanged,
    { accountId: p.tplAccountId, correlationId: 'test', occurredAt: p.occurredAt },
    {
      connectionId: p.connectionId,
      tplAccountId: p.tplAccountId,
      clientAccountId: p.clientAccountId,
      status: p.status,
      previousStatus: null,
      changedBy: 'client',
    },
  );
}

export function carrierEvent(p: {
  accountId: string;
  carrierAccountId: string;
  carrierCode: string;
  services: string[];
  version?: number;
  sharedWithProviders?: boolean;
  status?: 'active' | 'removed';
}): CarrierAccountChangedV1 {
  return newEvent(
    CarrierAccountChanged,
    { accountId: p.accountId, correlationId: 'test' },
    {
      carrierAccountId: p.carrierAccountId,
      carrierCode: p.carrierCode,
      services: p.services,
      sharedWithProviders: p.sharedWithProviders ?? true,
      status: p.status ?? 'active',
      version: p.version ?? 1,
    },
  );
}
