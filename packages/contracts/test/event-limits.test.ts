import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CarrierAccountChanged } from '../src/events/carrier-account-changed';
import { OrderImportRequested } from '../src/events/order-import-requested';
import { CARRIER_LIMITS, TEXT_LIMITS } from '../src/limits';
import { newEvent } from '../src/new-event';
import { decodeEvent } from '../src/registry';

const ctx = { accountId: 'acme', correlationId: 'c1' };
const eventsDir = resolve(__dirname, '..', 'src', 'events');

// "What is accepted is stored": the lengths and code patterns events carry are the limits of
// limits.ts, defined once; a literal in a contract drifts when the limit changes (OrderImportRequested
// took a storeId of 80 characters where a store id is at most TEXT_LIMITS.storeId).
describe('event contracts take their limits from limits.ts', () => {
  it('no packages/contracts/src/events/*.ts writes a literal maxLength or a literal-length pattern', () => {
    const literal = /maxLength\s*:\s*[0-9]|pattern\s*:\s*['"`][^'"`]*\{\d+,\d+\}/;
    const files = readdirSync(eventsDir).filter((f) => f.endsWith('.ts'));
    const offenders = files.flatMap((f) =>
      readFileSync(join(eventsDir, f), 'utf8')
        .split('\n')
        .flatMap((line, i) => (literal.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(files.length).toBeGreaterThan(10);
    expect(offenders).toEqual([]);
  });

  it('OrderImportRequested: a producer publishes a storeId of at most TEXT_LIMITS.storeId (newEvent names the field); a longer one an older producer published still decodes (ADR 0029), up to the 80 it allowed', () => {
    const payload = (storeId: string) => ({ ...OrderImportRequested.example.payload, storeId });
    expect(
      newEvent(OrderImportRequested, ctx, payload('s'.repeat(TEXT_LIMITS.storeId))).payload.storeId,
    ).toBe('s'.repeat(TEXT_LIMITS.storeId));
    expect(() => newEvent(OrderImportRequested, ctx, payload('s'.repeat(TEXT_LIMITS.storeId + 1)))).toThrow(
      new RegExp(`/payload/storeId must NOT have more than ${TEXT_LIMITS.storeId} characters`),
    );
    const published = (storeId: string) =>
      JSON.stringify({ ...OrderImportRequested.example, payload: payload(storeId) });
    const older = decodeEvent(published('s'.repeat(80)), 'OrderImportRequested') as {
      payload: { storeId: string };
    };
    expect(older.payload.storeId).toHaveLength(80);
    expect(() => decodeEvent(published('s'.repeat(81)), 'OrderImportRequested')).toThrow(/storeId/);
  });

  it('CarrierAccountChanged: a carrier or service code is CARRIER_LIMITS.codePattern, lower case, at most codeMax characters', () => {
    const event = (carrierCode: string) => ({
      ...CarrierAccountChanged.example.payload,
      carrierCode,
      services: [carrierCode],
    });
    const longest = `u${'p'.repeat(CARRIER_LIMITS.codeMax - 1)}`;
    expect(newEvent(CarrierAccountChanged, ctx, event(longest)).payload.carrierCode).toBe(longest);
    for (const bad of [`${longest}s`, 'UPS', '_ups', ''])
      expect(() => newEvent(CarrierAccountChanged, ctx, event(bad))).toThrow(/carrierCode/);
    expect(new RegExp(CARRIER_LIMITS.codeInputPattern).test('UPS_Ground')).toBe(true);
    expect(new RegExp(CARRIER_LIMITS.codeInputPattern).test(`${longest}s`)).toBe(false);
  });
});
