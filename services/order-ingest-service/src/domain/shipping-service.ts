/**
 * Choosing the shipping service of an order (R5.5). Pure. The 3PL ships a delegated order with
 * its own carrier accounts or with the client's; a service no carrier account of either
 * supports is refused with the product's own sentence.
 */

/** R5.5, word for word. */
export const CLIENT_CARRIER_REFUSAL =
  'The shipping service is invalid because the client does not have a carrier account that supports it';

/** This service's copy of a carrier account, kept from CarrierAccountChanged. */
export interface CarrierAccountView {
  carrierAccountId: string;
  accountId: string;
  carrierCode: string;
  services: string[];
  sharedWithProviders: boolean;
  status: 'active' | 'removed';
  version: number;
}

export interface ServiceChoice {
  carrierCode: string;
  serviceCode: string;
}

export type CarrierDecision =
  | { ok: true; carrierAccountId: string; owner: 'own' | 'client' }
  | { ok: false; code: string; status: 409 | 422; message: string };

const supports = (a: CarrierAccountView, choice: ServiceChoice) =>
  a.status === 'active' && a.carrierCode === choice.carrierCode && a.services.includes(choice.serviceCode);

/**
 * `own`: the caller's carrier accounts. `delegatedFrom`: set when the order is a client's order
 * delegated to the caller (a 3PL): that client's carrier accounts and whether the connection is
 * still active. The 3PL's own accounts always count (R5.5); the client's only those it shares,
 * and only while connected (R5.2: disconnecting ends what the 3PL may do on its behalf).
 */
export function chooseCarrierAccount(input: {
  choice: ServiceChoice;
  own: readonly CarrierAccountView[];
  delegatedFrom: { clientAccounts: readonly CarrierAccountView[]; connectionActive: boolean } | null;
}): CarrierDecision {
  const own = input.own.find((a) => supports(a, input.choice));
  if (own) return { ok: true, carrierAccountId: own.carrierAccountId, owner: 'own' };
  if (!input.delegatedFrom) {
    return {
      ok: false,
      code: 'SHIPPING_SERVICE_INVALID',
      status: 422,
      message: 'The shipping service is invalid because none of your carrier accounts supports it',
    };
  }
  if (!input.delegatedFrom.connectionActive) {
    return {
      ok: false,
      code: 'CONNECTION_NOT_ACTIVE',
      status: 422,
      message:
        "The connection with this order's client has ended: its carrier accounts can no longer be used; choose a service of one of your own carrier accounts",
    };
  }
  const client = input.delegatedFrom.clientAccounts.find(
    (a) => a.sharedWithProviders && supports(a, input.choice),
  );
  if (client) return { ok: true, carrierAccountId: client.carrierAccountId, owner: 'client' };
  return { ok: false, code: 'SHIPPING_SERVICE_INVALID', status: 422, message: CLIENT_CARRIER_REFUSAL };
}

/**
 * Tenancy of CarrierAccountChanged: a carrier account stays with the account that registered it;
 * a change published by another account is refused (null when it may be applied).
 */
export function foreignCarrierAccountChange(
  change: Pick<CarrierAccountView, 'carrierAccountId' | 'accountId'>,
  known: Pick<CarrierAccountView, 'accountId'> | undefined,
): string | null {
  return known && known.accountId !== change.accountId
    ? `carrier account ${change.carrierAccountId} belongs to account ${known.accountId}, not ${change.accountId}`
    : null;
}

/**
 * The carrier view keeps the highest version per carrier account (events of one account arrive
 * in order; a replay may not).
 */
export function newestPerCarrierAccount(
  changes: readonly CarrierAccountView[],
  stored: ReadonlyMap<string, Pick<CarrierAccountView, 'version'>>,
): CarrierAccountView[] {
  const newest = new Map<string, CarrierAccountView>();
  for (const c of changes) {
    const seen = newest.get(c.carrierAccountId) ?? stored.get(c.carrierAccountId);
    if (!seen || seen.version < c.version) newest.set(c.carrierAccountId, c);
  }
  return [...newest.values()].filter((c) => changes.includes(c));
}
