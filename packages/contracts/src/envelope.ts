import { Type, type Static, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';

/**
 * The envelope every event carries. `eventType` and `eventVersion` are literals per event, so a
 * consumer that validates a message also knows exactly which contract it holds.
 */
export function envelopeOf<Name extends string, V extends number, P extends TSchema>(
  eventType: Name,
  eventVersion: V,
  payload: P,
) {
  return Type.Object(
    {
      eventId: Type.String({ format: 'uuid' }),
      eventType: Type.Literal(eventType),
      eventVersion: Type.Literal(eventVersion),
      occurredAt: Type.String({ format: 'date-time' }),
      accountId: Type.String({ minLength: 1, maxLength: 64 }),
      correlationId: Type.String({ minLength: 1, maxLength: 128 }),
      causationId: Type.Union([Type.String({ minLength: 1, maxLength: 128 }), Type.Null()]),
      payload,
    },
    { $id: `${eventType}.v${eventVersion}`, title: `${eventType} v${eventVersion}` },
  );
}

export const EnvelopeHeader = Type.Object({
  eventId: Type.String(),
  eventType: Type.String(),
  eventVersion: Type.Number(),
  accountId: Type.String(),
});

/** Everything about one event, defined once: schema (and so its type), topic, key, example. */
export interface EventContract<S extends TObject<TProperties> = TObject<TProperties>> {
  readonly eventType: string;
  readonly eventVersion: number;
  /** The Kafka topic this event travels on. One topic per event type; versions share it. */
  readonly topic: string;
  readonly schema: S;
  /** The Kafka key: keeps one aggregate's events on one partition, so they stay in order. */
  readonly partitionKey: (event: Static<S>) => string;
  readonly example: Static<S>;
  readonly description: string;
}

export function defineEvent<S extends TObject<TProperties>>(contract: EventContract<S>): EventContract<S> {
  return Object.freeze(contract);
}
