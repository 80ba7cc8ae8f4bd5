import { newId } from '@crp/platform/ids';
import type { createOrderIngestService } from '../../src/composition-root';
import type { OrderRecord } from '../../src/domain/order';
import { orderRepository } from '../../src/infra/db/order-repository';

export type OrderIngestService = Awaited<ReturnType<typeof createOrderIngestService>>;

/**
 * The n-th order of an account as the repository stores it, for suites that need thousands of
 * orders without importing each. Ids are made in call order, so id order is the order of `n`;
 * updated-at grows with `n` by a second.
 */
export function storedOrder(accountId: string, n: number, extra: Partial<OrderRecord> = {}): OrderRecord {
  const at = new Date(Date.UTC(2026, 10, 20, 10, 0, 0) + n * 1000);
  const address = {
    name: `Buyer ${n}`,
    company: null,
    street1: '12 St James Sq',
    street2: null,
    street3: null,
    city: 'London',
    state: null,
    postalCode: 'SW1Y 4JH',
    country: 'GB',
    phone: '+442079460001',
  };
  return {
    id: newId('ord'),
    accountId,
    storeId: 'st_a',
    storeOrderId: `so-${n}`,
    orderNumber: `N-${n}`,
    orderDate: at,
    orderStatus: 'shipped',
    customerUsername: `buyer${n}`,
    customerEmail: `buyer${n}@example.com`,
    buyerName: `Buyer ${n}`,
    buyerFirstName: 'Buyer',
    buyerLastName: `${n}`,
    buyerPhone: '+442079460001',
    shipTo: address,
    billTo: address,
    items: [{ sku: 'SKU-1', quantity: 1 }],
    notes: ['Ring twice'],
    total: 10,
    currency: 'GBP',
    channelUpdatedAt: null,
    channelData: null,
    customerId: null,
    redactedAt: null,
    revision: 1,
    contentHash: 'a'.repeat(64),
    createdAt: at,
    updatedAt: at,
    ...extra,
  };
}

/** Writes orders straight through the repository (one transaction, multi-row inserts). */
export async function seedOrders(svc: OrderIngestService, rows: OrderRecord[]): Promise<void> {
  await svc.db.transaction((tx) => orderRepository.insert(tx, rows));
}
