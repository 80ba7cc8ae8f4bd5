import {
  clientStoreId,
  decideManualDelegation,
  delegationsFor,
  newestPerConnection,
  providerCopy,
  type AutomationRule,
  type ConnectionView,
  type Delegation,
} from '../../src/domain/delegation';
import {
  CLIENT_CARRIER_REFUSAL,
  chooseCarrierAccount,
  newestPerCarrierAccount,
  type CarrierAccountView,
} from '../../src/domain/shipping-service';

const at = new Date('2026-11-24T10:00:00.000Z');
const conn = (
  tpl: string,
  client: string | null,
  status: ConnectionView['status'],
  id = `con_${tpl}_${client}`,
): ConnectionView => ({
  connectionId: id,
  tplAccountId: tpl,
  clientAccountId: client,
  status,
  changedAt: at,
});
let ruleSeq = 0;
const rule = (fields: Partial<AutomationRule>): AutomationRule => ({
  id: `rul_${++ruleSeq}`,
  accountId: 'acme',
  name: 'r',
  storeId: null,
  tag: null,
  providerAccountId: 'shipfast',
  createdAt: at,
  createdBy: 'u',
  ...fields,
});
const order = (orderId: string, fields: { storeId?: string; tags?: string[]; accountId?: string } = {}) => ({
  orderId,
  accountId: fields.accountId ?? 'acme',
  storeId: fields.storeId ?? 'st_shop',
  tags: fields.tags ?? [],
});

describe('delegationsFor: "set fulfillment provider" on import (R5.4)', () => {
  const active = [conn('shipfast', 'acme', 'active'), conn('boxco', 'acme', 'active')];

  it('R5.4: all orders of store X go to 3PL Y; orders of other stores stay', () => {
    const rules = [rule({ storeId: 'st_shop' })];
    expect(delegationsFor([order('o1'), order('o2', { storeId: 'st_ebay' })], rules, active)).toEqual([
      {
        orderId: 'o1',
        outcome: 'delegate',
        providerAccountId: 'shipfast',
        connectionId: 'con_shipfast_acme',
        ruleId: rules[0]!.id,
      },
      { orderId: 'o2', outcome: 'no_rule' },
    ]);
  });

  it('R5.4: orders with a tag (any case) go to the rule’s 3PL', () => {
    const rules = [rule({ tag: 'Fragile', providerAccountId: 'boxco' })];
    const d = delegationsFor(
      [order('o1', { tags: ['gift', 'FRAGILE'] }), order('o2', { tags: ['gift'] })],
      rules,
      active,
    );
    expect(
      d.map((x) => [x.orderId, x.outcome, 'providerAccountId' in x ? x.providerAccountId : null]),
    ).toEqual([
      ['o1', 'delegate', 'boxco'],
      ['o2', 'no_rule', null],
    ]);
  });

  it('R5.4: store and tag together must both match; a rule without either takes every order', () => {
    const both = rule({ storeId: 'st_shop', tag: 'b2b' });
    const all = rule({ providerAccountId: 'boxco' });
    const d = delegationsFor(
      [order('o1', { tags: ['b2b'] }), order('o2', { storeId: 'st_x', tags: ['b2b'] })],
      [both, all],
      active,
    );
    expect(d.map((x) => [x.orderId, 'ruleId' in x ? x.ruleId : null])).toEqual([
      ['o1', both.id],
      ['o2', all.id],
    ]);
  });

  it('R5.4: the first matching rule decides, in the order the rules were made', () => {
    const first = rule({ tag: 'x', providerAccountId: 'boxco' });
    const second = rule({ providerAccountId: 'shipfast' });
    expect(delegationsFor([order('o1', { tags: ['x'] })], [first, second], active)[0]).toMatchObject({
      providerAccountId: 'boxco',
    });
  });

  it('R5.2/R5.4: a 3PL that is disconnected or still pending gets nothing, and no later rule takes over', () => {
    const r1 = rule({ providerAccountId: 'gone' });
    const r2 = rule({ providerAccountId: 'shipfast' });
    const connections = [...active, conn('gone', 'acme', 'disconnected'), conn('later', null, 'pending')];
    expect(delegationsFor([order('o1')], [r1, r2], connections)).toEqual([
      { orderId: 'o1', outcome: 'not_connected', providerAccountId: 'gone', ruleId: r1.id },
    ]);
  });

  it("tenancy: another account's rules and connections never apply", () => {
    const theirs = rule({ accountId: 'globex' });
    const theirConnection = [conn('shipfast', 'globex', 'active')];
    expect(delegationsFor([order('o1')], [theirs], theirConnection)).toEqual([
      { orderId: 'o1', outcome: 'no_rule' },
    ]);
    const mine = rule({});
    expect(delegationsFor([order('o1')], [mine], theirConnection)[0]!.outcome).toBe('not_connected');
  });
});

describe('decideManualDelegation (R5.4, by hand)', () => {
  const base = {
    clientAccountId: 'acme',
    providerAccountId: 'shipfast',
    existing: null,
    isProviderCopy: false,
  };
  const delegation: Delegation = {
    orderId: 'o1',
    clientAccountId: 'acme',
    providerAccountId: 'shipfast',
    connectionId: 'c1',
    providerOrderId: 'o9',
    delegatedBy: 'user',
    ruleId: null,
    delegatedAt: at,
  };

  it('R5.4: an active connection lets the order go to the 3PL', () => {
    const c = conn('shipfast', 'acme', 'active');
    expect(decideManualDelegation({ ...base, connections: [c] })).toEqual({
      outcome: 'delegate',
      connection: c,
    });
  });

  it.each([
    ['pending', /is pending/],
    ['disconnected', /is disconnected/],
    ['declined', /is declined/],
  ] as const)('R5.4: a %s connection is refused (409)', (status, message) => {
    const r = decideManualDelegation({ ...base, connections: [conn('shipfast', 'acme', status)] });
    expect(r).toMatchObject({
      outcome: 'refused',
      refusal: { code: 'CONNECTION_NOT_ACTIVE', status: 409, message },
    });
  });

  it('R5.4: no connection at all is refused (409)', () => {
    const r = decideManualDelegation({ ...base, connections: [] });
    expect(r).toMatchObject({
      outcome: 'refused',
      refusal: { code: 'CONNECTION_NOT_ACTIVE', status: 409, message: /no active connection/ },
    });
  });

  it('the same delegation again changes nothing; another 3PL is refused', () => {
    const c = [conn('shipfast', 'acme', 'active'), conn('boxco', 'acme', 'active')];
    expect(decideManualDelegation({ ...base, existing: delegation, connections: c })).toEqual({
      outcome: 'unchanged',
      delegation,
    });
    expect(
      decideManualDelegation({ ...base, providerAccountId: 'boxco', existing: delegation, connections: c }),
    ).toMatchObject({
      outcome: 'refused',
      refusal: { code: 'ALREADY_DELEGATED', status: 409 },
    });
  });

  it("a 3PL's copy of a client's order is not delegated onwards", () => {
    expect(
      decideManualDelegation({
        ...base,
        isProviderCopy: true,
        connections: [conn('shipfast', 'acme', 'active')],
      }),
    ).toMatchObject({
      outcome: 'refused',
      refusal: { code: 'ALREADY_DELEGATED' },
    });
  });
});

describe('chooseCarrierAccount (R5.5)', () => {
  const acct = (
    accountId: string,
    carrierCode: string,
    services: string[],
    extra: Partial<CarrierAccountView> = {},
  ): CarrierAccountView => ({
    carrierAccountId: `car_${accountId}_${carrierCode}`,
    accountId,
    carrierCode,
    services,
    sharedWithProviders: true,
    status: 'active',
    version: 1,
    ...extra,
  });
  const tplOwn = [acct('shipfast', 'fedex', ['fedex_ground'])];
  const client = [
    acct('acme', 'ups', ['ups_ground']),
    acct('acme', 'usps', ['usps_priority_mail'], { sharedWithProviders: false }),
  ];
  const delegated = { clientAccounts: client, connectionActive: true };

  it("R5.5: the 3PL's own carrier accounts are always allowed", () => {
    expect(
      chooseCarrierAccount({
        choice: { carrierCode: 'fedex', serviceCode: 'fedex_ground' },
        own: tplOwn,
        delegatedFrom: delegated,
      }),
    ).toEqual({
      ok: true,
      carrierAccountId: 'car_shipfast_fedex',
      owner: 'own',
    });
    expect(
      chooseCarrierAccount({
        choice: { carrierCode: 'fedex', serviceCode: 'fedex_ground' },
        own: tplOwn,
        delegatedFrom: { clientAccounts: [], connectionActive: false },
      }),
    ).toMatchObject({ ok: true, owner: 'own' });
  });

  it("R5.5: a service of the client's carrier account may be used for its delegated order", () => {
    expect(
      chooseCarrierAccount({
        choice: { carrierCode: 'ups', serviceCode: 'ups_ground' },
        own: tplOwn,
        delegatedFrom: delegated,
      }),
    ).toEqual({
      ok: true,
      carrierAccountId: 'car_acme_ups',
      owner: 'client',
    });
  });

  it('R5.5: a service no carrier account of the client supports fails with the exact sentence', () => {
    for (const choice of [
      { carrierCode: 'ups', serviceCode: 'ups_next_day_air' },
      { carrierCode: 'dhl', serviceCode: 'ups_ground' },
      // The client did not share this one with its 3PLs.
      { carrierCode: 'usps', serviceCode: 'usps_priority_mail' },
    ]) {
      expect(chooseCarrierAccount({ choice, own: tplOwn, delegatedFrom: delegated })).toEqual({
        ok: false,
        code: 'SHIPPING_SERVICE_INVALID',
        status: 422,
        message:
          'The shipping service is invalid because the client does not have a carrier account that supports it',
      });
    }
    expect(CLIENT_CARRIER_REFUSAL).toBe(
      'The shipping service is invalid because the client does not have a carrier account that supports it',
    );
  });

  it("R5.2/R5.5: once disconnected, the client's carrier accounts no longer count", () => {
    const r = chooseCarrierAccount({
      choice: { carrierCode: 'ups', serviceCode: 'ups_ground' },
      own: tplOwn,
      delegatedFrom: { clientAccounts: client, connectionActive: false },
    });
    expect(r).toMatchObject({ ok: false, code: 'CONNECTION_NOT_ACTIVE', status: 422 });
  });

  it("an account's own order needs one of its own carrier accounts; a removed one does not count", () => {
    const removed = [acct('acme', 'ups', ['ups_ground'], { status: 'removed' })];
    expect(
      chooseCarrierAccount({
        choice: { carrierCode: 'ups', serviceCode: 'ups_ground' },
        own: removed,
        delegatedFrom: null,
      }),
    ).toMatchObject({
      ok: false,
      code: 'SHIPPING_SERVICE_INVALID',
      message: /none of your carrier accounts/,
    });
  });
});

describe('local views keep the newest state', () => {
  it('a connection event older than the stored one is dropped; the newest of a batch wins', () => {
    const t = (ms: number) => new Date(at.getTime() + ms);
    const stored = new Map([['c1', { changedAt: t(1000) }]]);
    const changes = [
      { ...conn('s', 'a', 'active', 'c1'), changedAt: t(500) },
      { ...conn('s', 'a', 'pending', 'c2'), changedAt: t(0) },
      { ...conn('s', 'a', 'active', 'c2'), changedAt: t(10) },
    ];
    expect(newestPerConnection(changes, stored)).toEqual([changes[2]]);
  });

  it('a carrier account keeps its highest version', () => {
    const v = (version: number, services: string[]) =>
      ({
        carrierAccountId: 'car_1',
        accountId: 'a',
        carrierCode: 'ups',
        services,
        sharedWithProviders: true,
        status: 'active',
        version,
      }) as const;
    expect(newestPerCarrierAccount([v(3, ['b']), v(2, ['a'])], new Map([['car_1', { version: 1 }]]))).toEqual(
      [v(3, ['b'])],
    );
    expect(newestPerCarrierAccount([v(2, ['a'])], new Map([['car_1', { version: 2 }]]))).toEqual([]);
  });
});

it("R5.4: the 3PL's copy is awaiting_shipment in the 3PL's account, under the client's store, with all its notes", () => {
  const original = {
    id: 'ord_1',
    accountId: 'acme',
    storeId: 'st_shop',
    storeOrderId: '1001',
    orderStatus: 'awaiting_payment',
    notes: ['Leave at the door', 'VIP: gift wrap'],
    revision: 4,
    createdAt: at,
    updatedAt: at,
  };
  const later = new Date(at.getTime() + 5000);
  expect(
    providerCopy(original, { providerOrderId: 'ord_9', providerAccountId: 'shipfast', delegatedAt: later }),
  ).toEqual({
    id: 'ord_9',
    accountId: 'shipfast',
    storeId: clientStoreId('acme'),
    storeOrderId: 'ord_1',
    orderStatus: 'awaiting_shipment',
    notes: ['Leave at the door', 'VIP: gift wrap'],
    revision: 1,
    createdAt: later,
    updatedAt: later,
  });
});
