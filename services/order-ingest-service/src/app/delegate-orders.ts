import { OrderDelegated } from '@crp/contracts/events/order-delegated';
import { newEvent } from '@crp/contracts/new-event';
import { AppError, notFound } from '@crp/platform/errors';
import { newId } from '@crp/platform/ids';
import {
  decideManualDelegation,
  delegationsFor,
  type Delegation,
  type DelegationDecision,
} from '../domain/delegation';
import type { Caller, DelegationDeps, Tx } from './delegation-ports';
import { delegationView } from './delegation-views';

/** An order the ingest just wrote, as the delegation step needs it. */
export interface ImportedOrder {
  orderId: string;
  accountId: string;
  storeId: string;
  /** Tags the order arrived with (ShipStation `tagIds`, as text); rules may match one. */
  tags: readonly string[];
  /** Only orders imported for the first time are offered to the rules (R5.4). */
  status: 'created' | 'updated' | 'unchanged';
}

/**
 * R5.4 "set fulfillment provider" automation, inside the ingest's own transaction: one query for
 * the rules of the batch's accounts (and nothing more when there are none), one for their
 * connections, a pure decision, then multi-row writes of the 3PLs' copies, the delegations and
 * the OrderDelegated events. An order imported again is never re-decided.
 */
export async function delegateImportedOrders(
  tx: Tx,
  deps: Pick<DelegationDeps, 'delegation' | 'outbox' | 'now'>,
  ctx: { correlationId: string },
  imported: readonly ImportedOrder[],
): Promise<DelegationDecision[]> {
  const fresh = imported.filter((o) => o.status === 'created');
  if (fresh.length === 0) return [];
  const accountIds = [...new Set(fresh.map((o) => o.accountId))];
  const rules = await deps.delegation.rulesOf(tx, accountIds);
  if (rules.length === 0) return fresh.map((o) => ({ orderId: o.orderId, outcome: 'no_rule' }));
  const connections = await deps.delegation.connectionsOfClients(tx, accountIds);
  const decisions = delegationsFor(fresh, rules, connections);

  const chosen = decisions.filter((d) => d.outcome === 'delegate');
  if (chosen.length > 0) {
    const at = deps.now();
    const accountOf = new Map(fresh.map((o) => [o.orderId, o.accountId]));
    const rows: Delegation[] = chosen.map((d) => ({
      orderId: d.orderId,
      clientAccountId: accountOf.get(d.orderId)!,
      providerAccountId: d.providerAccountId,
      connectionId: d.connectionId,
      providerOrderId: newId('ord'),
      delegatedBy: 'automation_rule',
      ruleId: d.ruleId,
      delegatedAt: at,
    }));
    await persist(tx, deps, ctx.correlationId, rows);
  }
  return decisions;
}

/** POST /v1/orders/:orderId/fulfillment-provider (R5.4, by hand): one click, one transaction. */
export function delegateOrder(
  deps: DelegationDeps,
  caller: Caller,
  orderId: string,
  providerAccountId: string,
) {
  return deps.db.transaction(async (tx) => {
    const [order] = await deps.delegation.orderFacts(tx, caller.accountId, [orderId]);
    if (!order) throw notFound(`Order ${orderId}`);
    const [existing] = await deps.delegation.delegationsAsClient(tx, caller.accountId, [orderId]);
    const [asCopy] = await deps.delegation.delegationsAsProvider(tx, caller.accountId, [orderId]);
    const connections = await deps.delegation.connectionsOfClients(tx, [caller.accountId]);
    const decision = decideManualDelegation({
      clientAccountId: caller.accountId,
      providerAccountId,
      existing: existing ?? null,
      isProviderCopy: Boolean(asCopy),
      connections,
    });
    if (decision.outcome === 'refused') {
      const r = decision.refusal;
      throw new AppError(r.code, r.message, r.status);
    }
    if (decision.outcome === 'unchanged') {
      return { created: false, delegation: delegationView(decision.delegation, 'client', connections) };
    }
    const row: Delegation = {
      orderId,
      clientAccountId: caller.accountId,
      providerAccountId,
      connectionId: decision.connection.connectionId,
      providerOrderId: newId('ord'),
      delegatedBy: 'user',
      ruleId: null,
      delegatedAt: deps.now(),
    };
    await persist(tx, deps, caller.correlationId, [row]);
    return { created: true, delegation: delegationView(row, 'client', connections) };
  });
}

async function persist(
  tx: Tx,
  deps: Pick<DelegationDeps, 'delegation' | 'outbox'>,
  correlationId: string,
  rows: Delegation[],
) {
  const facts = new Map((await deps.delegation.saveDelegations(tx, rows)).map((o) => [o.id, o]));
  // The events carry the client's notes (R5.4: "with all the client's order notes").
  await deps.outbox.add(
    tx,
    ...rows.map((r) =>
      newEvent(
        OrderDelegated,
        { accountId: r.clientAccountId, correlationId, occurredAt: r.delegatedAt },
        {
          orderId: r.orderId,
          orderNumber: facts.get(r.orderId)!.orderNumber,
          connectionId: r.connectionId,
          clientAccountId: r.clientAccountId,
          tplAccountId: r.providerAccountId,
          notes: facts.get(r.orderId)!.notes,
          delegatedBy: r.delegatedBy,
          providerOrderId: r.providerOrderId,
          ruleId: r.ruleId,
        },
      ),
    ),
  );
}
