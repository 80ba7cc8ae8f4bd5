import { SignJWT, UnsecuredJWT, base64url } from 'jose';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { signDevToken } from '@crp/platform/auth';
import { SERVICES } from '../support/stack';
import { SECRET } from '../support/system';
import { bodyFor, pathFor, type MatrixContext } from './matrix';
import { isFreeText, type RouteInfo } from './route-table';
import { A, VICTIMS } from './tenant-world';

// Generated probes over every route of every service (the route tables of the OpenAPI documents):
// authentication, SQL metacharacters in filters, page sizes. Each returns readable problems.

/** Routes that take no bearer token, and why: any other route without one fails the suite. */
export const PUBLIC_ROUTES: Record<string, string> = {
  'order-ingest-service:shopifyWebhook': 'Shopify signs the raw body (X-Shopify-Hmac-Sha256)',
  'order-ingest-service:woocommerceWebhook': 'WooCommerce signs the raw body (X-WC-Webhook-Signature)',
  'order-ingest-service:bigcommerceWebhook':
    'BigCommerce sends the secret header set at subscription (X-Webhook-Secret); the order is then fetched with the store credentials',
  'customer-service:validateMailchimpWebhook':
    "Mailchimp's validation GET: the secret is the URL token (an unknown token is 404)",
  'customer-service:mailchimpWebhook': 'Mailchimp posts with no auth header: the secret is the URL token',
};

/** List routes without a `limit`, and why their answer stays small (or is an export). */
export const UNPAGED: Record<string, string> = {
  'order-ingest-service:listStores': 'the stores of one account: a handful',
  'order-ingest-service:listAutomationRules': 'the rules of one account: a handful, asked in order',
  'tpl-connection-service:listCarrierAccounts': 'the carrier accounts of one account: a handful',
  'csv-import-service:customerTemplate': 'a fixed template',
  'csv-import-service:orderTemplate': 'a fixed template',
  'csv-import-service:importErrors': 'an export (CSV), streamed with backpressure',
  'csv-import-service:importPreviewCsv': 'an export (CSV), streamed with backpressure',
  'customer-service:getSettings': 'one record',
  'customer-service:getMailchimp': "one record: the account's connection and its sync status",
  'customer-service:exportCustomers':
    'an export (CSV or JSON) of every match, streamed with backpressure in keyset pages of 2,000',
};

const key = new TextEncoder().encode(SECRET);
const now = () => Math.floor(Date.now() / 1000);
const claims = { account_id: A, role: 'admin' };

/** Forged, broken or incomplete tokens, each with the reason its 401 must give. */
export async function badTokens(): Promise<Array<{ name: string; header?: string; reason: RegExp }>> {
  const valid = await signDevToken(SECRET, { accountId: A, role: 'member' });
  const [h, p, s] = valid.split('.') as [string, string, string];
  const payload = JSON.parse(new TextDecoder().decode(base64url.decode(p))) as Record<string, unknown>;
  const hs = (c: Record<string, unknown>, alg = 'HS256') => new SignJWT(c).setProtectedHeader({ alg });
  return [
    { name: 'no Authorization header', reason: /Missing "Authorization: Bearer/ },
    { name: 'a Basic header', header: 'Basic dXNlcjpwYXNz', reason: /Missing "Authorization: Bearer/ },
    { name: 'garbage', header: 'Bearer not-a-jwt', reason: /Invalid token/ },
    {
      name: 'alg none',
      header: `Bearer ${new UnsecuredJWT(claims).setSubject('u').setExpirationTime('1h').encode()}`,
      reason: /Invalid token: .*alg/i,
    },
    {
      name: 'signed with another key',
      header: `Bearer ${await signDevToken('another-secret-another-secret-0000', { accountId: A })}`,
      reason: /Invalid token: signature verification failed/,
    },
    {
      name: 'the right key, another algorithm (HS512)',
      header: `Bearer ${await hs(claims, 'HS512').setSubject('u').setExpirationTime('1h').sign(key)}`,
      reason: /Invalid token: .*alg/i,
    },
    {
      name: 'payload altered after signing (member → admin)',
      header: `Bearer ${h}.${base64url.encode(JSON.stringify({ ...payload, role: 'admin' }))}.${s}`,
      reason: /Invalid token: signature verification failed/,
    },
    {
      name: 'expired',
      header: `Bearer ${await hs(claims)
        .setSubject('u')
        .setIssuedAt(now() - 7200)
        .setExpirationTime(now() - 3600)
        .sign(key)}`,
      reason: /Invalid token: "exp" claim timestamp check failed/,
    },
    {
      name: 'not yet valid (nbf in an hour)',
      header: `Bearer ${await hs(claims)
        .setSubject('u')
        .setNotBefore(now() + 3600)
        .setExpirationTime('2h')
        .sign(key)}`,
      reason: /Invalid token: "nbf" claim timestamp check failed/,
    },
    {
      name: 'without exp',
      header: `Bearer ${await hs(claims).setSubject('u').sign(key)}`,
      reason: /Invalid token: missing required "exp" claim/,
    },
    {
      name: 'without account_id',
      header: `Bearer ${await hs({ role: 'admin' }).setSubject('u').setExpirationTime('1h').sign(key)}`,
      reason: /account_id/,
    },
    {
      name: 'without role',
      header: `Bearer ${await hs({ account_id: A }).setSubject('u').setExpirationTime('1h').sign(key)}`,
      reason: /"role" must be "admin" or "member"/,
    },
    {
      name: 'without sub',
      header: `Bearer ${await hs(claims).setExpirationTime('1h').sign(key)}`,
      reason: /no "sub" claim/,
    },
  ];
}

/** Every bearer route answers each bad token 401 with the reason, before reading anything. */
export async function authProblems(ctx: MatrixContext): Promise<string[]> {
  const problems: string[] = [];
  const tokens = await badTokens();
  for (const s of SERVICES) {
    for (const r of ctx.routes[s]) {
      const where = `${s} ${r.label}`;
      if (r.isPublic) {
        if (!PUBLIC_ROUTES[`${s}:${r.operationId}`])
          problems.push(
            `${where} takes no bearer token: list it in PUBLIC_ROUTES (probes.ts) with why, or protect it`,
          );
        continue;
      }
      const { path } = pathFor(r, ctx.world);
      if (!path) continue; // the isolation matrix names the missing fixture
      const body = bodyFor(r, ctx.world);
      for (const t of tokens) {
        let req = request(ctx.stack.app(s))[r.method](path);
        if (t.header) req = req.set('Authorization', t.header);
        if (body !== undefined) req = req.send(body as object);
        const res = await req;
        const message = (res.body as { error?: { message?: string } })?.error?.message ?? '';
        if (res.status !== 401) problems.push(`${where} with ${t.name}: ${res.status}, not 401`);
        else if (!t.reason.test(message))
          problems.push(`${where} with ${t.name}: 401 without the reason (${message})`);
      }
    }
  }
  return problems;
}

export const SQL_METACHARACTERS = [
  "' OR 1=1 --",
  "' OR '1'='1",
  '%',
  '_',
  '\\',
  '\\%',
  '%_%',
  "'; DROP TABLE customers; --",
  '" OR ""="',
  'a\u0000b',
];

/** How many records an answer lists: the lengths of its top-level arrays (CSV: lines). */
function recordCount(res: { body: unknown; text: string; type: string }): number {
  if (!res.type.includes('json')) return res.text.split('\n').filter((l) => l.trim()).length;
  const body = res.body as Record<string, unknown>;
  return Object.values(body ?? {}).reduce<number>((n, v) => n + (Array.isArray(v) ? v.length : 0), 0);
}

/**
 * Every free-text query parameter of every GET route, and every path parameter of every route,
 * with SQL metacharacters: no 5xx, and no more records than a value that matches nothing.
 */
export async function sqlProblems(ctx: MatrixContext): Promise<{ problems: string[]; probes: number }> {
  const problems: string[] = [];
  let probes = 0;
  for (const s of SERVICES) {
    const app = ctx.stack.app(s);
    for (const r of ctx.routes[s]) {
      if (r.isPublic) continue;
      const { path } = pathFor(r, ctx.world);
      if (!path) continue;
      const where = `${s} ${r.label}`;
      // Path parameters: a metacharacter id is just an id nobody has.
      for (const p of r.pathParams) {
        for (const v of SQL_METACHARACTERS) {
          const bad = r.path.replace(`:${p}`, encodeURIComponent(v));
          const filled = pathFor(
            { ...r, path: bad, pathParams: r.pathParams.filter((x) => x !== p) },
            ctx.world,
          );
          const body = bodyFor(r, ctx.world);
          let req = request(app)
            [r.method](filled.path!)
            .set('Authorization', await ctx.stack.auth(A));
          if (body !== undefined) req = req.send(body as object);
          const res = await req;
          probes++;
          if (res.status >= 500 || res.status < 400)
            problems.push(`${where} with :${p}=${JSON.stringify(v)}: ${res.status}, not 4xx`);
        }
      }
      if (r.method !== 'get') continue;
      for (const q of r.query.filter((x) => isFreeText(x.schema))) {
        for (const victim of VICTIMS) {
          const auth = await ctx.stack.auth(victim);
          // A filter value that matches nothing lists nothing; a keyset cursor at most what no cursor lists.
          const baseline = await request(app)
            .get(path)
            .query(q.name === 'cursor' ? {} : { [q.name]: 'zz-matches-nothing' })
            .set('Authorization', auth);
          for (const v of SQL_METACHARACTERS) {
            const res = await request(app)
              .get(path)
              .query({ [q.name]: v })
              .set('Authorization', auth);
            probes++;
            const label = `${where} ?${q.name}=${JSON.stringify(v)} as ${victim}`;
            if (res.status >= 500) problems.push(`${label}: ${res.status}`);
            else if (res.status < 300 && baseline.status < 300 && recordCount(res) > recordCount(baseline))
              problems.push(
                `${label}: ${recordCount(res)} records where a value matching nothing gives ${recordCount(baseline)}`,
              );
          }
        }
      }
    }
  }
  return { problems, probes };
}

/**
 * Page sizes: every GET route with a `limit` refuses one over its maximum and below its minimum
 * with a 400 naming `limit`, and takes the maximum; a GET without path parameters that has no
 * `limit` is listed in UNPAGED with why.
 */
export async function pageSizeProblems(ctx: MatrixContext): Promise<string[]> {
  const problems: string[] = [];
  for (const s of SERVICES) {
    for (const r of ctx.routes[s] as RouteInfo[]) {
      if (r.method !== 'get' || r.isPublic) continue;
      const where = `${s} ${r.label}`;
      const limit = r.query.find((q) => q.name === 'limit');
      if (!limit) {
        if (!r.pathParams.length && !UNPAGED[`${s}:${r.operationId}`])
          problems.push(
            `${where}: no limit; add one with a maximum, or list it in UNPAGED (probes.ts) with why`,
          );
        continue;
      }
      const schema = limit.schema.anyOf?.find((x) => x.maximum !== undefined) ?? limit.schema;
      if (schema.maximum === undefined) {
        problems.push(`${where}: limit has no maximum`);
        continue;
      }
      const { path } = pathFor(r, ctx.world);
      if (!path) continue;
      const auth = await ctx.stack.auth(A);
      for (const v of [schema.maximum + 1, (schema.minimum ?? 1) - 1, 10 ** 12, 'all', -1]) {
        const res = await request(ctx.stack.app(s)).get(path).query({ limit: v }).set('Authorization', auth);
        const message = (res.body as { error?: { message?: string } })?.error?.message ?? '';
        if (res.status !== 400 || !/limit/.test(message))
          problems.push(`${where} ?limit=${v}: ${res.status} ${message}, not 400 naming limit`);
      }
      const max = await request(ctx.stack.app(s))
        .get(path)
        .query({ limit: schema.maximum })
        .set('Authorization', auth);
      if (max.status >= 500 || max.status === 400)
        problems.push(`${where} ?limit=${schema.maximum} (the maximum): ${max.status}`);
    }
  }
  return problems;
}

/** A cell a spreadsheet runs: =, +, -, @, tab or CR first, and not a plain number or phone. */
const FORMULA = /^[=+\-@\t\r](?![\d\s().,/-]*$)/;

/**
 * Formula injection: every CSV any GET route answers (exports, reports, templates), as each
 * victim reads it, holds no cell a spreadsheet would run; and some export does carry the planted
 * formulas, escaped (or the check would prove nothing).
 */
export async function formulaProblems(ctx: MatrixContext): Promise<{ problems: string[]; escaped: number }> {
  const problems: string[] = [];
  let escaped = 0;
  for (const s of SERVICES) {
    for (const r of ctx.routes[s]) {
      if (r.method !== 'get' || r.isPublic) continue;
      const { path } = pathFor(r, ctx.world);
      if (!path) continue;
      for (const victim of VICTIMS) {
        const res = await request(ctx.stack.app(s))
          .get(path)
          .set('Authorization', await ctx.stack.auth(victim));
        if (res.status !== 200 || !/text\/csv/.test(String(res.headers['content-type']))) continue;
        const cells = (
          parse(res.text.replace(/^\uFEFF/, ''), { relax_column_count: true }) as string[][]
        ).flat();
        for (const c of cells) {
          if (FORMULA.test(c))
            problems.push(`${s} ${r.label} as ${victim}: the cell ${JSON.stringify(c)} runs as a formula`);
          if (/^'[=+\-@]/.test(c)) escaped++;
        }
      }
    }
  }
  return { problems, escaped };
}
