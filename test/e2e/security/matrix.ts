import request from 'supertest';
import { FakeShopify } from '@crp/testing/fake-channels';
import { waitFor } from '@crp/testing/wait';
import { SERVICES, startStack, type ServiceName, type Stack } from '../support/stack';
import { BODY_FIXTURES, NOT_READABLE_BY_OWNER, NO_RECORDS, PATH_FIXTURES, QUERY_FIXTURES } from './fixtures';
import { fillPath, routeTable, type RouteInfo } from './route-table';
import { A, A_BUYER, B, GENERATED_ID, SHOPIFY_TOKEN, VICTIMS, seedWorld, type World } from './tenant-world';

/** Personal data a victim shares with the world (the same buyer may buy from B): not a record of A's. */
const PERSONAL = [A_BUYER.email, A_BUYER.name, A_BUYER.phone, `admin@${A}.example`];

/** Everything the generated security suites share: one stack, the victims' world, the route tables. */
/** Public routes whose secret is a token in their URL: an unknown token is a 404, not a 401. */
const TOKEN_IN_URL = new Set([
  'customer-service:validateMailchimpWebhook',
  'customer-service:mailchimpWebhook',
]);

export interface MatrixContext {
  stack: Stack;
  world: World;
  routes: Record<ServiceName, RouteInfo[]>;
  /** Victim markers, plus every generated id seen in the victims' own answers. */
  markers: Set<string>;
  /** `victim label` → what the victim saw before the intruder's requests. */
  before: Map<string, Answer>;
  /** Victims' strings the intruder put into its own records (it may see those again). */
  intruderOwn: Set<string>;
}

export interface Answer {
  status: number;
  text: string;
}

export async function setUpMatrix(mode: 'embedded' | 'real', name: string) {
  const shopify = await new FakeShopify({ accessToken: SHOPIFY_TOKEN, pageSize: 2 }).seedPublished(0).start();
  let stack: Stack | undefined;
  // Which step the setup reached: a setup that does not finish says where it stopped.
  let reached = 'starting the four services';
  const step = (what: string) => {
    reached = what;
  };
  try {
    stack = await within(
      SETUP_STEP_MS,
      () => reached,
      startStack({ mode, name, env: { CHANNEL_SHOPIFY_BASE_URL: shopify.url } }),
    );
    const world = await within(SETUP_STEP_MS, () => `seeding: ${reached}`, seedWorld(stack, step));
    const routes = {} as Record<ServiceName, RouteInfo[]>;
    for (const s of SERVICES) routes[s] = await routeTable(s, stack.app(s));
    const ctx: MatrixContext = {
      stack,
      world,
      routes,
      markers: new Set(world.markers),
      before: new Map(),
      intruderOwn: new Set(),
    };
    ctx.before = await victimSnapshot(ctx);
    for (const a of ctx.before.values())
      for (const id of a.text.match(GENERATED_ID) ?? []) ctx.markers.add(id);
    const started = stack;
    return {
      ctx,
      async tearDown() {
        await started.stop();
        await shopify.stop();
      },
    };
  } catch (err) {
    // Nothing of a failed setup may outlive it: running consumers would keep jest alive.
    await stack?.stop().catch(() => undefined);
    await shopify.stop().catch(() => undefined);
    throw err;
  }
}

/** Longest one setup step (starting the stack, seeding) may take; seconds alone, minutes under load. */
const SETUP_STEP_MS = 240_000;

async function within<T>(ms: number, what: () => string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`security matrix setup did not finish in ${ms / 1000} s: stopped at ${what()}`)),
      ms,
    );
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The path of a route filled with the victims' records; `missing` names parameters without a fixture. */
export function pathFor(route: RouteInfo, world: World): { path?: string; missing: string[] } {
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const p of route.pathParams) {
    const f =
      PATH_FIXTURES[`${route.service}:${route.operationId}:${p}`] ?? PATH_FIXTURES[`${route.service}:${p}`];
    if (f) values[p] = f(world);
    else missing.push(p);
  }
  return missing.length ? { missing } : { path: fillPath(route.path, values), missing };
}

export function bodyFor(route: RouteInfo, world: World): unknown {
  return BODY_FIXTURES[`${route.service}:${route.operationId}`]?.(world);
}

/** Every GET route with the victims' fixtures, as each victim sees it. */
export async function victimSnapshot(ctx: MatrixContext): Promise<Map<string, Answer>> {
  const out = new Map<string, Answer>();
  for (const s of SERVICES) {
    for (const r of ctx.routes[s]) {
      if (r.method !== 'get' || r.isPublic) continue;
      const { path } = pathFor(r, ctx.world);
      if (!path) continue;
      for (const v of VICTIMS) {
        const res = await request(ctx.stack.app(s))
          .get(path)
          .set('Authorization', await ctx.stack.auth(v));
        out.set(`${v} ${s} ${r.label}`, { status: res.status, text: normalize(res.text) });
      }
    }
  }
  return out;
}

/** An id of the same shape that no record has. */
const madeUp = (id: string, i: number) =>
  `${id.split('_')[0]}_nowhere${i}${'0'.repeat(Math.max(0, id.length - 12))}`.slice(0, id.length);

/** Parts of an answer that change by themselves (clocks, rates), not through anyone's request. */
function normalize(text: string): string {
  return (
    text
      .replace(/"correlationId":"[^"]*"/g, '"correlationId":"…"')
      // A merge preview's ETag ends in a digest of the ids the request named (made-up ids give
      // another digest); its versions, where another account's record would show, stay compared.
      .replace(/(merge\.[\d-]+)\.[0-9a-f]{16}/g, '$1.…')
      .replace(/"(rowsPerSecond|etaSeconds|durationSeconds|lastSeenAt)":[^,}]*/g, '"$1":"…"')
  );
}

/** The victims' strings an answer carries that the request did not send itself. */
export function leaks(ctx: MatrixContext, answer: string, sent: string): string[] {
  return [...ctx.markers].filter((m) => answer.includes(m) && !sent.includes(m) && !ctx.intruderOwn.has(m));
}

/**
 * The intruder B (an admin of its own account) against every /v1 route of one service, reads
 * (GET) or writes (the rest):
 *  - a route naming a victim's record in its path answers 404 or 403;
 *  - a body naming a victim's record is refused (4xx);
 *  - no answer carries a victim's record, whatever the filters (victims' ids, emails as filters);
 *  - a public (signed webhook) route refuses an unsigned call for a victim's store;
 *  - nothing answers 5xx.
 */
export async function intruderPass(
  ctx: MatrixContext,
  service: ServiceName,
  phase: 'reads' | 'writes',
): Promise<string[]> {
  const failures: string[] = [];
  const app = ctx.stack.app(service);
  const auth = await ctx.stack.auth(B);
  for (const r of ctx.routes[service]) {
    if ((r.method === 'get') !== (phase === 'reads')) continue;
    const where = `${service} ${r.label}`;
    const { path, missing } = pathFor(r, ctx.world);
    if (!path) {
      failures.push(
        `${where}: no tenant-isolation fixture for path parameter(s) ${missing.map((m) => `:${m}`).join(', ')}; add one to PATH_FIXTURES in test/e2e/security/fixtures.ts`,
      );
      continue;
    }
    const body = bodyFor(r, ctx.world);
    if (r.hasBody && r.pathParams.length && body === undefined && !r.isPublic) {
      failures.push(
        `${where}: no body fixture ("${service}:${r.operationId}" in BODY_FIXTURES, test/e2e/security/fixtures.ts): without a valid body the check stops at validation and proves nothing`,
      );
      continue;
    }
    if (r.isPublic) {
      const res = await request(app)[r.method](path).set('Content-Type', 'application/json').send('{"id":1}');
      // A route whose secret is its URL token (Mailchimp's webhook) answers an unknown token 404.
      const refused = TOKEN_IN_URL.has(`${service}:${r.operationId}`) ? [404] : [401];
      if (!refused.includes(res.status))
        failures.push(
          `${where}: an unsigned call for a victim's record answered ${res.status}, not ${refused.join('/')}`,
        );
      continue;
    }
    const queries: Array<Record<string, string>> = [{}];
    if (r.method === 'get')
      for (const q of r.query) {
        const f = QUERY_FIXTURES[q.name];
        if (f) queries.push({ [q.name]: f(ctx.world) });
      }
    for (const query of queries) {
      let req = request(app)[r.method](path).query(query).set('Authorization', auth);
      if (body !== undefined) req = req.send(body as object);
      const res = await req;
      const sent = `${path} ${JSON.stringify(query)} ${JSON.stringify(body ?? null)}`;
      const label = `${where}${Object.keys(query).length ? ` ?${new URLSearchParams(query).toString()}` : ''}`;
      const namesVictim = r.pathParams.length > 0;
      const bodyText = JSON.stringify(body ?? null);
      const bodyNamesVictim = [...ctx.markers].some((m) => bodyText.includes(m) && !PERSONAL.includes(m));
      if (res.status >= 500) failures.push(`${label}: answered ${res.status}`);
      else if (namesVictim && ![403, 404].includes(res.status))
        failures.push(`${label}: another account's record answered ${res.status}, not 404/403`);
      else if (bodyNamesVictim && res.status < 400) {
        // A 2xx is acceptable only as the answer for records that exist nowhere (a merge preview
        // listing "not found" blockers): the same body with made-up ids must answer the same.
        const victimIds = [...ctx.markers].filter((m) => bodyText.includes(m) && !PERSONAL.includes(m));
        let nowhere = bodyText;
        victimIds.forEach((id, i) => (nowhere = nowhere.split(id).join(madeUp(id, i))));
        const again = await request(app)[r.method](path).set('Authorization', auth).send(JSON.parse(nowhere));
        let expected = again.text;
        victimIds.forEach((id, i) => (expected = expected.split(madeUp(id, i)).join(id)));
        if (again.status !== res.status || normalize(expected) !== normalize(res.text))
          failures.push(
            `${label}: a body naming another account's record answered ${res.status}, not 4xx, and not as for records that do not exist (${again.status})`,
          );
      }
      const leaked = leaks(ctx, res.text, sent);
      if (leaked.length) failures.push(`${label}: the answer carries another account's ${leaked.join(', ')}`);
      // What the intruder stored in its own records (a buyer email it shares with a victim) is its own.
      if (res.status < 300 && r.method !== 'get')
        for (const m of PERSONAL) if (bodyText.includes(m)) ctx.intruderOwn.add(m);
    }
  }
  return failures;
}

/**
 * The matrix proves something only if the victims' own requests reach their records: each list of
 * records shows one to some victim, each record route answers 2xx to its owner.
 */
export function vacuityProblems(ctx: MatrixContext): string[] {
  const problems: string[] = [];
  for (const s of SERVICES) {
    for (const r of ctx.routes[s]) {
      if (r.method !== 'get' || r.isPublic) continue;
      const key = `${s}:${r.operationId}`;
      const answers = VICTIMS.map((v) => ctx.before.get(`${v} ${s} ${r.label}`)).filter(
        (a): a is Answer => a !== undefined,
      );
      if (answers.length === 0) continue; // no fixture: intruderPass names it
      if (r.pathParams.length) {
        if (!answers.some((a) => a.status < 300) && !NOT_READABLE_BY_OWNER[key])
          problems.push(
            `${s} ${r.label}: no victim reads its fixture record (${answers.map((a) => a.status).join('/')}); fix PATH_FIXTURES or list it in NOT_READABLE_BY_OWNER with why`,
          );
      } else if (!NO_RECORDS[key] && !answers.some((a) => leaks(ctx, a.text, '').length > 0)) {
        problems.push(
          `${s} ${r.label}: no victim's answer lists a record, so the isolation check proves nothing; seed what it lists in tenant-world.ts or add it to NO_RECORDS with why`,
        );
      }
    }
  }
  return problems;
}

/** What differs in the victims' view since the snapshot: the intruder changed something of theirs. */
export async function changedForVictims(ctx: MatrixContext): Promise<string[]> {
  // B's manual order with A's buyer email must have been worked through before comparing.
  await waitFor(
    async () => {
      const res = await request(ctx.stack.app('customer-service'))
        .get('/v1/customers')
        .query({ email: A_BUYER.email })
        .set('Authorization', await ctx.stack.auth(B));
      return res.body.customers?.length > 0;
    },
    { timeoutMs: 30000, what: "B's own customer made from its order" },
  );
  const after = await victimSnapshot(ctx);
  const changed: string[] = [];
  for (const [k, a] of ctx.before) {
    const b = after.get(k);
    if (!b || b.status !== a.status || b.text !== a.text)
      changed.push(`${k}: ${a.status} ${a.text.slice(0, 300)}\n  → ${b?.status} ${b?.text.slice(0, 300)}`);
  }
  return changed;
}
