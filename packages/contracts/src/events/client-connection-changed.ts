import { Type, type Static } from '@sinclair/typebox';
import { defineEvent, envelopeOf } from '../envelope';

export const ConnectionStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('active'),
  Type.Literal('declined'),
  Type.Literal('removed'),
  Type.Literal('disconnected'),
]);

export const ClientConnectionChangedV1 = envelopeOf(
  'ClientConnectionChanged',
  1,
  Type.Object({
    connectionId: Type.String({ minLength: 1 }),
    tplAccountId: Type.String({ minLength: 1 }),
    clientAccountId: Type.Union([Type.String({ minLength: 1 }), Type.Null()], {
      description: 'Known once the client accepted; null while pending.',
    }),
    status: ConnectionStatus,
    previousStatus: Type.Union([ConnectionStatus, Type.Null()]),
    changedBy: Type.Union([Type.Literal('tpl'), Type.Literal('client'), Type.Literal('system')]),
  }),
);
export type ClientConnectionChangedV1 = Static<typeof ClientConnectionChangedV1>;

export const ClientConnectionChanged = defineEvent({
  eventType: 'ClientConnectionChanged',
  eventVersion: 1,
  topic: 'ClientConnectionChanged',
  schema: ClientConnectionChangedV1,
  description:
    'A 3PL connection changed status (R5.2); order-ingest-service allows delegation only while active.',
  partitionKey: (e) => e.payload.connectionId,
  example: {
    eventId: '4e5f6a7b-8c9d-4ae1-8f2a-3b4c5d6e7f09',
    eventType: 'ClientConnectionChanged',
    eventVersion: 1,
    occurredAt: '2026-11-24T09:00:00.000Z',
    accountId: 'fastwarehouse',
    correlationId: 'req-cc03',
    causationId: null,
    payload: {
      connectionId: 'con_01',
      tplAccountId: 'fastwarehouse',
      clientAccountId: 'acme',
      status: 'active',
      previousStatus: 'pending',
      changedBy: 'client',
    },
  },
});
