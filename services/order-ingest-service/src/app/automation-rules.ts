import { AppError, notFound } from '@crp/platform/errors';
import { newId } from '@crp/platform/ids';
import { activeConnection, type AutomationRule } from '../domain/delegation';
import { manualStoreId } from '../domain/stores';
import type { Caller, DelegationDeps } from './delegation-ports';

/** Rules are asked in order on every import: keep the list short enough to read. */
export const MAX_RULES_PER_ACCOUNT = 100;

export interface RuleInput {
  name: string;
  storeId?: string;
  tag?: string;
  providerAccountId: string;
}

export const ruleView = (r: AutomationRule) => ({
  ruleId: r.id,
  name: r.name,
  match: { storeId: r.storeId, tag: r.tag },
  action: { type: 'set_fulfillment_provider' as const, providerAccountId: r.providerAccountId },
  createdAt: r.createdAt.toISOString(),
  createdBy: r.createdBy,
});

/**
 * POST /v1/automation-rules (R5.4): "all orders of store X → 3PL Y", "orders tagged T → 3PL Y",
 * both, or neither (every order). The 3PL must be actively connected now; if the connection ends
 * later the rule stays but delegates nothing (R5.2).
 */
export function createRule(deps: DelegationDeps, caller: Caller, input: RuleInput) {
  return deps.db.transaction(async (tx) => {
    const storeId = input.storeId?.trim() || null;
    // The built-in manual store exists from the account's first manual order on; it may be named before.
    const known =
      storeId === manualStoreId(caller.accountId) ||
      (storeId && (await deps.delegation.storeExists(tx, caller.accountId, storeId)));
    if (storeId && !known) {
      throw notFound(`Store ${storeId}`);
    }
    const connections = await deps.delegation.connectionsOfClients(tx, [caller.accountId]);
    if (!activeConnection(connections, caller.accountId, input.providerAccountId)) {
      throw new AppError(
        'CONNECTION_NOT_ACTIVE',
        `You have no active connection with 3PL ${input.providerAccountId}; a rule can only name a 3PL you are connected to (R5.4)`,
        409,
      );
    }
    const existing = await deps.delegation.rulesOf(tx, [caller.accountId]);
    if (existing.length >= MAX_RULES_PER_ACCOUNT) {
      throw new AppError(
        'TOO_MANY_RULES',
        `An account can have at most ${MAX_RULES_PER_ACCOUNT} automation rules`,
        422,
      );
    }
    const rule: AutomationRule = {
      id: newId('rul'),
      accountId: caller.accountId,
      name: input.name.trim(),
      storeId,
      tag: input.tag?.trim() || null,
      providerAccountId: input.providerAccountId,
      createdAt: deps.now(),
      createdBy: caller.userId,
    };
    await deps.delegation.insertRule(tx, rule);
    return ruleView(rule);
  });
}

export async function listRules(deps: DelegationDeps, accountId: string) {
  const rules = await deps.delegation.rulesOf(deps.db.dataSource.manager, [accountId]);
  return { rules: rules.map(ruleView) };
}

export function deleteRule(deps: DelegationDeps, accountId: string, ruleId: string) {
  return deps.db.transaction(async (tx) => {
    if (!(await deps.delegation.deleteRule(tx, accountId, ruleId)))
      throw notFound(`Automation rule ${ruleId}`);
  });
}
