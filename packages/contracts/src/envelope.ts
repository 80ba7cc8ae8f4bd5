import { Type, type Static, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';

/**
 * The envelope every event carries. `eventType` and `eventVersion` are literals per event, so a
 * consumer that validates a message also knows exactly which contract it holds.
 */
export function envelopeOf<Name extends string, V extends number, P extends TSchema>(
  eventType: Name,
  eventVersion: V,
  payload: P,
  /** For a contract's publishSchema: its own $id ("published"), as ajv keeps one schema per id. */
  variant?: 'published',
) {
  const id = `${eventType}.v${eventVersion}${variant ? `.${variant}` : ''}`;
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
    { $id: id, title: `${eventType} v${eventVersion}${variant ? ` (${variant})` : ''}` },
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
  /** What consumers decode (decodeEvent) and the event's TypeScript type. */
  readonly schema: S;
  /**
   * Stricter than `schema` where a field of this version was narrowed after producers had already
   * published wider values: what a producer may publish now (newEvent, the outbox — assertEvent).
   * Consumers keep decoding with `schema`, so an event an older producer published is never
   * dead-lettered for a value that was valid when it was published; they read the narrowed field
   * as its description says (ADR 0029). Absent: `schema` for both.
   */
  readonly publishSchema?: TObject<TProperties>;
  /** The Kafka key: keeps one aggregate's events on one partition, so they stay in order. */
  readonly partitionKey: (event: Static<S>) => string;
  readonly example: Static<S>;
  readonly description: string;
}

export function defineEvent<S extends TObject<TProperties>>(contract: EventContract<S>): EventContract<S> {
  return Object.freeze(contract);
}
