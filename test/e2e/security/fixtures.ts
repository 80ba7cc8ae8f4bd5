import { A_BUYER, B_BUYER, P, manualOrder, type World } from './tenant-world';

// What the generated matrix sends to each route. A route added later whose path parameter (or,
// with path parameters, whose body) has no entry here fails the matrix by name, so it gets one.

/**
 * A victim's record for each path parameter: `service:param`, or `service:operationId:param` when
 * one operation's parameter means something else.
 */
export const PATH_FIXTURES: Record<string, (w: World) => string> = {
  'customer-service:customerId': (w) => w.customerId,
  'customer-service:requestId': (w) => w.privacyRequestId,
  // The webhook's secret is its URL token; a victim's token is never known to B, so B gets a
  // made-up one (the route is public: see PUBLIC_ROUTES).
  'customer-service:token': () => 'not-a-mailchimp-webhook-token',
  'order-ingest-service:storeId': (w) => w.storeId,
  'order-ingest-service:orderId': (w) => w.orderId,
  'order-ingest-service:jobId': (w) => w.syncJobId,
  'order-ingest-service:ruleId': (w) => w.ruleId,
  'csv-import-service:jobId': (w) => w.importJobId,
  'csv-import-service:importPreview:jobId': (w) => w.dryRunJobId,
  'csv-import-service:importPreviewCsv:jobId': (w) => w.dryRunJobId,
  'tpl-connection-service:connectionId': (w) => w.pendingConnectionId,
  'tpl-connection-service:carrierAccountId': (w) => w.carrierAccountId,
};

/**
 * Bodies, by `service:operationId`: valid enough to reach the handler, so that a missing account
 * check would show. A body that names a victim's record must be refused (4xx).
 */
export const BODY_FIXTURES: Record<string, (w: World) => unknown> = {
  // R2.8's default customer must be one of the caller's own.
  'customer-service:updateSettings': (w) => ({ protectNames: true, defaultCustomerId: w.customerId }),
  'customer-service:editCustomer': () => ({ firstName: 'Taken' }),
  // B's own customer, with the email of A's buyer: must stay B's.
  'customer-service:createCustomer': () => ({ email: A_BUYER.email, name: B_BUYER.name }),
  'customer-service:previewMerge': (w) => ({ survivorId: w.customerId, mergedIds: [w.otherCustomerId] }),
  'customer-service:mergeCustomers': (w) => ({ survivorId: w.customerId, mergedIds: [w.otherCustomerId] }),
  'order-ingest-service:importStoreOrders': () => [manualOrder('b-into-a', A_BUYER)],
  // The intruder's own manual order, with the victim's buyer email: must not touch A's customer.
  'order-ingest-service:createManualOrders': () =>
    manualOrder('b-same-buyer', { ...B_BUYER, email: A_BUYER.email }),
  'order-ingest-service:updateStore': () => ({ name: 'Taken over' }),
  'order-ingest-service:setFulfillmentProvider': () => ({ providerAccountId: P }),
  'order-ingest-service:setShippingService': () => ({ carrierCode: 'ups', serviceCode: 'ups_ground' }),
  'order-ingest-service:createAutomationRule': (w) => ({
    name: 'Into A',
    match: { storeId: w.storeId },
    action: { type: 'set_fulfillment_provider', providerAccountId: P },
  }),
  'tpl-connection-service:updateCarrierAccount': () => ({ sharedWithProviders: false }),
  'tpl-connection-service:acceptConnection': () => ({ confirm: true }),
  'tpl-connection-service:declineConnection': () => ({ confirm: true }),
  'tpl-connection-service:inspectInvitation': (w) => ({ token: w.pendingToken }),
  'tpl-connection-service:acceptInvitation': (w) => ({ token: w.pendingToken, confirm: true }),
  'tpl-connection-service:declineInvitation': (w) => ({ token: w.pendingToken, confirm: true }),
};

/** Filter values naming a victim's records, by query parameter name (every service). */
export const QUERY_FIXTURES: Record<string, (w: World) => string> = {
  storeId: (w) => w.storeId,
  customerId: (w) => w.customerId,
  orderId: (w) => w.orderId,
  email: () => A_BUYER.email,
  q: () => A_BUYER.email,
};

/**
 * GET routes without path parameters whose answers hold no account records, so no victim's answer
 * is expected to show one (any other list must, or the check would prove nothing).
 */
export const NO_RECORDS: Record<string, string> = {
  'csv-import-service:customerTemplate': 'the same CSV template for everyone',
  'csv-import-service:orderTemplate': 'the same CSV template for everyone',
  'customer-service:getSettings':
    "the account's settings: defaults, no record ids (B's change is checked by the snapshot)",
  'customer-service:getMailchimp':
    "the account's Mailchimp connection (none in the victims' world): no record ids; the key is never returned",
  'customer-service:listDuplicateGroups':
    "the victims' world holds no look-alike records (the scan would find them seconds after the seed); customer-service's duplicate scenarios check this route's tenancy on both stacks",
};

/** GET routes with path parameters that even the owner cannot read with the fixture (and why). */
export const NOT_READABLE_BY_OWNER: Record<string, string> = {};
