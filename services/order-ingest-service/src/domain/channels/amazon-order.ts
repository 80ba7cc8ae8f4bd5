import type { JsonObject, NormalizedOrder } from '../order';
import { canonicalOrderStatus } from '@crp/contracts/order-status';
import { OrderFormatError } from '../shipstation-order';
import { address, emailOf, instant, items, money, obj, pick, storeTags, str } from './mapping';

/**
 * An Amazon order as the Selling Partner API returns it, in either of the two shapes one store
 * may speak: Orders API v0 (`getOrders`, PascalCase: `AmazonOrderId`, `BuyerInfo`,
 * `ShippingAddress`, `OrderTotal`) — with the buyer info and address of `getOrderBuyerInfo` /
 * `getOrderAddress` merged in by the connector when getOrders left them out — and Orders API
 * 2026-01-01 (`searchOrders`, camelCase: `orderId`, `buyer`, `recipient.deliveryAddress`,
 * `proceeds.grandTotal`, `fulfillment.fulfillmentStatus`).
 */
export type AmazonOrder = JsonObject;

/** Said on an order that arrives without a buyer email: it links to no customer (R1.1, R2.8). */
export const NO_BUYER_EMAIL_NOTE =
  'Amazon sent no buyer email (the buyer key, R1.2): imported without a customer link, or with the account default customer (R1.1, R2.8)';

const V0_STATUS: Record<string, string> = {
  Pending: 'awaiting_payment',
  PendingAvailability: 'awaiting_payment',
  Unshipped: 'awaiting_shipment',
  PartiallyShipped: 'awaiting_shipment',
  Shipped: 'shipped',
  InvoiceUnconfirmed: 'shipped',
  Canceled: 'cancelled',
  Unfulfillable: 'cancelled',
};

const STATUS_2026: Record<string, string> = {
  PENDING_AVAILABILITY: 'awaiting_payment',
  PENDING: 'awaiting_payment',
  UNSHIPPED: 'awaiting_shipment',
  PARTIALLY_SHIPPED: 'awaiting_shipment',
  SHIPPED: 'shipped',
  CANCELLED: 'cancelled',
  UNFULFILLABLE: 'cancelled',
};

/** The buyer key (R1.2): Amazon's anonymised buyer email, compared lower-cased (R1.5). */
const buyerKey = (email: string | null) => email?.toLowerCase() ?? null;

function withoutBuyer(email: string | null): JsonObject {
  return email ? {} : { importNote: NO_BUYER_EMAIL_NOTE };
}

function mapV0(o: JsonObject, store: { name: string }): NormalizedOrder {
  const id = str(o.AmazonOrderId)!;
  const buyer = obj(o.BuyerInfo);
  const a = obj(o.ShippingAddress);
  // `ShippingAddress.Name` is whatever the buyer typed on the label ("Michigan address" in
  // Amazon's own sample): the ship-to's name, never the buyer's.
  const shipTo = a
    ? address({
        name: str(a.Name),
        company: a.CompanyName,
        street1: a.AddressLine1,
        street2: a.AddressLine2,
        city: a.City,
        state: a.StateOrRegion,
        postalCode: a.PostalCode,
        country: a.CountryCode,
        phone: a.Phone,
      })
    : null;
  const email = emailOf(buyer?.BuyerEmail);
  const orderTotal = obj(o.OrderTotal);
  const status = str(o.OrderStatus);
  return {
    storeOrderId: id,
    orderNumber: id,
    orderDate: instant(o.PurchaseDate, 'PurchaseDate'),
    // A status not mapped here is no order status: null (the channel's word stays in channelData).
    orderStatus: status ? (V0_STATUS[status] ?? canonicalOrderStatus(status) ?? null) : null,
    username: buyerKey(email),
    email,
    buyerName: str(buyer?.BuyerName),
    firstName: null,
    lastName: null,
    company: str(obj(buyer?.BuyerTaxInfo)?.CompanyLegalName) ?? str(o.BuyerCompanyName) ?? null,
    phone: null,
    birthDate: null,
    shipTo,
    billTo: null,
    // Pending orders carry no OrderTotal until the payment is authorised.
    total: money(orderTotal?.Amount) ?? 0,
    currency: str(orderTotal?.CurrencyCode),
    notes: [],
    items: items(o.OrderItems),
    tags: storeTags('amazon', store.name, []),
    marketingConsent: {},
    channelUpdatedAt: o.LastUpdateDate ? instant(o.LastUpdateDate, 'LastUpdateDate') : null,
    channelData: {
      apiVersion: 'v0',
      ...pick(o, [
        'OrderStatus',
        'FulfillmentChannel',
        'MarketplaceId',
        'OrderType',
        'IsBusinessOrder',
        'IsPrime',
      ]),
      ...withoutBuyer(email),
    },
  };
}

function map2026(o: JsonObject, store: { name: string }): NormalizedOrder {
  const id = str(o.orderId)!;
  const buyer = obj(o.buyer);
  const a = obj(obj(o.recipient)?.deliveryAddress);
  const shipTo = a
    ? address({
        name: str(a.name),
        company: a.companyName,
        street1: a.addressLine1,
        street2: a.addressLine2,
        city: a.city,
        state: a.stateOrRegion,
        postalCode: a.postalCode,
        country: a.countryCode,
        phone: a.phone,
      })
    : null;
  if (shipTo && str(a?.addressLine3)) shipTo.street3 = str(a?.addressLine3);
  const email = emailOf(buyer?.buyerEmail);
  const grandTotal = obj(obj(o.proceeds)?.grandTotal);
  const status = str(obj(o.fulfillment)?.fulfillmentStatus);
  return {
    storeOrderId: id,
    orderNumber: id,
    orderDate: instant(o.createdTime, 'createdTime'),
    orderStatus: status ? (STATUS_2026[status] ?? canonicalOrderStatus(status) ?? null) : null,
    username: buyerKey(email),
    email,
    buyerName: str(buyer?.buyerName),
    firstName: null,
    lastName: null,
    company: str(buyer?.buyerCompanyName),
    phone: null,
    birthDate: null,
    shipTo,
    billTo: null,
    total: money(grandTotal?.amount) ?? 0,
    currency: str(grandTotal?.currencyCode),
    notes: [],
    items: items(o.orderItems),
    tags: storeTags('amazon', store.name, []),
    marketingConsent: {},
    channelUpdatedAt: o.lastUpdatedTime ? instant(o.lastUpdatedTime, 'lastUpdatedTime') : null,
    channelData: {
      apiVersion: '2026-01-01',
      ...(status ? { fulfillmentStatus: status } : {}),
      ...(str(obj(o.salesChannel)?.marketplaceId)
        ? { marketplaceId: str(obj(o.salesChannel)?.marketplaceId) }
        : {}),
      ...(Array.isArray(o.programs) ? { programs: o.programs } : {}),
      ...withoutBuyer(email),
    },
  };
}

/**
 * One Amazon order (either API version) → the normalized order (R1.2, R1.8). Buyer key: the
 * buyer email Amazon relays (`…@marketplace.amazon.com`), lower-cased; Amazon may withhold it
 * (no PII role, some business orders): such an order imports without a buyer key and says so in
 * its channel essentials (`importNote`). Dates are UTC. `DefaultShipFromLocationAddress` is the
 * seller's own address and is never read.
 */
export function mapAmazonOrder(o: AmazonOrder, store: { name: string }): NormalizedOrder {
  if (str(o.AmazonOrderId)) return mapV0(o, store);
  if (str(o.orderId)) return map2026(o, store);
  throw new OrderFormatError('Amazon order without an AmazonOrderId (v0) or orderId (2026-01-01)');
}
