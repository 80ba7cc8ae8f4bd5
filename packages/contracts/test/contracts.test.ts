import { ContractViolation, assertValid } from '../src/ajv';
import { assertEvent, contracts, decodeEvent, topics } from '../src/registry';
import { deterministicEventId, newEvent } from '../src/new-event';
import { CUSTOMER_IMPORT_FIELDS } from '../src/customer-import-fields';
import {
  CustomerImportRequested,
  CustomerImportRequestedLegacyV1,
} from '../src/events/customer-import-requested';
import { CustomerImportRowResult } from '../src/events/customer-import-row-result';
import { OrderImported } from '../src/events/order-imported';
import { CustomerUpserted } from '../src/events/customer-upserted';
import { CarrierAccountChanged } from '../src/events/carrier-account-changed';
import { ClientInvited } from '../src/events/client-invited';
import { OrderDelegated } from '../src/events/order-delegated';

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('event contracts (SPEC §6)', () => {
  it('covers every topic named in SPEC §6, and CarrierAccountChanged (R5.5)', () => {
    expect(topics.sort()).toEqual(
      [
        'CarrierAccountChanged',
        'ClientConnectionChanged',
        'ClientInvited',
        'CustomerImportRequested',
        'CustomerImportRowResult',
        'CustomerMerged',
        'CustomerRedacted',
        'CustomerUpserted',
        'OrderDelegated',
        'OrderImportRequested',
        'OrderImportRowResult',
        'OrderImported',
      ].sort(),
    );
  });

  describe.each(
    contracts.map(
      (c) => [c.eventVersion === 1 ? c.eventType : `${c.eventType} v${c.eventVersion}`, c] as const,
    ),
  )('%s', (_name, contract) => {
    it('its example validates and decodes from the wire', () => {
      const wire = Buffer.from(JSON.stringify(contract.example));
      const decoded = decodeEvent(wire, contract.topic);
      expect(decoded).toEqual(contract.example);
    });

    it('its partition key is stable and non-empty', () => {
      const key = contract.partitionKey(contract.example as never);
      expect(typeof key).toBe('string');
      expect(key.length).toBeGreaterThan(0);
      expect(contract.partitionKey(clone(contract.example) as never)).toBe(key);
    });

    it('rejects an example without its eventId, saying so', () => {
      const bad = clone(contract.example) as Record<string, unknown>;
      delete bad.eventId;
      expect(() => decodeEvent(JSON.stringify(bad), contract.topic)).toThrow(/must have property "eventId"/);
    });

    it('rejects a payload missing a required field, naming it', () => {
      const bad = clone(contract.example) as { payload: Record<string, unknown> };
      const firstKey = Object.keys(bad.payload)[0]!;
      delete bad.payload[firstKey];
      expect(() => decodeEvent(JSON.stringify(bad), contract.topic)).toThrow(
        new RegExp(`/payload must have property "${firstKey}"`),
      );
    });

    it('tolerates unknown fields (consumers must, GUIDE.md)', () => {
      const extended = { ...clone(contract.example), futureField: 1 } as Record<string, unknown>;
      (extended.payload as Record<string, unknown>).alsoNew = 'x';
      expect(() => decodeEvent(JSON.stringify(extended), contract.topic)).not.toThrow();
    });

    it('keeps its schema (a change here is a visible diff)', () => {
      expect(contract.schema).toMatchSnapshot();
    });

    if (contract.publishSchema) {
      it('keeps what a producer may publish, stricter than what is decoded; its example passes both', () => {
        expect(contract.publishSchema).toMatchSnapshot();
        expect(() => assertEvent(contract as never, contract.example)).not.toThrow();
      });
    }
  });

  it('fields added to v1 later are optional: events written before them still decode', () => {
    const invited = clone(ClientInvited.example) as { payload: Record<string, unknown> };
    delete invited.payload.invitationId;
    expect(() => decodeEvent(JSON.stringify(invited), 'ClientInvited')).not.toThrow();
    const delegated = clone(OrderDelegated.example) as { payload: Record<string, unknown> };
    delete delegated.payload.providerOrderId;
    delete delegated.payload.ruleId;
    expect(() => decodeEvent(JSON.stringify(delegated), 'OrderDelegated')).not.toThrow();
  });

  it('CarrierAccountChanged refuses a service code a carrier would not write', () => {
    const ev = clone(CarrierAccountChanged.example);
    ev.payload.services = ['UPS Ground'];
    expect(() => decodeEvent(JSON.stringify(ev), 'CarrierAccountChanged')).toThrow(
      /\/payload\/services\/0 must match pattern/,
    );
  });

  it('rejects non-JSON with a readable reason', () => {
    expect(() => decodeEvent('not json{', 'OrderImported')).toThrow(
      /message on OrderImported is invalid: is not JSON/,
    );
  });

  it('rejects an event type it does not know', () => {
    const ev = { ...clone(OrderImported.example), eventType: 'OrderExploded' };
    expect(() => decodeEvent(JSON.stringify(ev))).toThrow(/unknown event OrderExploded v1/);
  });

  it('rejects an event published on the wrong topic', () => {
    expect(() => decodeEvent(JSON.stringify(OrderImported.example), 'CustomerUpserted')).toThrow(
      /belongs on topic OrderImported/,
    );
  });

  it('rejects a bad format with the path to the field', () => {
    const ev = clone(OrderImported.example);
    ev.payload.order.orderDate = 'yesterday';
    try {
      decodeEvent(JSON.stringify(ev));
      throw new Error('expected a ContractViolation');
    } catch (err) {
      expect(err).toBeInstanceOf(ContractViolation);
      expect((err as ContractViolation).problems).toContain(
        '/payload/order/orderDate must match format "date-time"',
      );
      expect((err as ContractViolation).retriable).toBe(false);
    }
  });

  it('newEvent fills the envelope and validates the payload', () => {
    const ev = newEvent(
      CustomerUpserted,
      { accountId: 'acme', correlationId: 'c1', causationId: 'e0' },
      CustomerUpserted.example.payload,
    );
    expect(ev.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(ev.eventType).toBe('CustomerUpserted');
    expect(ev.eventVersion).toBe(1);
    expect(ev.causationId).toBe('e0');
    expect(() =>
      newEvent(CustomerUpserted, { accountId: 'acme', correlationId: 'c1' }, {
        ...CustomerUpserted.example.payload,
        cause: 'magic',
      } as never),
    ).toThrow(/\/payload\/cause/);
  });

  it('assertValid reports every problem, not just the first', () => {
    const bad = clone(OrderImported.example) as unknown as { accountId: unknown; correlationId: unknown };
    bad.accountId = 5;
    bad.correlationId = '';
    try {
      assertValid(OrderImported.schema, bad, 'order');
      throw new Error('expected a ContractViolation');
    } catch (err) {
      expect((err as ContractViolation).problems.length).toBeGreaterThanOrEqual(2);
    }
  });
});

describe('chunked import contracts (ADR 0014, 0013)', () => {
  it('deterministicEventId: same parts, same uuid; other parts, another', () => {
    const a = deterministicEventId('CustomerImportRequested', 'imp_01', 7);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deterministicEventId('CustomerImportRequested', 'imp_01', 7)).toBe(a);
    expect(deterministicEventId('CustomerImportRequested', 'imp_01', 8)).not.toBe(a);
    const ev = newEvent(
      CustomerImportRequested,
      { accountId: 'acme', correlationId: 'job-imp_01', eventId: a },
      CustomerImportRequested.example.payload,
    );
    expect(ev.eventId).toBe(a);
  });

  it('a v2 chunk names only known fields and keeps values within their limits', () => {
    const ok = clone(CustomerImportRequested.example);
    expect(() => decodeEvent(JSON.stringify(ok), 'CustomerImportRequested')).not.toThrow();
    const badField = clone(ok) as unknown as { payload: { fields: string[] } };
    badField.payload.fields.push('favouriteColour');
    expect(() => decodeEvent(JSON.stringify(badField), 'CustomerImportRequested')).toThrow(/fields/);
    const tooLong = clone(ok);
    tooLong.payload.rows[0]!.values.email = `${'x'.repeat(190)}@example.com`;
    expect(() => decodeEvent(JSON.stringify(tooLong), 'CustomerImportRequested')).toThrow(
      /values\/email must NOT have more than 190 characters/,
    );
    const badConsent = clone(ok) as unknown as {
      payload: { rows: Array<{ values: Record<string, unknown> }> };
    };
    badConsent.payload.rows[0]!.values.emailConsent = 'yes';
    expect(() => decodeEvent(JSON.stringify(badConsent), 'CustomerImportRequested')).toThrow(/emailConsent/);
  });

  it('v1 import events still decode (legacy) beside v2 on the same topic', () => {
    expect(
      decodeEvent(JSON.stringify(CustomerImportRequestedLegacyV1.example), 'CustomerImportRequested'),
    ).toEqual(CustomerImportRequestedLegacyV1.example);
    expect(CustomerImportRequested.eventVersion).toBe(2);
    expect(CustomerImportRequested.topic).toBe(CustomerImportRequestedLegacyV1.topic);
    expect(CustomerImportRowResult.eventVersion).toBe(2);
  });

  it('every customer field has a limit and a schema', () => {
    expect(CUSTOMER_IMPORT_FIELDS).toEqual(
      expect.arrayContaining(['email', 'shippingAddress.postalCode', 'tags']),
    );
    expect(CUSTOMER_IMPORT_FIELDS).toHaveLength(7 + 30 + 4);
  });
});
