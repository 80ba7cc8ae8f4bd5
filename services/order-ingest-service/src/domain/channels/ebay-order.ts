import type { JsonObject, NormalizedOrder } from '../order';
import { OrderFormatError } from '../shipstation-order';
import { address, emailOf, instant, items, money, obj, pick, storeTags, str } from './mapping';

/**
 * An eBay order as the Sell Fulfillment API v1 returns it (`GET /sell/fulfillment/v1/order`,
 * `components.schemas.Order` of its OpenAPI contract): camelCase, money as `{value: "12.34",
 * currency}`, contacts as `ExtendedContact {fullName, companyName, email, primaryPhone,
 * contactAddress}`.
 */
export type EbayOrder = JsonObject;

function contactAddress(c: JsonObject | null) {
  if (!c) return null;
  const a = obj(c.contactAddress);
  return address({
    name: str(c.fullName),
    company: c.companyName,
    street1: a?.addressLine1,
    street2: a?.addressLine2,
    city: a?.city,
    state: a?.stateOrProvince,
    postalCode: a?.postalCode,
    country: a?.countryCode,
    phone: obj(c.primaryPhone)?.phoneNumber,
  });
}

/** eBay's fulfillment, payment and cancel states as the ShipStation order statuses the rest speaks. */
export function ebayOrderStatus(o: JsonObject): string {
  const cancel = str(obj(o.cancelStatus)?.cancelState);
  if (cancel === 'CANCELED') return 'cancelled';
  const payment = str(o.orderPaymentStatus);
  if (payment === 'FULLY_REFUNDED') return 'cancelled';
  if (str(o.orderFulfillmentStatus) === 'FULFILLED') return 'shipped';
  if (payment === 'PENDING' || payment === 'FAILED') return 'awaiting_payment';
  return 'awaiting_shipment';
}

/**
 * One eBay order → the normalized order (R1.2, R1.8). Buyer key: `buyer.username` (eBay's user
 * ID; for some developers and US buyers an immutable user id in its place). Contact data comes
 * from `buyer.buyerRegistrationAddress`, which eBay empties after 14 days (email) and 90 days
 * (name, phone): the order batch keeps what an earlier sync captured (order-batch.ts). The ship-to
 * is the first fulfillment instruction's `shippingStep.shipTo` (it may be a gift recipient, so the
 * buyer's name comes from the registration address first).
 */
export function mapEbayOrder(o: EbayOrder, store: { name: string }): NormalizedOrder {
  const id = str(o.orderId);
  if (!id) throw new OrderFormatError('eBay order without an orderId');
  const buyer = obj(o.buyer);
  const registration = obj(buyer?.buyerRegistrationAddress);
  const instructions = Array.isArray(o.fulfillmentStartInstructions) ? o.fulfillmentStartInstructions : [];
  const shipContact = instructions
    .map((i) => obj(obj(obj(i)?.shippingStep)?.shipTo))
    .find((c): c is JsonObject => c !== null);
  const billTo = contactAddress(registration);
  const shipTo = contactAddress(shipContact ?? null);
  const totalAmount = obj(obj(o.pricingSummary)?.total);
  const total = money(totalAmount?.value);
  if (total === null) throw new OrderFormatError(`eBay order ${id} has no pricingSummary.total.value`);
  if (!str(o.creationDate)) throw new OrderFormatError(`eBay order ${id} has no creationDate`);
  const cancelState = str(obj(o.cancelStatus)?.cancelState);
  return {
    storeOrderId: id,
    orderNumber: id,
    orderDate: instant(o.creationDate, 'creationDate'),
    orderStatus: ebayOrderStatus(o),
    username: str(buyer?.username),
    email: emailOf(registration?.email) ?? emailOf(shipContact?.email),
    buyerName: str(registration?.fullName) ?? shipTo?.name ?? null,
    firstName: null,
    lastName: null,
    company: billTo?.company ?? shipTo?.company ?? null,
    phone: billTo?.phone ?? shipTo?.phone ?? null,
    birthDate: null,
    shipTo,
    billTo,
    total,
    currency: str(totalAmount?.currency),
    notes: [str(o.buyerCheckoutNotes)].filter((n): n is string => n !== null),
    items: items(o.lineItems),
    tags: storeTags('ebay', store.name, []),
    marketingConsent: {},
    channelUpdatedAt: o.lastModifiedDate ? instant(o.lastModifiedDate, 'lastModifiedDate') : null,
    channelData: {
      ...pick(o, ['orderFulfillmentStatus', 'orderPaymentStatus', 'salesRecordReference', 'sellerId']),
      ...(cancelState ? { cancelState } : {}),
    },
  };
}
