import { MappingProblem, checkMapping, normalizeHeader, resolveMapping } from '../../src/domain/columns';

const fieldsOf = (m: ReturnType<typeof resolveMapping>) =>
  Object.fromEntries(m.columns.map((c) => [c.header, c.fields]));

describe('header matching (SPEC §4, R3.2)', () => {
  it('ignores case, spaces, punctuation, accents and parenthesized hints', () => {
    expect(normalizeHeader(' E-mail ')).toBe('email');
    expect(normalizeHeader('Email *')).toBe('email');
    expect(normalizeHeader('Birthday (yyyy-mm-dd)')).toBe('birthday');
    expect(normalizeHeader('Prénom')).toBe('prenom');
    expect(normalizeHeader('Ship To - Name')).toBe('shiptoname');
  });

  it('maps the usual customer headers and aliases, the template headers included', () => {
    const m = resolveMapping('customers', [
      'FIRST NAME',
      'last_name',
      'E-mail',
      'Mobile',
      'Shipping Address Street 1',
      'Zip',
      'Country',
      'Billing City',
      'Postal Address Postal Code',
      'Tags',
      'Email Consent',
      'Customer ID',
      'Colour',
    ]);
    expect(fieldsOf(m)).toEqual({
      'FIRST NAME': ['firstName'],
      last_name: ['lastName'],
      'E-mail': ['email'],
      Mobile: ['phone'],
      'Shipping Address Street 1': ['shippingAddress.street1'],
      Zip: ['shippingAddress.postalCode'],
      Country: ['shippingAddress.country'],
      'Billing City': ['billingAddress.city'],
      'Postal Address Postal Code': ['postalAddress.postalCode'],
      Tags: ['tags'],
      'Email Consent': ['emailConsent'],
      'Customer ID': ['customerId'],
    });
    expect(m.ignored).toEqual([
      { index: 12, header: 'Colour', reason: expect.stringMatching(/not a known column/) },
    ]);
    expect(m.profile).toBe('generic');
  });

  it("recognizes PrestaShop's customer import and never maps its Customer ID or password", () => {
    const header =
      'Customer ID;Active (0/1);Titles ID (Mr = 1, Ms = 2, else 0);Email *;Password *;Birthday (yyyy-mm-dd);Last Name *;First Name *;Newsletter (0/1);Opt-in (0/1);Groups (x,y,z...);Default group ID'.split(
        ';',
      );
    const m = resolveMapping('customers', header);
    expect(m.profile).toBe('prestashop-customers');
    expect(fieldsOf(m)).toEqual({
      'Email *': ['email'],
      'Birthday (yyyy-mm-dd)': ['birthDate'],
      'Last Name *': ['lastName'],
      'First Name *': ['firstName'],
      'Newsletter (0/1)': ['emailConsent'],
      'Groups (x,y,z...)': ['tags'],
    });
    expect(m.ignored.map((c) => c.header)).toEqual(expect.arrayContaining(['Customer ID', 'Password *']));
  });

  it("issue #16: a notes column maps to notes under its usual names (Shopify's Note, PrestaShop's note / Private note), with PrestaShop's profile too", () => {
    for (const header of ['Notes', 'Note', 'note', 'Private note', 'Customer Notes', 'Comments'])
      expect(fieldsOf(resolveMapping('customers', ['Email', header]))[header]).toEqual(['notes']);
    const presta = resolveMapping('customers', [
      'Customer ID',
      'Titles ID (Mr = 1, Ms = 2, else 0)',
      'Email *',
      'Password *',
      'Last Name *',
      'note',
    ]);
    expect(presta.profile).toBe('prestashop-customers');
    expect(fieldsOf(presta).note).toEqual(['notes']);
  });

  it("recognizes Shopify's customer export: Default Address is the shipping address", () => {
    const m = resolveMapping('customers', [
      'First Name',
      'Last Name',
      'Email',
      'Accepts Email Marketing',
      'Default Address Company',
      'Default Address Address1',
      'Default Address Address2',
      'Default Address City',
      'Default Address Province Code',
      'Default Address Country Code',
      'Default Address Zip',
      'Default Address Phone',
      'Phone',
      'Accepts SMS Marketing',
      'Tags',
      'Note',
      'Tax Exempt',
    ]);
    expect(m.profile).toBe('shopify-customers');
    expect(fieldsOf(m)).toMatchObject({
      'Default Address Company': ['company', 'shippingAddress.company'],
      'Default Address Address1': ['shippingAddress.street1'],
      'Default Address Province Code': ['shippingAddress.state'],
      'Default Address Country Code': ['shippingAddress.country'],
      'Default Address Phone': ['shippingAddress.phone'],
      Phone: ['phone'],
      'Accepts SMS Marketing': ['smsConsent'],
      Note: ['notes'],
    });
    expect(m.ignored.map((c) => c.header)).toEqual(['Tax Exempt']);
  });

  it('an explicit mapping wins, may feed several fields from one column, and ignores with null', () => {
    const m = resolveMapping('orders', ['Ref', 'Mail', 'Email'], {
      Ref: 'orderNumber',
      mail: ['buyer.email', 'buyer.username'],
      Email: null,
    });
    expect(fieldsOf(m)).toEqual({ Ref: ['orderNumber'], Mail: ['buyer.email', 'buyer.username'] });
    expect(m.ignored).toEqual([{ index: 2, header: 'Email', reason: 'ignored by the mapping' }]);
  });

  it('refuses a mapping it cannot use, naming every problem', () => {
    expect(() => resolveMapping('customers', ['A', 'B'], { A: 'colour', C: 'email', B: 'email' })).toThrow(
      MappingProblem,
    );
    try {
      resolveMapping('customers', ['A', 'B'], { A: 'email', C: 'email', B: 'email' });
    } catch (err) {
      expect((err as MappingProblem).problems).toEqual([
        expect.stringMatching(/mapping names column "C", which the file does not have/),
        expect.stringMatching(/both "A" and "B" on email/),
      ]);
    }
  });

  it('a second column that looks like a taken field is ignored with a reason', () => {
    const m = resolveMapping('customers', ['Email', 'E-mail address', 'Mail']);
    expect(fieldsOf(m)).toEqual({ Email: ['email'] });
    expect(m.ignored[0]!.reason).toMatch(/also looks like email, which "Email" already feeds/);
  });

  it('reads Shippo batches: recipient_* is the buyer, sender_* is never read (R3.2)', () => {
    const header =
      'shipment_id,sender_name,sender_street1,sender_city,sender_state,sender_zip,sender_country,sender_email,sender_phone,recipient_name,recipient_street1,recipient_city,recipient_state,recipient_zip,recipient_country,package_length,package_width,package_height,package_weight,weight_unit,distance_unit,recipient_email,package_description,declared_value'.split(
        ',',
      );
    const m = checkMapping('orders', resolveMapping('orders', header), header);
    expect(fieldsOf(m)).toEqual({
      shipment_id: ['orderNumber'],
      recipient_name: ['shipTo.name'],
      recipient_street1: ['shipTo.street1'],
      recipient_city: ['shipTo.city'],
      recipient_state: ['shipTo.state'],
      recipient_zip: ['shipTo.postalCode'],
      recipient_country: ['shipTo.country'],
      recipient_email: ['buyer.email'],
      declared_value: ['total'],
    });
    expect(m.ignored.filter((c) => c.header.startsWith('sender_')).map((c) => c.reason)).toEqual(
      Array(8).fill("the sender is the merchant's own address, never a customer"),
    );
    expect(m.warnings).toEqual([expect.stringMatching(/no column is mapped to the buyer username.*R3\.2/)]);
  });

  it('a file with no customer column, or orders without an order number, cannot be imported', () => {
    expect(() =>
      checkMapping('customers', resolveMapping('customers', ['foo', 'bar']), ['foo', 'bar']),
    ).toThrow(/no column of this file is a customer field/);
    expect(() => checkMapping('orders', resolveMapping('orders', ['Email']), ['Email'])).toThrow(
      /order number/,
    );
  });
});
