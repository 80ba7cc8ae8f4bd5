import { notFound } from '@crp/platform/errors';
import type { DelegationDeps, Tx } from './delegation-ports';
import { delegationView, type DelegationView } from './delegation-views';
import { shippingView } from './shipping-service';

export interface OrderFulfillment {
  /** Set on a delegated order, on both sides (R5.4). */
  fulfillment: DelegationView | null;
  shippingService: ReturnType<typeof shippingView> | null;
}

/**
 * Delegation and shipping facts of a page of one account's orders, in three queries whatever
 * the page size: delegations of the page (as client or as 3PL), their connections, selections.
 */
export async function fulfillmentOf(
  tx: Tx,
  deps: Pick<DelegationDeps, 'delegation'>,
  accountId: string,
  orderIds: readonly string[],
): Promise<Map<string, OrderFulfillment>> {
  const out = new Map<string, OrderFulfillment>();
  if (orderIds.length === 0) return out;
  const [asClient, asProvider, selections] = [
    await deps.delegation.delegationsAsClient(tx, accountId, orderIds),
    await deps.delegation.delegationsAsProvider(tx, accountId, orderIds),
    await deps.delegation.shippingSelections(tx, accountId, orderIds),
  ];
  const connections = await deps.delegation.connectionsById(tx, [
    ...new Set([...asClient, ...asProvider].map((d) => d.connectionId)),
  ]);
  const views = [...connections.values()];
  const entry = (id: string) =>
    out.get(id) ?? out.set(id, { fulfillment: null, shippingService: null }).get(id)!;
  for (const d of asClient) entry(d.orderId).fulfillment = delegationView(d, 'client', views);
  for (const d of asProvider) entry(d.providerOrderId).fulfillment = delegationView(d, 'provider', views);
  for (const s of selections) entry(s.orderId).shippingService = shippingView(s);
  return out;
}

/** GET /v1/orders/:orderId/fulfillment: whether and to whom it is delegated, and how it ships. */
export async function getFulfillment(deps: DelegationDeps, accountId: string, orderId: string) {
  const tx = deps.db.dataSource.manager;
  const [order] = await deps.delegation.orderFacts(tx, accountId, [orderId]);
  if (!order) throw notFound(`Order ${orderId}`);
  const f = (await fulfillmentOf(tx, deps, accountId, [orderId])).get(orderId);
  return { orderId, fulfillment: f?.fulfillment ?? null, shippingService: f?.shippingService ?? null };
}

/** GET /v1/delegations: the client's delegated orders, or the orders clients delegated to the 3PL. */
export async function listDelegations(
  deps: DelegationDeps,
  accountId: string,
  q: { side: 'client' | 'provider'; cursor?: string; limit: number },
) {
  const tx = deps.db.dataSource.manager;
  const rows = await deps.delegation.listDelegations(tx, { accountId, ...q, limit: q.limit + 1 });
  const page = rows.slice(0, q.limit);
  const connections = await deps.delegation.connectionsById(tx, [
    ...new Set(page.map((d) => d.connectionId)),
  ]);
  return {
    delegations: page.map((d) => delegationView(d, q.side, [...connections.values()])),
    nextCursor: rows.length > q.limit ? page[page.length - 1]!.orderId : null,
  };
}
