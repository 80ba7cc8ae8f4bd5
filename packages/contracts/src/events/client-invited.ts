import { Type, type Static } from '@sinclair/typebox';
import { defineEvent, envelopeOf } from '../envelope';

export const ClientInvitedV1 = envelopeOf(
  'ClientInvited',
  1,
  Type.Object({
    connectionId: Type.String({ minLength: 1 }),
    tplAccountId: Type.String({ minLength: 1 }),
    clientEmail: Type.String({ format: 'email', description: "The client account's email (R5.1)." }),
    clientName: Type.String({ description: "The 3PL's internal nickname for the client." }),
    companyName: Type.String({ description: 'The company name the client will see.' }),
    invitationExpiresAt: Type.String({ format: 'date-time' }),
    invitationId: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'The invitation (one link) this event announces; tpl-connection-service mails its link from it. Added in v1 as optional.',
      }),
    ),
  }),
);
export type ClientInvitedV1 = Static<typeof ClientInvitedV1>;

export const ClientInvited = defineEvent({
  eventType: 'ClientInvited',
  eventVersion: 1,
  topic: 'ClientInvited',
  schema: ClientInvitedV1,
  description: 'A 3PL invited a merchant account to connect (R5.1); the invitation email is sent from it.',
  partitionKey: (e) => e.payload.connectionId,
  example: {
    eventId: '3d4e5f6a-7b8c-49d0-9e1f-2a3b4c5d6e08',
    eventType: 'ClientInvited',
    eventVersion: 1,
    occurredAt: '2026-11-23T15:00:00.000Z',
    accountId: 'fastwarehouse',
    correlationId: 'req-bb02',
    causationId: null,
    payload: {
      connectionId: 'con_01',
      tplAccountId: 'fastwarehouse',
      clientEmail: 'owner@acme.example',
      clientName: 'Acme (big one)',
      companyName: 'Fast Warehouse Ltd',
      invitationExpiresAt: '2026-11-30T15:00:00.000Z',
      invitationId: 'inv_01',
    },
  },
});
