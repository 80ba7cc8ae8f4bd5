import { Type } from '@sinclair/typebox';
import { CARRIER_LIMITS, TEXT_LIMITS as L } from '@crp/contracts/limits';
import { route } from '@crp/platform/http';
import { createRule, deleteRule, listRules } from '../app/automation-rules';
import { delegateOrder } from '../app/delegate-orders';
import type { Caller, DelegationDeps } from '../app/delegation-ports';
import { getFulfillment, listDelegations } from '../app/fulfillment';
import { setShippingService } from '../app/shipping-service';

// SPEC §5 on the order side: delegating to a 3PL by hand or by rule (R5.4), choosing the
// shipping service of a delegated order against the carrier accounts (R5.5).

const AccountId = Type.String({ pattern: `^[A-Za-z0-9_.-]{1,${L.accountId}}$` });
const OrderParams = Type.Object({ orderId: Type.String({ minLength: 1, maxLength: L.id }) });
// Any case at the door; compared lower-cased with the carrier accounts (CARRIER_LIMITS).
const Code = Type.String({ pattern: CARRIER_LIMITS.codeInputPattern });

const Delegation = Type.Object({
  side: Type.Union([Type.Literal('client'), Type.Literal('provider')]),
  orderId: Type.String({ description: "This account's order" }),
  clientAccountId: Type.String(),
  providerAccountId: Type.String(),
  connectionId: Type.String(),
  connectionStatus: Type.String({
    description: 'active, or how the connection ended: the order stays with the 3PL',
  }),
  clientOrderId: Type.Optional(Type.String()),
  providerOrderId: Type.Optional(Type.String()),
  delegatedBy: Type.Union([Type.Literal('user'), Type.Literal('automation_rule')]),
  ruleId: Type.Union([Type.String(), Type.Null()]),
  delegatedAt: Type.String({ format: 'date-time' }),
  note: Type.Union([Type.String(), Type.Null()]),
});
const ShippingService = Type.Object({
  orderId: Type.String(),
  carrierCode: Type.String(),
  serviceCode: Type.String(),
  carrierAccountId: Type.String(),
  carrierAccountOwner: Type.Union([Type.Literal('own'), Type.Literal('client')]),
  selectedAt: Type.String({ format: 'date-time' }),
});
const Rule = Type.Object({
  ruleId: Type.String(),
  name: Type.String(),
  match: Type.Object({
    storeId: Type.Union([Type.String(), Type.Null()]),
    tag: Type.Union([Type.String(), Type.Null()]),
  }),
  action: Type.Object({ type: Type.Literal('set_fulfillment_provider'), providerAccountId: Type.String() }),
  createdAt: Type.String({ format: 'date-time' }),
  createdBy: Type.String(),
});

export function delegationRoutes(deps: DelegationDeps) {
  const caller = (p: { accountId: string; userId: string }, correlationId: string): Caller => ({
    accountId: p.accountId,
    userId: p.userId,
    correlationId,
  });
  return [
    route({
      method: 'post',
      path: '/v1/orders/:orderId/fulfillment-provider',
      operationId: 'setFulfillmentProvider',
      summary:
        'Delegate the order to a 3PL the account is actively connected to (R5.4); OrderDelegated is published',
      tags: ['delegation'],
      params: OrderParams,
      body: Type.Object({ providerAccountId: AccountId }, { additionalProperties: false }),
      responses: {
        201: {
          description: 'Delegated: the order now appears in the 3PL’s orders as awaiting_shipment',
          schema: Delegation,
        },
        200: { description: 'Already delegated to this 3PL: nothing changed', schema: Delegation },
        404: { description: 'No such order in this account' },
        409: { description: 'No active connection with that 3PL, or already delegated elsewhere' },
      },
      handler: async ({ principal, params, body, correlationId }) => {
        const r = await delegateOrder(
          deps,
          caller(principal, correlationId),
          params.orderId,
          body.providerAccountId,
        );
        return { status: r.created ? 201 : 200, body: r.delegation };
      },
    }),
    route({
      method: 'get',
      path: '/v1/orders/:orderId/fulfillment',
      operationId: 'getOrderFulfillment',
      summary:
        'Whether the order is delegated (and whether the connection still is active), and its shipping service',
      tags: ['delegation'],
      params: OrderParams,
      responses: {
        200: {
          description: 'Fulfillment',
          schema: Type.Object({
            orderId: Type.String(),
            fulfillment: Type.Union([Delegation, Type.Null()]),
            shippingService: Type.Union([ShippingService, Type.Null()]),
          }),
        },
        404: { description: 'No such order in this account' },
      },
      handler: async ({ principal, params }) => ({
        body: await getFulfillment(deps, principal.accountId, params.orderId),
      }),
    }),
    route({
      method: 'put',
      path: '/v1/orders/:orderId/shipping-service',
      operationId: 'setShippingService',
      summary:
        "Choose the order's carrier and service (R5.5): the 3PL's own carrier accounts always count; on a delegated order, also the client's shared ones",
      tags: ['delegation'],
      params: OrderParams,
      body: Type.Object({ carrierCode: Code, serviceCode: Code }, { additionalProperties: false }),
      responses: {
        200: { description: 'Chosen', schema: ShippingService },
        404: { description: 'No such order in this account' },
        409: { description: 'The order is delegated away: its 3PL chooses' },
        422: {
          description:
            'SHIPPING_SERVICE_INVALID: "The shipping service is invalid because the client does not have a carrier account that supports it"',
        },
      },
      handler: async ({ principal, params, body, correlationId }) => ({
        body: await setShippingService(deps, caller(principal, correlationId), params.orderId, body),
      }),
    }),
    route({
      method: 'get',
      path: '/v1/delegations',
      operationId: 'listDelegations',
      summary: 'Orders the account delegated (side=client) or that clients delegated to it (side=provider)',
      tags: ['delegation'],
      query: Type.Object({
        side: Type.Union([Type.Literal('client'), Type.Literal('provider')], { default: 'client' }),
        cursor: Type.Optional(
          Type.String({ maxLength: L.id, description: 'nextCursor of the previous page' }),
        ),
        limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
      }),
      responses: {
        200: {
          description: 'Delegations',
          schema: Type.Object({
            delegations: Type.Array(Delegation),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
      handler: async ({ principal, query }) => ({
        body: await listDelegations(deps, principal.accountId, query),
      }),
    }),
    route({
      method: 'get',
      path: '/v1/automation-rules',
      operationId: 'listAutomationRules',
      summary: '"Set fulfillment provider" rules, in the order they are asked',
      tags: ['automation rules'],
      responses: { 200: { description: 'Rules', schema: Type.Object({ rules: Type.Array(Rule) }) } },
      handler: async ({ principal }) => ({ body: await listRules(deps, principal.accountId) }),
    }),
    route({
      method: 'post',
      path: '/v1/automation-rules',
      operationId: 'createAutomationRule',
      summary:
        'A "set fulfillment provider" rule (R5.4): new orders of a store and/or with a tag go to the 3PL on import; the first matching rule decides',
      tags: ['automation rules'],
      roles: ['admin'],
      body: Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: L.ruleName, pattern: '\\S' }),
          match: Type.Object(
            {
              storeId: Type.Optional(
                Type.String({ minLength: 1, maxLength: L.storeId, description: 'Only orders of this store' }),
              ),
              tag: Type.Optional(
                Type.String({ minLength: 1, maxLength: L.tag, description: 'Only orders with this tag' }),
              ),
            },
            { additionalProperties: false, description: 'Empty: every new order' },
          ),
          action: Type.Object(
            { type: Type.Literal('set_fulfillment_provider'), providerAccountId: AccountId },
            { additionalProperties: false },
          ),
        },
        { additionalProperties: false },
      ),
      responses: {
        201: { description: 'The rule', schema: Rule },
        404: { description: 'No such store in this account' },
        409: { description: 'No active connection with that 3PL' },
      },
      handler: async ({ principal, body, correlationId }) => ({
        status: 201,
        body: await createRule(deps, caller(principal, correlationId), {
          name: body.name,
          storeId: body.match.storeId,
          tag: body.match.tag,
          providerAccountId: body.action.providerAccountId,
        }),
      }),
    }),
    route({
      method: 'delete',
      path: '/v1/automation-rules/:ruleId',
      operationId: 'deleteAutomationRule',
      summary: 'Delete a rule; orders it delegated stay delegated',
      tags: ['automation rules'],
      roles: ['admin'],
      params: Type.Object({ ruleId: Type.String({ minLength: 1, maxLength: L.id }) }),
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such rule in this account' } },
      handler: async ({ principal, params }) => {
        await deleteRule(deps, principal.accountId, params.ruleId);
        return { status: 204 };
      },
    }),
  ];
}
