import { readFixtureJson } from '@crp/testing/fixtures';
import { NO_BUYER_EMAIL_NOTE, mapAmazonOrder } from '../../src/domain/channels/amazon-order';
import { mapBigCommerceOrder } from '../../src/domain/channels/bigcommerce-order';
import { ebayOrderStatus, mapEbayOrder } from '../../src/domain/channels/ebay-order';
import { OrderFormatError } from '../../src/domain/shipstation-order';

type Order = Parameters<typeof mapAmazonOrder>[0];
const store = { name: 'Acme' };

describe("Amazon's published examples, as Amazon means them", () => {
  it('v0 getOrder: the ship-to is ShippingAddress; DefaultShipFromLocationAddress (the seller) is never read', () => {
    const o = readFixtureJson<{ payload: Order }>(
      'amazon',
      'getOrder-response-example-ordersV0.json',
    ).payload;
    const n = mapAmazonOrder(o, store);
    expect(n).toMatchObject({
      storeOrderId: '902-3159896-1390916',
      username: 'user@example.com',
      buyerName: 'John Doe',
      company: 'A Company Name',
      orderStatus: 'awaiting_payment',
      total: 0,
      shipTo: { name: 'Michigan address', city: 'Canton', country: 'US' },
      billTo: null,
      tags: ['amazon', 'Acme'],
    });
    expect(JSON.stringify(n)).not.toMatch(/WESTLAKE|MFNIntegrationTestMerchant|480-386-0930/);
  });

  it('2026-01-01 getOrder: GBP, empty address lines are absent (not empty strings), UTC dates', () => {
    const o = readFixtureJson<{ order: Order }>(
      'amazon',
      'getOrder-response-example-orders_2026-01-01.json',
    ).order;
    expect(mapAmazonOrder(o, store)).toMatchObject({
      storeOrderId: '202-1234567-8901234',
      orderDate: new Date('2024-12-25T09:15:00Z'),
      channelUpdatedAt: new Date('2024-12-25T16:30:00Z'),
      username: 'buyer-email@marketplace.amazon.co.uk',
      total: 103.97,
      currency: 'GBP',
      orderStatus: 'shipped',
      shipTo: { street2: 'Unit 4B', street3: null, company: 'Wilson Electronics Ltd', country: 'GB' },
      channelData: {
        apiVersion: '2026-01-01',
        fulfillmentStatus: 'SHIPPED',
        marketplaceId: 'A1F83G8C2ARO7P',
      },
    });
  });

  it('without a buyer email: no buyer key, and the order says why', () => {
    const o = readFixtureJson<{ order: Order }>(
      'amazon',
      'getOrder-response-example-orders_2026-01-01.json',
    ).order;
    const n = mapAmazonOrder({ ...o, buyer: { buyerName: 'James Wilson' } }, store);
    expect(n).toMatchObject({ username: null, email: null, buyerName: 'James Wilson' });
    expect(n.channelData).toMatchObject({ importNote: NO_BUYER_EMAIL_NOTE });
    expect(() => mapAmazonOrder({ foo: 1 }, store)).toThrow(OrderFormatError);
  });
});

describe("BigCommerce's published v2 order", () => {
  it('registered customer 11 is the key; a guest (customer_id 0) is keyed by the lower-cased email', () => {
    const o = readFixtureJson<Order>('bigcommerce', 'order-218-v2-sample.json');
    expect(mapBigCommerceOrder(o, store)).toMatchObject({
      username: '11',
      orderDate: new Date('2019-03-05T21:40:11Z'),
      total: 69.84,
      billTo: { postalCode: '78108', phone: '1234567890', state: 'Texas', country: 'US' },
      shipTo: null,
    });
    const guest = mapBigCommerceOrder(
      {
        ...o,
        customer_id: 0,
        billing_address: { ...(o.billing_address as Order), email: 'JaneDoe@Example.com' },
      },
      store,
    );
    expect(guest).toMatchObject({ username: 'janedoe@example.com', email: 'JaneDoe@Example.com' });
    expect(() => mapBigCommerceOrder({ ...o, date_created: '2019-03-05 21:40:11' }, store)).toThrow(
      /RFC 2822/,
    );
  });
});

describe('a channel status with no order-status equivalent', () => {
  it('is stored as no status (null), never as the channel word GET /v1/orders?status= cannot find; the word stays in channelData', () => {
    const amazon = readFixtureJson<{ payload: Order }>(
      'amazon',
      'getOrder-response-example-ordersV0.json',
    ).payload;
    const a = mapAmazonOrder({ ...amazon, OrderStatus: 'SomeFutureStatus' }, store);
    expect(a.orderStatus).toBeNull();
    expect(a.channelData).toMatchObject({ OrderStatus: 'SomeFutureStatus' });
    const amazon2026 = readFixtureJson<{ order: Order }>(
      'amazon',
      'getOrder-response-example-orders_2026-01-01.json',
    ).order;
    const fulfillment = amazon2026.fulfillment as Order;
    expect(
      mapAmazonOrder(
        { ...amazon2026, fulfillment: { ...fulfillment, fulfillmentStatus: 'IN_REVIEW' } },
        store,
      ).orderStatus,
    ).toBeNull();
    const bc = readFixtureJson<Order>('bigcommerce', 'order-218-v2-sample.json');
    const b = mapBigCommerceOrder({ ...bc, status_id: 99, status: 'Custom Awaiting Courier' }, store);
    expect(b.orderStatus).toBeNull();
    expect(b.channelData).toMatchObject({ status: 'Custom Awaiting Courier' });
    // An unknown id whose label is a status's own words is that status.
    expect(mapBigCommerceOrder({ ...bc, status_id: 99, status: 'On Hold' }, store).orderStatus).toBe(
      'on_hold',
    );
  });
});

describe('eBay statuses', () => {
  it('cancelled and refunded win; fulfilled is shipped; a pending payment waits', () => {
    expect(
      ebayOrderStatus({ cancelStatus: { cancelState: 'CANCELED' }, orderFulfillmentStatus: 'FULFILLED' }),
    ).toBe('cancelled');
    expect(ebayOrderStatus({ orderPaymentStatus: 'FULLY_REFUNDED' })).toBe('cancelled');
    expect(ebayOrderStatus({ orderFulfillmentStatus: 'FULFILLED', orderPaymentStatus: 'PAID' })).toBe(
      'shipped',
    );
    expect(ebayOrderStatus({ orderFulfillmentStatus: 'NOT_STARTED', orderPaymentStatus: 'PENDING' })).toBe(
      'awaiting_payment',
    );
    expect(ebayOrderStatus({ orderFulfillmentStatus: 'IN_PROGRESS', orderPaymentStatus: 'PAID' })).toBe(
      'awaiting_shipment',
    );
    expect(() => mapEbayOrder({ orderId: 'x', creationDate: '2026-01-01T00:00:00.000Z' }, store)).toThrow(
      /no pricingSummary\.total\.value/,
    );
  });
});
