import type { Static } from '@sinclair/typebox';
import { ContractViolation, compile, formatErrors } from './ajv';
import { EnvelopeHeader, type EventContract } from './envelope';
import { CarrierAccountChanged } from './events/carrier-account-changed';
import { ClientConnectionChanged } from './events/client-connection-changed';
import { ClientInvited } from './events/client-invited';
import { CustomerImportRequested, CustomerImportRequestedLegacyV1 } from './events/customer-import-requested';
import {
  CustomerImportRowResult,
  CustomerImportRowResultLegacyV1,
} from './events/customer-import-row-result';
import { CustomerMerged } from './events/customer-merged';
import { CustomerRedacted } from './events/customer-redacted';
import { CustomerUpserted } from './events/customer-upserted';
import { OrderDelegated } from './events/order-delegated';
import { OrderImportRequested } from './events/order-import-requested';
import { OrderImportRowResult } from './events/order-import-row-result';
import { OrderImported } from './events/order-imported';

/**
 * Every event of SPEC §6, each defined once, every version still decoded (a version's topic is its
 * event type's). OrderImportRequested / OrderImportRowResult carry order CSV rows to order-ingest
 * (ADR 0013); the v1 import events are superseded by the chunked v2 (ADR 0012).
 */
export const contracts = [
  OrderImported,
  OrderDelegated,
  CustomerUpserted,
  CustomerMerged,
  CustomerRedacted,
  CustomerImportRequestedLegacyV1,
  CustomerImportRequested,
  CustomerImportRowResultLegacyV1,
  CustomerImportRowResult,
  OrderImportRequested,
  OrderImportRowResult,
  ClientInvited,
  ClientConnectionChanged,
  CarrierAccountChanged,
] as const;

export type AnyContract = (typeof contracts)[number];
export type AnyEvent = Static<AnyContract['schema']>;
export type EventOf<C extends EventContract> = Static<C['schema']>;
export type EventType = AnyEvent['eventType'];

/** Topics as published: one per event type. */
export const topics = [...new Set(contracts.map((c) => c.topic))];

const byTypeAndVersion = new Map<string, EventContract>(
  contracts.map((c) => [`${c.eventType}@${c.eventVersion}`, c as unknown as EventContract]),
);

export function contractFor(eventType: string, eventVersion: number): EventContract | undefined {
  return byTypeAndVersion.get(`${eventType}@${eventVersion}`);
}

/**
 * Turns raw bytes from the bus into a validated event. Anything that is not exactly one known,
 * valid event throws ContractViolation (non-retriable): the caller dead-letters it.
 */
export function decodeEvent(raw: string | Buffer | null | undefined, topic?: string): AnyEvent {
  const subject = topic ? `message on ${topic}` : 'message';
  if (raw === null || raw === undefined) throw new ContractViolation(subject, ['has no value']);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString());
  } catch (err) {
    throw new ContractViolation(subject, [`is not JSON (${(err as Error).message})`]);
  }
  const header = compile(EnvelopeHeader);
  if (!header(parsed)) throw new ContractViolation(subject, formatErrors(header.errors));
  const contract = contractFor(parsed.eventType, parsed.eventVersion);
  if (!contract) {
    throw new ContractViolation(subject, [`has unknown event ${parsed.eventType} v${parsed.eventVersion}`]);
  }
  if (topic !== undefined && contract.topic !== topic) {
    throw new ContractViolation(subject, [
      `carries ${parsed.eventType}, which belongs on topic ${contract.topic}`,
    ]);
  }
  const name = `${parsed.eventType} v${parsed.eventVersion}`;
  const validate = compile(contract.schema);
  if (!validate(parsed)) throw new ContractViolation(name, formatErrors(validate.errors));
  return parsed as AnyEvent;
}

/**
 * Validates an event about to be published against what a producer may publish now (the contract's
 * publishSchema, else its schema); a producer bug must not reach the bus.
 */
export function assertEvent<C extends EventContract>(contract: C, event: unknown): EventOf<C> {
  const validate = compile(contract.publishSchema ?? contract.schema);
  if (!validate(event)) {
    throw new ContractViolation(
      `${contract.eventType} v${contract.eventVersion}`,
      formatErrors(validate.errors),
    );
  }
  return event as EventOf<C>;
}
