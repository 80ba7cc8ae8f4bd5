import { recordFlags } from '../domain/flags';
import type {
  CustomerOrderRecord as CustomerOrderRow,
  CustomerRecord as CustomerRow,
  IdentityRecord as IdentityRow,
} from '../domain/records';

/**
 * The API shape: ShipStation's Customer fields (customerId, name, company, street1, …,
 * marketplaceUsernames[], tags[], createDate, modifyDate) plus what SPEC §1–§2 adds.
 */
/** An order as a customer's history lists it (the record's view, the privacy export). */
export const orderSummary = (o: CustomerOrderRow) => ({
  orderId: o.orderId,
  storeId: o.storeId,
  storeOrderId: o.storeOrderId,
  orderNumber: o.orderNumber,
  orderDate: o.orderDate.toISOString(),
  total: o.total,
  currency: o.currency,
});

export function customerView(
  c: CustomerRow,
  identities: IdentityRow[],
  extra: {
    possibleDuplicates?: string[];
    possibleDuplicatesTruncated?: boolean;
    orders?: CustomerOrderRow[];
  } = {},
) {
  const a = c.shippingAddress;
  return {
    customerId: c.id,
    createDate: c.createdAt.toISOString(),
    modifyDate: c.updatedAt.toISOString(),
    name: c.name,
    firstName: c.firstName,
    lastName: c.lastName,
    company: c.company,
    street1: a?.street1 ?? null,
    street2: a?.street2 ?? null,
    street3: a?.street3 ?? null,
    city: a?.city ?? null,
    state: a?.state ?? null,
    postalCode: a?.postalCode ?? null,
    countryCode: a?.country ?? null,
    phone: c.phone,
    email: c.email,
    birthDate: c.birthDate,
    notes: c.notes,
    marketplaceUsernames: identities.map((i) => ({
      customerUserId: i.id,
      customerId: c.id,
      createDate: i.createdAt.toISOString(),
      modifyDate: i.updatedAt.toISOString(),
      marketplace: i.storeType,
      marketplaceId: i.storeId,
      storeName: i.storeName,
      username: i.username,
    })),
    tags: c.tags.map((name) => ({ name })),
    status: c.status,
    mergedIntoId: c.mergedIntoId,
    erasedAt: c.erasedAt?.toISOString() ?? null,
    addresses: { shipping: c.shippingAddress, billing: c.billingAddress, postal: c.postalAddress },
    marketingConsent: c.consent,
    fieldSources: c.fieldSources,
    flags: recordFlags(c),
    history: {
      orderCount: c.orderCount,
      totalSpent: c.totalSpent,
      firstOrderDate: c.firstOrderDate?.toISOString() ?? null,
      lastOrderDate: c.lastOrderDate?.toISOString() ?? null,
      ...(extra.orders
        ? {
            orders: extra.orders.map(orderSummary),
          }
        : {}),
    },
    ...(extra.possibleDuplicates
      ? {
          possibleDuplicates: extra.possibleDuplicates,
          possibleDuplicatesTruncated: extra.possibleDuplicatesTruncated ?? false,
        }
      : {}),
    version: c.version,
  };
}

export type CustomerView = ReturnType<typeof customerView>;
