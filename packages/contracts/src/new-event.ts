import { createHash, randomUUID } from 'node:crypto';
import type { Static, TObject, TProperties } from '@sinclair/typebox';
import type { EventContract } from './envelope';
import { assertEvent } from './registry';

export interface EventContext {
  accountId: string;
  correlationId: string;
  causationId?: string | null;
  occurredAt?: Date;
  /**
   * A fixed id instead of a random one, for events a producer may build again after a crash
   * (see `deterministicEventId`): the consumer's inbox then sees the rebuilt event as the same.
   */
  eventId?: string;
}

/**
 * A name-based UUID (RFC 4122 version 5 layout over SHA-1) from the parts given: the same parts
 * always give the same id. For events that stand for a fixed piece of work (chunk 7 of import job
 * imp_01), so that publishing the piece again is deduplicated downstream like a redelivery.
 */
export function deterministicEventId(...parts: Array<string | number>): string {
  const h = createHash('sha1').update(parts.map(String).join('\u0000')).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

type PayloadOf<S extends TObject<TProperties>> = Static<S> extends { payload: infer P } ? P : never;

const built = new WeakSet<object>();

/**
 * True for an event object `newEvent` built (and so validated) and nobody replaced since: the
 * outbox then does not validate it a second time.
 */
export function builtByNewEvent(event: object): boolean {
  return built.has(event);
}

/** Builds a complete, validated event for a contract: the only way services make events. */
export function newEvent<S extends TObject<TProperties>>(
  contract: EventContract<S>,
  ctx: EventContext,
  payload: PayloadOf<S>,
): Static<S> {
  const event = {
    eventId: ctx.eventId ?? randomUUID(),
    eventType: contract.eventType,
    eventVersion: contract.eventVersion,
    occurredAt: (ctx.occurredAt ?? new Date()).toISOString(),
    accountId: ctx.accountId,
    correlationId: ctx.correlationId,
    causationId: ctx.causationId ?? null,
    payload,
  };
  const valid = assertEvent(contract as unknown as EventContract, event) as Static<S>;
  built.add(Object.freeze(valid));
  return valid;
}
