/**
 * Delegating a client's orders to its 3PL (SPEC §5: R5.4). Pure: plain data in, decisions out.
 * The use cases (src/app/delegate-orders.ts) load what these need in a few queries and persist
 * the decisions in multi-row writes.
 */

export type ConnectionStatus = 'pending' | 'active' | 'declined' | 'removed' | 'disconnected';

/** This service's copy of a 3PL connection, kept from ClientConnectionChanged. */
export interface ConnectionView {
  connectionId: string;
  tplAccountId: string;
  /** Known once the client accepted. */
  clientAccountId: string | null;
  status: ConnectionStatus;
  /** occurredAt of the event the row reflects: an older event never overwrites a newer one. */
  changedAt: Date;
}

/** "Set fulfillment provider" automation (R5.4): orders that match go to the 3PL on import. */
export interface AutomationRule {
  id: string;
  accountId: string;
  name: string;
  /** Only orders of this store (null: any store). */
  storeId: string | null;
  /** Only orders carrying this tag, compared without case (null: any tag). */
  tag: string | null;
  providerAccountId: string;
  createdAt: Date;
  createdBy: string;
}

/** One delegated order: the client's order and its copy in the 3PL's account. */
export interface Delegation {
  /** The client's order. */
  orderId: string;
  clientAccountId: string;
  providerAccountId: string;
  connectionId: string;
  /** The order as it lives in the 3PL's account (awaiting_shipment there). */
  providerOrderId: string;
  delegatedBy: 'user' | 'automation_rule';
  ruleId: string | null;
  delegatedAt: Date;
}

/** What the delegation decision needs to know about one order. */
export interface OrderCandidate {
  orderId: string;
  /** The client: the account the order belongs to. */
  accountId: string;
  storeId: string;
  tags: readonly string[];
}

export type DelegationDecision =
  | { orderId: string; outcome: 'delegate'; providerAccountId: string; connectionId: string; ruleId: string }
  | { orderId: string; outcome: 'no_rule' }
  /** The first matching rule names a 3PL this account is not actively connected to (R5.4). */
  | { orderId: string; outcome: 'not_connected'; providerAccountId: string; ruleId: string };

export function ruleMatches(rule: Pick<AutomationRule, 'storeId' | 'tag'>, order: OrderCandidate): boolean {
  if (rule.storeId !== null && rule.storeId !== order.storeId) return false;
  if (rule.tag !== null) {
    const want = rule.tag.toLowerCase();
    if (!order.tags.some((t) => t.toLowerCase() === want)) return false;
  }
  return true;
}

/** The connection through which `clientAccountId` may delegate to `providerAccountId`, if active. */
export function activeConnection(
  connections: readonly ConnectionView[],
  clientAccountId: string,
  providerAccountId: string,
): ConnectionView | null {
  return (
    connections.find(
      (c) =>
        c.status === 'active' &&
        c.clientAccountId === clientAccountId &&
        c.tplAccountId === providerAccountId,
    ) ?? null
  );
}

/**
 * R5.4, on import: an account's rules in the order they were made; the first rule that matches an
 * order decides it. If that rule's 3PL is not actively connected (never accepted, or
 * disconnected: R5.2), the order stays with the client — a later rule does not take over, so
 * disconnecting really stops delegation instead of silently moving orders elsewhere. Rules and
 * connections of other accounts never apply (tenancy holds even over a mixed batch).
 */
export function delegationsFor(
  orders: readonly OrderCandidate[],
  rules: readonly AutomationRule[],
  connections: readonly ConnectionView[],
): DelegationDecision[] {
  return orders.map((order) => {
    const rule = rules.find((r) => r.accountId === order.accountId && ruleMatches(r, order));
    if (!rule) return { orderId: order.orderId, outcome: 'no_rule' };
    const connection = activeConnection(connections, order.accountId, rule.providerAccountId);
    if (!connection) {
      return {
        orderId: order.orderId,
        outcome: 'not_connected',
        providerAccountId: rule.providerAccountId,
        ruleId: rule.id,
      };
    }
    return {
      orderId: order.orderId,
      outcome: 'delegate',
      providerAccountId: rule.providerAccountId,
      connectionId: connection.connectionId,
      ruleId: rule.id,
    };
  });
}

export interface Refusal {
  code: string;
  status: 409 | 422;
  message: string;
}

/**
 * R5.4, by hand: POST /v1/orders/:id/fulfillment-provider. An order goes to one 3PL once; the
 * same request again changes nothing; an order that is itself a 3PL's copy is not passed on.
 */
export function decideManualDelegation(input: {
  clientAccountId: string;
  providerAccountId: string;
  /** The delegation of this order, if it was delegated already. */
  existing: Delegation | null;
  /** Set when this order is the copy of another account's delegated order. */
  isProviderCopy: boolean;
  connections: readonly ConnectionView[];
}):
  | { outcome: 'delegate'; connection: ConnectionView }
  | { outcome: 'unchanged'; delegation: Delegation }
  | { outcome: 'refused'; refusal: Refusal } {
  if (input.isProviderCopy) {
    return refused(
      'ALREADY_DELEGATED',
      409,
      'This order was delegated to you by a client; it cannot be delegated again',
    );
  }
  if (input.existing) {
    if (input.existing.providerAccountId === input.providerAccountId) {
      return { outcome: 'unchanged', delegation: input.existing };
    }
    return refused(
      'ALREADY_DELEGATED',
      409,
      `This order is already delegated to ${input.existing.providerAccountId}; it stays with that 3PL`,
    );
  }
  if (input.providerAccountId === input.clientAccountId) {
    return refused('NOT_CONNECTED', 409, 'An account cannot delegate orders to itself');
  }
  const connection = activeConnection(input.connections, input.clientAccountId, input.providerAccountId);
  if (!connection) {
    const known = input.connections.find(
      (c) => c.tplAccountId === input.providerAccountId && c.clientAccountId === input.clientAccountId,
    );
    return refused(
      'CONNECTION_NOT_ACTIVE',
      409,
      known
        ? `Your connection with 3PL ${input.providerAccountId} is ${known.status}; orders can only be delegated over an active connection (R5.4)`
        : `You have no active connection with 3PL ${input.providerAccountId}; accept its invitation first (R5.3, R5.4)`,
    );
  }
  return { outcome: 'delegate', connection };
}

const refused = (code: string, status: Refusal['status'], message: string) =>
  ({ outcome: 'refused', refusal: { code, status, message } }) as const;

/**
 * The connection view keeps, per connection, the newest event only: events of one connection
 * arrive in order (its id is the Kafka key), but a replay from a dead-letter topic may not.
 */
export function newestPerConnection(
  changes: readonly ConnectionView[],
  stored: ReadonlyMap<string, Pick<ConnectionView, 'changedAt'>>,
): ConnectionView[] {
  const newest = new Map<string, ConnectionView>();
  for (const c of changes) {
    const seen = newest.get(c.connectionId) ?? stored.get(c.connectionId);
    if (!seen || seen.changedAt.getTime() <= c.changedAt.getTime()) newest.set(c.connectionId, c);
  }
  return [...newest.values()].filter((c) => changes.includes(c));
}

/**
 * Tenancy of ClientConnectionChanged: why this service must not apply a change (null when it may).
 * Only the connection's 3PL publishes its changes (the envelope's account is the 3PL's), and the
 * parties of a connection never change once known: an event naming someone else's connection is
 * refused, whatever status it claims.
 */
export function foreignConnectionChange(
  eventAccountId: string,
  change: Pick<ConnectionView, 'connectionId' | 'tplAccountId' | 'clientAccountId'>,
  known: Pick<ConnectionView, 'tplAccountId' | 'clientAccountId'> | undefined,
): string | null {
  if (eventAccountId !== change.tplAccountId)
    return `account ${eventAccountId} published a change of a connection of the 3PL ${change.tplAccountId}`;
  if (known && known.tplAccountId !== change.tplAccountId)
    return `connection ${change.connectionId} belongs to the 3PL ${known.tplAccountId}`;
  if (known?.clientAccountId && change.clientAccountId && known.clientAccountId !== change.clientAccountId)
    return `connection ${change.connectionId} has the client ${known.clientAccountId}`;
  return null;
}

/** The store id under which a client's delegated orders appear in the 3PL's account. */
export const clientStoreId = (clientAccountId: string) => `client:${clientAccountId}`;

/**
 * R5.4: the order as it appears in the 3PL's account — `awaiting_shipment`, with all of the
 * client's notes (customer and internal), the same buyer, address, items and total. It is the
 * 3PL's own record from now on, in the 3PL's account, under the client's "store".
 */
export function providerCopy<
  O extends {
    id: string;
    accountId: string;
    storeId: string;
    storeOrderId: string;
    orderStatus: string | null;
  },
>(clientOrder: O, d: Pick<Delegation, 'providerOrderId' | 'providerAccountId' | 'delegatedAt'>): O {
  return {
    ...clientOrder,
    id: d.providerOrderId,
    accountId: d.providerAccountId,
    storeId: clientStoreId(clientOrder.accountId),
    storeOrderId: clientOrder.id,
    orderStatus: 'awaiting_shipment',
    revision: 1,
    createdAt: d.delegatedAt,
    updatedAt: d.delegatedAt,
  };
}
