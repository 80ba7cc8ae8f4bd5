import { foreignConnectionChange } from '../../src/domain/delegation';
import { foreignCarrierAccountChange } from '../../src/domain/shipping-service';

describe('events naming records of another account (ADR 0006)', () => {
  const change = { connectionId: 'con_1', tplAccountId: 'shipfast', clientAccountId: 'acme' };

  it("a connection's changes come from its 3PL's account only", () => {
    expect(foreignConnectionChange('shipfast', change, undefined)).toBeNull();
    expect(foreignConnectionChange('acme', change, undefined)).toMatch(/account acme .* 3PL shipfast/);
  });

  it('the parties of a known connection never change; a pending one learns its client', () => {
    const pending = { tplAccountId: 'shipfast', clientAccountId: null };
    const active = { tplAccountId: 'shipfast', clientAccountId: 'acme' };
    expect(foreignConnectionChange('shipfast', change, pending)).toBeNull();
    expect(foreignConnectionChange('shipfast', change, active)).toBeNull();
    expect(foreignConnectionChange('shipfast', { ...change, clientAccountId: null }, active)).toBeNull();
    expect(foreignConnectionChange('shipfast', { ...change, clientAccountId: 'globex' }, active)).toMatch(
      /has the client acme/,
    );
    expect(foreignConnectionChange('boxco', { ...change, tplAccountId: 'boxco' }, active)).toMatch(
      /belongs to the 3PL shipfast/,
    );
  });

  it('a carrier account stays with the account that registered it', () => {
    const c = { carrierAccountId: 'car_1', accountId: 'acme' };
    expect(foreignCarrierAccountChange(c, undefined)).toBeNull();
    expect(foreignCarrierAccountChange(c, { accountId: 'acme' })).toBeNull();
    expect(foreignCarrierAccountChange({ ...c, accountId: 'globex' }, { accountId: 'acme' })).toMatch(
      /belongs to account acme, not globex/,
    );
  });
});
