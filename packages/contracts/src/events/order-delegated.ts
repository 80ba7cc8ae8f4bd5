import { Type, type Static } from '@sinclair/typebox';
import { defineEvent, envelopeOf } from '../envelope';

export const OrderDelegatedV1 = envelopeOf(
  'OrderDelegated',
  1,
  Type.Object({
    orderId: Type.String({ minLength: 1 }),
    orderNumber: Type.String(),
    connectionId: Type.String({ minLength: 1 }),
    clientAccountId: Type.String({ minLength: 1 }),
    tplAccountId: Type.String({ minLength: 1 }),
    notes: Type.Array(Type.String(), { description: "All the client's order notes travel with it (R5.4)." }),
    delegatedBy: Type.Union([Type.Literal('user'), Type.Literal('automation_rule')]),
    providerOrderId: Type.Optional(
      Type.String({
        minLength: 1,
        description: "The order's id in the 3PL's account (added in v1 as optional).",
      }),
    ),
    ruleId: Type.Optional(
      Type.Union([Type.String({ minLength: 1 }), Type.Null()], {
        description: 'The automation rule that delegated it, when one did (added in v1 as optional).',
      }),
    ),
  }),
);
export type OrderDelegatedV1 = Static<typeof OrderDelegatedV1>;

export const OrderDelegated = defineEvent({
  eventType: 'OrderDelegated',
  eventVersion: 1,
  topic: 'OrderDelegated',
  schema: OrderDelegatedV1,
  description: "A client's order was delegated to its 3PL, where it appears as awaiting_shipment (R5.4).",
  partitionKey: (e) => e.payload.orderId,
  example: {
    eventId: '2c3d4e5f-6a7b-48c9-8d0e-1f2a3b4c5d07',
    eventType: 'OrderDelegated',
    eventVersion: 1,
    occurredAt: '2026-11-23T14:00:00.000Z',
    accountId: 'acme',
    correlationId: 'req-aa01',
    causationId: null,
    payload: {
      orderId: 'ord_01',
      orderNumber: '#1001',
      connectionId: 'con_01',
      clientAccountId: 'acme',
      tplAccountId: 'fastwarehouse',
      notes: ['Gift wrap please'],
      delegatedBy: 'user',
      providerOrderId: 'ord_91',
      ruleId: null,
    },
  },
});
