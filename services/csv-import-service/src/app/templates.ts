import { ADDRESS_PARTS, ADDRESS_TYPES } from '@crp/contracts/customer-import-fields';

/**
 * The documented CSV formats (SPEC §4, R3.2) as downloadable templates: a header whose every
 * column is recognized, and example rows. UTF-8 with a BOM and CRLF, so Excel opens it as UTF-8.
 */
const partLabel: Record<(typeof ADDRESS_PARTS)[number], string> = {
  name: 'Name',
  company: 'Company',
  street1: 'Street 1',
  street2: 'Street 2',
  street3: 'Street 3',
  city: 'City',
  state: 'State',
  postalCode: 'Postal Code',
  country: 'Country',
  phone: 'Phone',
};
const typeLabel = {
  shippingAddress: 'Shipping Address',
  billingAddress: 'Billing Address',
  postalAddress: 'Postal Address',
};

export const CUSTOMER_TEMPLATE_HEADER = [
  'Customer ID',
  'Username',
  'First Name',
  'Last Name',
  'Full Name',
  'Company',
  'Email',
  'Phone',
  'Birth Date',
  ...ADDRESS_TYPES.flatMap((t) => ADDRESS_PARTS.map((p) => `${typeLabel[t]} ${partLabel[p]}`)),
  'Tags',
  'Notes',
  'Email Consent',
  'SMS Consent',
];

const customerExamples: Array<Record<string, string>> = [
  {
    'First Name': 'Ada',
    'Last Name': 'Lovelace',
    Email: 'ada@example.com',
    Phone: '+44 20 7946 0018',
    'Birth Date': '1815-12-10',
    'Shipping Address Street 1': "12 St James's Square",
    'Shipping Address City': 'London',
    'Shipping Address Postal Code': 'SW1Y 4JH',
    'Shipping Address Country': 'GB',
    Tags: 'vip, newsletter',
    Notes: 'Prefers morning deliveries',
    'Email Consent': 'yes',
    'SMS Consent': 'no',
  },
  {
    'Customer ID': 'cus_0123456789abcdef',
    'First Name': 'Grace',
    'Last Name': 'Hopper',
    Company: 'Navy Computing',
    Email: 'grace@example.com',
    'Billing Address Street 1': '1 Compiler Way',
    'Billing Address City': 'Arlington',
    'Billing Address State': 'VA',
    'Billing Address Postal Code': '22202',
    'Billing Address Country': 'US',
    'Email Consent': 'unsubscribed',
  },
];

export const ORDER_TEMPLATE_HEADER = [
  'Order Number',
  'Order Key',
  'Order Date',
  'Order Status',
  'Order Total',
  'Currency',
  'Customer Username',
  'Customer Email',
  'Customer Phone',
  'Customer Name',
  'Customer Company',
  ...ADDRESS_PARTS.map((p) => `Ship To ${partLabel[p]}`),
  ...ADDRESS_PARTS.map((p) => `Bill To ${partLabel[p]}`),
  'SKU',
  'Item Name',
  'Quantity',
  'Unit Price',
  'Notes',
];

const orderExamples: Array<Record<string, string>> = [
  {
    'Order Number': '1001',
    'Order Date': '2026-11-20T10:00:00Z',
    'Order Status': 'awaiting_shipment',
    'Order Total': '99.98',
    Currency: 'USD',
    'Customer Username': 'ada@example.com',
    'Customer Email': 'ada@example.com',
    'Ship To Name': 'Ada Lovelace',
    'Ship To Street 1': "12 St James's Square",
    'Ship To City': 'London',
    'Ship To Postal Code': 'SW1Y 4JH',
    'Ship To Country': 'GB',
    SKU: 'ELE-1234',
    'Item Name': 'Difference engine',
    Quantity: '2',
    'Unit Price': '49.99',
  },
];

function csvLine(cells: string[]): string {
  return cells.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',');
}

function template(header: string[], examples: Array<Record<string, string>>): string {
  const lines = [csvLine(header), ...examples.map((e) => csvLine(header.map((h) => e[h] ?? '')))];
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

export const customerTemplate = () => template(CUSTOMER_TEMPLATE_HEADER, customerExamples);
export const orderTemplate = () => template(ORDER_TEMPLATE_HEADER, orderExamples);
