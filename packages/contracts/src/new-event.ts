import { randomUUID } from 'node:crypto';
import type { Static, TObject, TProperties } from '@sinclair/typebox';
import type { EventContract } from './envelope';
import { assertEvent } from './registry';

export interface EventContext {
  accountId: string;
  correlationId: string;
  causationId?: string | null;
  occurredAt?: Date;
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
    eventId: randomUUID(),
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
