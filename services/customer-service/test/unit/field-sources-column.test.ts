import { ADDRESS_FIELDS, PROFILE_FIELDS, type CustomerState } from '../../src/domain/customer';
import {
  decodeFieldSources,
  encodeFieldSources,
  fieldSourcesColumn,
} from '../../src/infra/db/field-sources-column';

type FieldSources = CustomerState['fieldSources'];

const shop = {
  source: 'store',
  storeId: 'st_shopify_1',
  storeName: 'Acme Shopify',
  at: '2026-11-02T10:00:00.000Z',
} as const;
const ebay = {
  source: 'store',
  storeId: 'st_ebay_1',
  storeName: 'Acme eBay',
  at: '2026-11-05T10:00:00.000Z',
} as const;
const manual = { source: 'manual', storeId: null, storeName: null, at: '2026-11-06T09:00:00.000Z' } as const;

/** What simple-json does around the transformer: stringify on the way in, parse on the way out. */
const throughColumn = (v: FieldSources): FieldSources =>
  fieldSourcesColumn.from(JSON.parse(JSON.stringify(fieldSourcesColumn.to(v)))) as FieldSources;

describe('customers.field_sources stored compact (ADR 0026)', () => {
  it('each distinct stamp is stored once and every field names its stamp, in the record’s field order', () => {
    const sources: FieldSources = {
      firstName: { ...shop },
      lastName: { ...shop },
      email: { ...ebay },
      phone: { ...shop },
      postalAddress: { ...manual },
      shippingAddress: { ...ebay },
    };
    expect(encodeFieldSources(sources)).toEqual({
      stamps: [
        ['store', 'st_shopify_1', 'Acme Shopify', shop.at],
        ['store', 'st_ebay_1', 'Acme eBay', ebay.at],
        ['manual', null, null, manual.at],
      ],
      fields: { firstName: 0, lastName: 0, email: 1, phone: 0, postalAddress: 2, shippingAddress: 1 },
    });
  });

  it('round trip: the domain reads back exactly what it wrote (values and field order), each field its own object', () => {
    const sources: FieldSources = {
      name: { ...shop },
      email: { ...manual },
      phone: { ...shop },
      billingAddress: { source: 'csv', storeId: null, storeName: null, at: shop.at },
      company: { source: 'api', storeId: null, storeName: null, at: shop.at },
      birthDate: { source: 'mailchimp', storeId: null, storeName: null, at: manual.at },
    };
    const back = throughColumn(sources);
    expect(back).toEqual(sources);
    expect(Object.keys(back)).toEqual(Object.keys(sources));
    expect(back.name).not.toBe(back.phone);
    back.name!.at = 'changed';
    expect(back.phone!.at).toBe(shop.at);
  });

  it('fields sharing one stamp object (as one order writes them) take one stamp', () => {
    const stamp = { ...ebay };
    const sources: FieldSources = { name: stamp, email: stamp, phone: { ...ebay }, company: { ...shop } };
    expect(encodeFieldSources(sources)).toEqual({
      stamps: [
        ['store', 'st_ebay_1', 'Acme eBay', ebay.at],
        ['store', 'st_shopify_1', 'Acme Shopify', shop.at],
      ],
      fields: { name: 0, email: 0, phone: 0, company: 1 },
    });
  });

  it('stamps that differ only in store, store name or time stay apart', () => {
    const sources: FieldSources = {
      name: { ...shop },
      email: { ...shop, storeName: 'Acme Shopify (renamed)' },
      phone: { ...shop, at: '2026-11-02T10:00:00.001Z' },
      company: { ...shop, storeId: 'st_shopify_2' },
    };
    expect(encodeFieldSources(sources).stamps).toHaveLength(4);
    expect(throughColumn(sources)).toEqual(sources);
  });

  it('an empty map stays empty', () => {
    expect(encodeFieldSources({})).toEqual({ stamps: [], fields: {} });
    expect(throughColumn({})).toEqual({});
  });

  it('rows written before the compact form (the domain’s map itself) read as they are', () => {
    const old: FieldSources = { name: { ...shop }, email: { ...manual } };
    expect(fieldSourcesColumn.from(JSON.parse(JSON.stringify(old)))).toEqual(old);
    expect(decodeFieldSources({})).toEqual({});
    expect(decodeFieldSources(null)).toEqual({});
  });

  it('a record of ten fields written by one order takes a fraction of the old size', () => {
    const fields = [...PROFILE_FIELDS, ...ADDRESS_FIELDS];
    const sources = Object.fromEntries(fields.map((f) => [f, { ...shop }])) as FieldSources;
    const compact = JSON.stringify(fieldSourcesColumn.to(sources)).length;
    const old = JSON.stringify(sources).length;
    expect(compact).toBeLessThan(old / 4);
  });

  it('a stored field that names a missing stamp is an error, not a silent loss of its lock', () => {
    expect(() => decodeFieldSources({ stamps: [], fields: { email: 0 } })).toThrow(/email/);
  });
});
