import {
  ADDRESS_PARTS,
  ADDRESS_TYPES,
  CUSTOMER_IMPORT_FIELDS,
  type AddressPart,
} from '@crp/contracts/customer-import-fields';
import type { ImportKind } from './import-job';

/**
 * Which CSV column feeds which field (SPEC §4, R3.2). Headers are matched by a normalized form:
 * accents, parenthesized hints and every character that is not a letter or digit are dropped and
 * case is ignored, so `E-mail`, `Email *`, `email_address ` and `Ship To - Name` all find their
 * field. Known exports (PrestaShop's sample customer and address imports, Shopify's customer
 * export) are recognized by their header set and mapped as their vendors mean them. An explicit
 * mapping in the request wins over all of it.
 */

export const CUSTOMER_TARGETS = ['customerId', 'username'] as const;
/** Every field a customer column can feed: the contract's fields plus the row's targets. */
export const CUSTOMER_COLUMN_FIELDS: readonly string[] = [...CUSTOMER_TARGETS, ...CUSTOMER_IMPORT_FIELDS];

const ORDER_SCALARS = [
  'orderNumber',
  'storeOrderId',
  'orderDate',
  'orderStatus',
  'total',
  'currency',
  'notes',
  'buyer.username',
  'buyer.email',
  'buyer.phone',
  'buyer.name',
  'buyer.company',
  'item.sku',
  'item.name',
  'item.quantity',
  'item.unitPrice',
] as const;
export const ORDER_COLUMN_FIELDS: readonly string[] = [
  ...ORDER_SCALARS,
  ...(['shipTo', 'billTo'] as const).flatMap((t) => ADDRESS_PARTS.map((p) => `${t}.${p}`)),
];

export const columnFields = (kind: ImportKind) =>
  kind === 'customers' ? CUSTOMER_COLUMN_FIELDS : ORDER_COLUMN_FIELDS;

/** `E-mail *` → `email`; `Birthday (yyyy-mm-dd)` → `birthday`; `Ship To - Name` → `shiptoname`. */
export function normalizeHeader(header: string): string {
  return header
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\([^)]*\)/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

const PART_ALIASES: Record<AddressPart, string[]> = {
  name: ['name', 'fullname', 'contactname'],
  company: ['company', 'companyname'],
  street1: ['street1', 'street', 'address1', 'address', 'addressline1', 'line1'],
  street2: ['street2', 'address2', 'addressline2', 'line2'],
  street3: ['street3', 'address3', 'addressline3', 'line3'],
  city: ['city', 'town'],
  state: ['state', 'province', 'provincecode', 'region', 'statecode', 'county'],
  postalCode: ['postalcode', 'zip', 'zipcode', 'postcode'],
  country: ['country', 'countrycode'],
  phone: ['phone', 'telephone', 'phonenumber'],
};
/** Parts an unprefixed column (`City`, `Zip`) means for the main address; names and phones are the person's. */
const UNPREFIXED_PARTS: AddressPart[] = [
  'street1',
  'street2',
  'street3',
  'city',
  'state',
  'postalCode',
  'country',
];

function addressAliases(field: string, prefixes: string[], unprefixed: boolean): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const part of ADDRESS_PARTS) {
    for (const alias of PART_ALIASES[part]) {
      for (const prefix of prefixes) out.push([`${prefix}${alias}`, `${field}.${part}`]);
      if (unprefixed && UNPREFIXED_PARTS.includes(part)) out.push([alias, `${field}.${part}`]);
    }
  }
  return out;
}

const CUSTOMER_ALIASES = new Map<string, string>([
  ...(
    [
      ['customerId', ['customerid', 'crpcustomerid', 'recordid']],
      ['username', ['username', 'customerusername', 'login']],
      ['name', ['name', 'fullname', 'customername', 'contactname']],
      ['firstName', ['firstname', 'first', 'givenname', 'forename', 'prenom', 'vorname', 'nombre']],
      ['lastName', ['lastname', 'last', 'surname', 'familyname', 'nom', 'nachname', 'apellido', 'apellidos']],
      [
        'company',
        ['company', 'companyname', 'organization', 'organisation', 'business', 'entreprise', 'firma'],
      ],
      ['email', ['email', 'emailaddress', 'mail', 'courriel', 'customeremail', 'correoelectronico']],
      [
        'phone',
        ['phone', 'phonenumber', 'telephone', 'tel', 'mobile', 'mobilephone', 'cellphone', 'telefon'],
      ],
      ['birthDate', ['birthdate', 'birthday', 'dateofbirth', 'dob']],
      ['tags', ['tags', 'tag', 'labels', 'groups']],
      // Shopify's customer export: `Note`; PrestaShop's customer record: `note` ("Private note").
      [
        'notes',
        ['notes', 'note', 'privatenote', 'customernote', 'customernotes', 'comment', 'comments', 'remarks'],
      ],
      [
        'emailConsent',
        [
          'emailconsent',
          'acceptsemailmarketing',
          'acceptsmarketing',
          'emailmarketing',
          'newsletter',
          'emailoptin',
        ],
      ],
      ['smsConsent', ['smsconsent', 'acceptssmsmarketing', 'smsmarketing', 'smsoptin']],
    ] as Array<[string, string[]]>
  ).flatMap(([field, aliases]) => aliases.map((a): [string, string] => [a, field])),
  ...addressAliases('shippingAddress', ['shipping', 'shipto', 'delivery', 'defaultaddress'], true),
  ...addressAliases('billingAddress', ['billing', 'billto', 'invoice'], false),
  ...addressAliases('postalAddress', ['postal', 'mailing'], false),
  // Template headers spell the fields out: `Shipping Address Street 1`.
  ...ADDRESS_TYPES.flatMap((t) =>
    ADDRESS_PARTS.map((p): [string, string] => [normalizeHeader(`${t} ${p}`), `${t}.${p}`]),
  ),
]);

const ORDER_ALIASES = new Map<string, string>([
  ...(
    [
      ['orderNumber', ['ordernumber', 'orderno', 'ordernum', 'order', 'orderid', 'shipmentid']],
      ['storeOrderId', ['orderkey', 'storeorderid', 'externalorderid']],
      [
        'orderDate',
        ['orderdate', 'date', 'dateorderdate', 'createdat', 'orderdatetime', 'orderedat', 'purchasedate'],
      ],
      ['orderStatus', ['orderstatus', 'status']],
      [
        'total',
        [
          'ordertotal',
          'total',
          'amountordertotal',
          'amountpaid',
          'grandtotal',
          'totalamount',
          'declaredvalue',
        ],
      ],
      ['currency', ['currency', 'currencycode']],
      ['notes', ['notes', 'note', 'customernotes', 'internalnotes', 'comments']],
      ['buyer.username', ['customerusername', 'buyerusername', 'username', 'marketplaceusername']],
      [
        'buyer.email',
        ['customeremail', 'buyeremail', 'email', 'emailaddress', 'recipientemail', 'shiptoemail'],
      ],
      ['buyer.phone', ['customerphone', 'buyerphone', 'phone']],
      ['buyer.name', ['customername', 'buyername', 'customerfullname']],
      ['buyer.company', ['customercompany', 'buyercompany']],
      ['item.sku', ['sku', 'itemsku', 'productsku']],
      ['item.name', ['itemname', 'productname', 'item', 'product', 'lineitemname']],
      ['item.quantity', ['quantity', 'qty', 'itemqty', 'itemquantity']],
      ['item.unitPrice', ['unitprice', 'itemprice', 'itemunitprice', 'price']],
    ] as Array<[string, string[]]>
  ).flatMap(([field, aliases]) => aliases.map((a): [string, string] => [a, field])),
  // `recipient_*` is the buyer's ship-to (Shippo); unprefixed address columns are the ship-to too.
  ...addressAliases('shipTo', ['shipto', 'shipping', 'recipient', 'delivery'], true),
  ...addressAliases('billTo', ['billto', 'billing'], false),
  ['name', 'shipTo.name'],
  ['company', 'shipTo.company'],
]);

type ProfileEntry = string | string[] | { ignore: string };
interface Profile {
  id: string;
  kind: ImportKind;
  matches: (normalized: Set<string>) => boolean;
  columns: Record<string, ProfileEntry>;
  /** Rows the export holds that are not customers: a filled (or blank) cell of a column says so. */
  rowRules?: Array<{ header: string; when: 'filled' | 'blank'; reason: string }>;
}

/** A profile's row rule, bound to a column of the file; `{cell}` in the reason is the cell's text. */
export interface RowRule {
  index: number;
  when: 'filled' | 'blank';
  reason: string;
}

const FOREIGN_ID = (system: string) => ({
  ignore: `${system}'s own customer id, not a customer id of this system (customers are matched by email)`,
});

/** Known exports, recognized by their headers and mapped as their vendors mean them. */
const PROFILES: Profile[] = [
  {
    id: 'prestashop-customers',
    kind: 'customers',
    matches: (h) => h.has('password') && (h.has('titlesid') || h.has('defaultgroupid')),
    columns: {
      customerid: FOREIGN_ID('PrestaShop'),
      active: { ignore: 'PrestaShop account state' },
      titlesid: { ignore: 'PrestaShop title id' },
      password: { ignore: 'passwords are never imported' },
      email: 'email',
      birthday: 'birthDate',
      lastname: 'lastName',
      firstname: 'firstName',
      newsletter: 'emailConsent',
      optin: { ignore: "PrestaShop's partner-offers opt-in is not a consent this system keeps" },
      groups: 'tags',
      defaultgroupid: { ignore: 'PrestaShop group id' },
    },
  },
  {
    id: 'prestashop-addresses',
    kind: 'customers',
    matches: (h) => h.has('alias') && h.has('customeremail') && (h.has('adressid') || h.has('addressid')),
    columns: {
      adressid: { ignore: 'PrestaShop address id' },
      addressid: { ignore: 'PrestaShop address id' },
      alias: { ignore: 'PrestaShop address alias' },
      active: { ignore: 'PrestaShop address state' },
      customeremail: 'email',
      customerid: FOREIGN_ID('PrestaShop'),
      manufacturer: { ignore: 'PrestaShop manufacturer address' },
      supplier: { ignore: 'PrestaShop supplier address' },
      company: 'shippingAddress.company',
      lastname: 'lastName',
      firstname: 'firstName',
      address1: 'shippingAddress.street1',
      address2: 'shippingAddress.street2',
      zipcode: 'shippingAddress.postalCode',
      city: 'shippingAddress.city',
      country: 'shippingAddress.country',
      state: 'shippingAddress.state',
      other: { ignore: 'free text about the address' },
      phone: 'shippingAddress.phone',
      mobilephone: 'phone',
      vatnumber: { ignore: 'tax number' },
      dni: { ignore: 'identity document number' },
    },
    rowRules: [
      {
        header: 'manufacturer',
        when: 'filled',
        reason: 'an address of manufacturer "{cell}", not of a customer',
      },
      { header: 'supplier', when: 'filled', reason: 'an address of supplier "{cell}", not of a customer' },
      {
        header: 'customeremail',
        when: 'blank',
        reason: "the address has no customer e-mail: it is not a customer's",
      },
    ],
  },
  {
    id: 'shopify-customers',
    kind: 'customers',
    matches: (h) => h.has('defaultaddressaddress1') || h.has('acceptsemailmarketing') || h.has('totalspent'),
    columns: {
      customerid: FOREIGN_ID('Shopify'),
      defaultaddresscompany: ['company', 'shippingAddress.company'],
      company: ['company', 'shippingAddress.company'],
      taxexempt: { ignore: 'tax setting' },
      totalspent: { ignore: 'computed from orders' },
      totalorders: { ignore: 'computed from orders' },
    },
  },
];

export interface MappedColumn {
  /** 0-based position in the row. */
  index: number;
  header: string;
  fields: string[];
}
export interface IgnoredColumn {
  index: number;
  header: string;
  reason: string;
}
export interface ColumnMapping {
  /** Which known export the headers look like (`prestashop-customers`), or `generic`. */
  profile: string;
  columns: MappedColumn[];
  /** The profile's rules for rows that are not customers (optional: older jobs have none). */
  rowRules?: RowRule[];
  ignored: IgnoredColumn[];
  warnings: string[];
}

/** An explicit mapping as the request sends it: header → field, fields, or null (ignore). */
export type ExplicitMapping = Record<string, string | string[] | null>;

export class MappingProblem extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'MappingProblem';
  }
}

/**
 * Which column feeds which field. An explicit mapping wins; then a recognized export's profile;
 * then the aliases. A field claimed by two columns goes to the explicit one, else the first, and
 * the other column is ignored with a reason. Throws MappingProblem for a mapping that cannot be
 * used (unknown field, a header the file lacks, two columns explicitly on one field).
 */
export function resolveMapping(
  kind: ImportKind,
  headers: string[],
  explicit: ExplicitMapping = {},
): ColumnMapping {
  const known = new Set(columnFields(kind));
  const normalized = headers.map(normalizeHeader);
  const problems: string[] = [];

  const explicitByIndex = new Map<number, string[] | null>();
  for (const [key, target] of Object.entries(explicit)) {
    let at = headers.indexOf(key);
    if (at < 0) at = normalized.indexOf(normalizeHeader(key));
    if (at < 0) {
      problems.push(
        `mapping names column "${key}", which the file does not have (its columns: ${headers.join(', ')})`,
      );
      continue;
    }
    const fields = target === null ? null : Array.isArray(target) ? target : [target];
    for (const f of fields ?? []) {
      if (!known.has(f))
        problems.push(
          `mapping of "${key}": "${f}" is not a ${kind} field (fields: ${[...known].join(', ')})`,
        );
    }
    explicitByIndex.set(at, fields);
  }
  const claimedExplicitly = new Map<string, number>();
  for (const [index, fields] of explicitByIndex) {
    for (const f of fields ?? []) {
      const other = claimedExplicitly.get(f);
      if (other !== undefined)
        problems.push(`mapping puts both "${headers[other]}" and "${headers[index]}" on ${f}; choose one`);
      claimedExplicitly.set(f, index);
    }
  }
  if (problems.length) throw new MappingProblem(problems);

  const profile = PROFILES.find((p) => p.kind === kind && p.matches(new Set(normalized)));
  const aliases = kind === 'customers' ? CUSTOMER_ALIASES : ORDER_ALIASES;
  const columns: MappedColumn[] = [];
  const ignored: IgnoredColumn[] = [];
  const taken = new Map<string, string>(); // field → header that feeds it
  for (const [field, index] of claimedExplicitly) taken.set(field, headers[index]!);

  headers.forEach((header, index) => {
    const norm = normalized[index]!;
    if (explicitByIndex.has(index)) {
      const fields = explicitByIndex.get(index)!;
      if (fields === null || fields.length === 0)
        ignored.push({ index, header, reason: 'ignored by the mapping' });
      else columns.push({ index, header, fields });
      return;
    }
    if (!norm) {
      ignored.push({ index, header, reason: 'the column has no header' });
      return;
    }
    const entry: ProfileEntry | undefined = profile?.columns[norm];
    if (entry && typeof entry === 'object' && !Array.isArray(entry)) {
      ignored.push({ index, header, reason: entry.ignore });
      return;
    }
    let fields = entry
      ? Array.isArray(entry)
        ? entry
        : [entry]
      : aliases.has(norm)
        ? [aliases.get(norm)!]
        : [];
    if (fields.length === 0) {
      if (kind === 'orders' && /^(sender|shipfrom)/.test(norm)) {
        ignored.push({ index, header, reason: "the sender is the merchant's own address, never a customer" });
      } else ignored.push({ index, header, reason: 'not a known column (map it explicitly to import it)' });
      return;
    }
    const free = fields.filter((f) => !taken.has(f));
    for (const f of fields.filter((f) => taken.has(f))) {
      ignored.push({
        index,
        header,
        reason: `also looks like ${f}, which "${taken.get(f)}" already feeds (map it explicitly to use this one)`,
      });
    }
    fields = free;
    if (fields.length === 0) return;
    for (const f of fields) taken.set(f, header);
    columns.push({ index, header, fields });
  });
  // A column ignored for a clash is listed once, with its first reason.
  const seen = new Set<number>();
  const ignoredOnce = ignored.filter(
    (c) => !seen.has(c.index) && seen.add(c.index) && !columns.some((m) => m.index === c.index),
  );
  const rowRules = (profile?.rowRules ?? []).flatMap((r) => {
    const index = normalized.indexOf(r.header);
    return index < 0 ? [] : [{ index, when: r.when, reason: r.reason }];
  });
  return { profile: profile?.id ?? 'generic', columns, ignored: ignoredOnce, warnings: [], rowRules };
}

export const mappedFields = (m: ColumnMapping): Set<string> => new Set(m.columns.flatMap((c) => c.fields));

const CUSTOMER_KEY_FIELDS = [
  'email',
  'phone',
  'name',
  'firstName',
  'lastName',
  'company',
  'customerId',
  'username',
];

/**
 * Whether a mapping can import anything (a file none of whose headers is a field is not the CSV
 * this endpoint takes), and what the user should know before it runs (R3.2).
 */
export function checkMapping(kind: ImportKind, mapping: ColumnMapping, headers: string[]): ColumnMapping {
  const fields = mappedFields(mapping);
  const shown = headers
    .slice(0, 20)
    .map((h) => `"${h}"`)
    .join(', ');
  if (kind === 'customers' && !CUSTOMER_KEY_FIELDS.some((f) => fields.has(f))) {
    throw new MappingProblem([
      `no column of this file is a customer field (its header: ${shown}); expected headers like Email, First Name, Last Name, Phone — see GET /v1/imports/templates/customers.csv, or send a mapping`,
    ]);
  }
  if (kind === 'orders' && !fields.has('orderNumber')) {
    throw new MappingProblem([
      `no column of this file is the order number (its header: ${shown}); expected a header like Order Number, or send a mapping such as {"My column": "orderNumber"}`,
    ]);
  }
  const warnings = [...mapping.warnings];
  if (kind === 'orders' && !fields.has('buyer.username')) {
    warnings.push(
      'no column is mapped to the buyer username (buyer.username): the orders are imported without customer links (R3.2). Map the email column to both buyer.email and buyer.username to link by email.',
    );
  }
  return { ...mapping, warnings };
}

/** The reason a row is not a customer by its export's rules (a supplier's address), or null. */
export function rowRuleProblem(mapping: ColumnMapping, cells: string[]): string | null {
  for (const r of mapping.rowRules ?? []) {
    const cell = (cells[r.index] ?? '').trim();
    if ((r.when === 'filled') === (cell !== '')) return r.reason.replace('{cell}', cell);
  }
  return null;
}
