import { Type, type Static } from '@sinclair/typebox';
import { defineEvent, envelopeOf } from '../envelope';
import { CARRIER_LIMITS } from '../limits';

/** A carrier code or a service code as carriers and ShipStation write them: `ups`, `usps_priority_mail`. */
export const CarrierCode = Type.String({ pattern: CARRIER_LIMITS.codePattern });

export const CarrierAccountChangedV1 = envelopeOf(
  'CarrierAccountChanged',
  1,
  Type.Object({
    carrierAccountId: Type.String({ minLength: 1 }),
    carrierCode: CarrierCode,
    services: Type.Array(CarrierCode, {
      description: 'Service codes this carrier account supports (R5.5); empty once removed.',
    }),
    sharedWithProviders: Type.Boolean({
      description: "Whether the account's connected 3PLs may ship the account's orders with it (R5.5).",
    }),
    status: Type.Union([Type.Literal('active'), Type.Literal('removed')]),
    version: Type.Integer({
      minimum: 1,
      description: 'Increases on every change; consumers drop older ones.',
    }),
  }),
);
export type CarrierAccountChangedV1 = Static<typeof CarrierAccountChangedV1>;

export const CarrierAccountChanged = defineEvent({
  eventType: 'CarrierAccountChanged',
  eventVersion: 1,
  topic: 'CarrierAccountChanged',
  schema: CarrierAccountChangedV1,
  description:
    'An account registered, changed or removed a carrier account; order-ingest-service checks the shipping services of delegated orders against it (R5.5). The envelope accountId owns the carrier account.',
  partitionKey: (e) => e.payload.carrierAccountId,
  example: {
    eventId: '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c10',
    eventType: 'CarrierAccountChanged',
    eventVersion: 1,
    occurredAt: '2026-11-24T10:00:00.000Z',
    accountId: 'acme',
    correlationId: 'req-ca04',
    causationId: null,
    payload: {
      carrierAccountId: 'car_01',
      carrierCode: 'ups',
      services: ['ups_ground', 'ups_next_day_air'],
      sharedWithProviders: true,
      status: 'active',
      version: 1,
    },
  },
});
