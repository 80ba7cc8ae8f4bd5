import type { ConnectionView, Delegation } from '../domain/delegation';

/**
 * How a delegation reads, from either side. R5.2/R5.4: once the connection is no longer active,
 * the order still stays with the 3PL, and says so.
 */
export function delegationView(
  d: Delegation,
  side: 'client' | 'provider',
  connections: readonly ConnectionView[],
) {
  const status = connections.find((c) => c.connectionId === d.connectionId)?.status ?? 'active';
  return {
    side,
    orderId: side === 'client' ? d.orderId : d.providerOrderId,
    clientAccountId: d.clientAccountId,
    providerAccountId: d.providerAccountId,
    connectionId: d.connectionId,
    connectionStatus: status,
    ...(side === 'provider' ? { clientOrderId: d.orderId } : { providerOrderId: d.providerOrderId }),
    delegatedBy: d.delegatedBy,
    ruleId: d.ruleId,
    delegatedAt: d.delegatedAt.toISOString(),
    note:
      status === 'active'
        ? null
        : `The connection between ${d.clientAccountId} and 3PL ${d.providerAccountId} is ${status}; this order stays with the 3PL, which ships it`,
  };
}

export type DelegationView = ReturnType<typeof delegationView>;
