import { AppError, notFound } from '@crp/platform/errors';
import { chooseCarrierAccount, type ServiceChoice } from '../domain/shipping-service';
import type { Caller, DelegationDeps, ShippingSelection } from './delegation-ports';

/**
 * PUT /v1/orders/:orderId/shipping-service (R5.5). On the 3PL's copy of a delegated order the
 * service must be supported by one of the 3PL's own carrier accounts (always allowed) or, while
 * connected, by one the client shares; otherwise the product's sentence refuses it. On an order
 * the account delegated away, the 3PL chooses, not the client.
 */
export function setShippingService(
  deps: DelegationDeps,
  caller: Caller,
  orderId: string,
  input: ServiceChoice,
) {
  const choice = {
    carrierCode: input.carrierCode.trim().toLowerCase(),
    serviceCode: input.serviceCode.trim().toLowerCase(),
  };
  return deps.db.transaction(async (tx) => {
    const [order] = await deps.delegation.orderFacts(tx, caller.accountId, [orderId]);
    if (!order) throw notFound(`Order ${orderId}`);
    const [delegatedAway] = await deps.delegation.delegationsAsClient(tx, caller.accountId, [orderId]);
    if (delegatedAway) {
      throw new AppError(
        'ORDER_DELEGATED',
        `This order is delegated to 3PL ${delegatedAway.providerAccountId}, which chooses how it ships`,
        409,
      );
    }
    const [delegatedHere] = await deps.delegation.delegationsAsProvider(tx, caller.accountId, [orderId]);
    const accounts = await deps.delegation.carrierAccountsOf(
      tx,
      delegatedHere ? [caller.accountId, delegatedHere.clientAccountId] : [caller.accountId],
    );
    let delegatedFrom = null;
    if (delegatedHere) {
      const connection = (await deps.delegation.connectionsById(tx, [delegatedHere.connectionId])).get(
        delegatedHere.connectionId,
      );
      delegatedFrom = {
        clientAccounts: accounts.filter((a) => a.accountId === delegatedHere.clientAccountId),
        connectionActive: connection?.status === 'active',
      };
    }
    const decision = chooseCarrierAccount({
      choice,
      own: accounts.filter((a) => a.accountId === caller.accountId),
      delegatedFrom,
    });
    if (!decision.ok) throw new AppError(decision.code, decision.message, decision.status);
    const selection: ShippingSelection = {
      orderId,
      accountId: caller.accountId,
      ...choice,
      carrierAccountId: decision.carrierAccountId,
      carrierAccountOwner: decision.owner,
      selectedBy: caller.userId,
      selectedAt: deps.now(),
    };
    await deps.delegation.saveShippingSelection(tx, selection);
    return shippingView(selection);
  });
}

export const shippingView = (s: ShippingSelection) => ({
  orderId: s.orderId,
  carrierCode: s.carrierCode,
  serviceCode: s.serviceCode,
  carrierAccountId: s.carrierAccountId,
  carrierAccountOwner: s.carrierAccountOwner,
  selectedAt: s.selectedAt.toISOString(),
});
