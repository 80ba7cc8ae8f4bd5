import type { MemberOp } from '../../domain/mailchimp';
import {
  MailchimpRefused,
  MailchimpUnavailable,
  type BatchFailure,
  type MailchimpAccess,
  type MailchimpApi,
} from '../../app/mailchimp/ports';
import { readBatchResults, responseDetail, type BatchOperationResult } from './batch-results';

export interface MailchimpClientOptions {
  /** Mailchimp allows 10 simultaneous connections per key. */
  maxConnections?: number;
  /** Attempts per call on 429, 5xx and network errors (then MailchimpUnavailable). */
  maxAttempts?: number;
  /** First backoff; doubles each attempt (a Retry-After header wins when longer). */
  backoffMs?: number;
  /** Poll interval while a batch operation runs. */
  batchPollMs?: number;
  /** How long a batch operation may take before the drain gives up (its rows are retried). */
  batchTimeoutMs?: number;
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A counting semaphore: at most `n` calls in flight per API key. */
class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly n: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.n) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

interface Call {
  method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
}

/** An operation of a batch: the same calls, as Mailchimp's batch format wants them. */
function callsOf(audienceId: string, op: MemberOp): Call[] {
  const members = `/3.0/lists/${encodeURIComponent(audienceId)}/members`;
  switch (op.kind) {
    case 'upsert': {
      const calls: Call[] = [{ method: 'PUT', path: `${members}/${op.hash}`, body: op.body }];
      if (op.tags.length > 0)
        calls.push({
          method: 'POST',
          path: `${members}/${op.hash}/tags`,
          body: { tags: op.tags.map((name) => ({ name, status: 'active' })) },
        });
      return calls;
    }
    case 'update': {
      const calls: Call[] = [{ method: 'PATCH', path: `${members}/${op.hash}`, body: op.body }];
      if (op.tags.length > 0)
        calls.push({
          method: 'POST',
          path: `${members}/${op.hash}/tags`,
          body: { tags: op.tags.map((name) => ({ name, status: 'active' })) },
        });
      return calls;
    }
    case 'move':
      return [{ method: 'PATCH', path: `${members}/${op.fromHash}`, body: { email_address: op.toEmail } }];
    case 'archive':
      return [{ method: 'DELETE', path: `${members}/${op.hash}` }];
    case 'delete-permanent':
      return [{ method: 'POST', path: `${members}/${op.hash}/actions/delete-permanent` }];
  }
}

/** Mailchimp Marketing API v3 over fetch: limited connections, 429/5xx retried with backoff. */
export function createMailchimpClient(opts: MailchimpClientOptions = {}): MailchimpApi {
  const maxAttempts = opts.maxAttempts ?? 5;
  const backoffMs = opts.backoffMs ?? 500;
  const sleep = opts.sleep ?? defaultSleep;
  const limiters = new Map<string, Limiter>();
  const limiterOf = (key: string) => {
    let l = limiters.get(key);
    if (!l) limiters.set(key, (l = new Limiter(opts.maxConnections ?? 10)));
    return l;
  };

  /** The results archive (a pre-signed URL, no key): retried like a call. */
  async function download(url: string): Promise<Buffer> {
    if (!url) throw new Error('Mailchimp gave no results archive');
    let problem = '';
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000) });
        if (res.ok) return Buffer.from(await res.arrayBuffer());
        problem = `results archive answered ${res.status}`;
        if (res.status < 500 && res.status !== 429) break;
      } catch (err) {
        problem = `results archive could not be read: ${(err as Error).message}`;
      }
      if (attempt < maxAttempts) await sleep(backoffMs * 2 ** (attempt - 1));
    }
    throw new Error(problem);
  }

  async function send(access: MailchimpAccess, call: Call): Promise<{ status: number; body: unknown }> {
    const url = `${access.baseUrl.replace(/\/$/, '')}${call.path}`;
    const auth = `Basic ${Buffer.from(`anystring:${access.apiKey}`).toString('base64')}`;
    let lastProblem = '';
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      let retryAfterMs = 0;
      try {
        const res = await limiterOf(access.apiKey).run(() =>
          fetch(url, {
            method: call.method,
            headers: { authorization: auth, 'content-type': 'application/json' },
            body: call.body === undefined ? undefined : JSON.stringify(call.body),
            signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
          }),
        );
        const text = await res.text();
        let body: unknown = null;
        try {
          body = text ? JSON.parse(text) : null;
        } catch {
          body = text;
        }
        if (res.status < 400) return { status: res.status, body };
        const detail = problemDetail(body) ?? res.statusText;
        if (res.status !== 429 && res.status < 500) throw new MailchimpRefused(res.status, detail);
        lastProblem = `Mailchimp answered ${res.status}: ${detail}`;
        const ra = Number(res.headers.get('retry-after'));
        if (Number.isFinite(ra) && ra > 0) retryAfterMs = ra * 1000;
      } catch (err) {
        if (err instanceof MailchimpRefused) throw err;
        lastProblem = `Mailchimp could not be reached: ${(err as Error).message}`;
      }
      if (attempt < maxAttempts) await sleep(Math.max(retryAfterMs, backoffMs * 2 ** (attempt - 1)));
    }
    throw new MailchimpUnavailable(lastProblem);
  }

  return {
    async checkAudience(access, audienceId) {
      const res = await send(access, {
        method: 'GET',
        path: `/3.0/lists/${encodeURIComponent(audienceId)}?fields=id,name`,
      });
      return { name: String((res.body as { name?: unknown })?.name ?? '') };
    },

    async apply(access, audienceId, ops) {
      for (const op of ops) {
        for (const call of callsOf(audienceId, op)) {
          try {
            await send(access, call);
          } catch (err) {
            // The old address may be gone (or the new one already a member): archive the old one instead.
            if (op.kind === 'move' && err instanceof MailchimpRefused) {
              await send(access, { method: 'DELETE', path: call.path }).catch((e: unknown) => {
                if (!(e instanceof MailchimpRefused && e.status === 404)) throw e;
              });
              continue;
            }
            // Deleting a member that is not there has nothing left to do.
            if (op.kind === 'delete-permanent' && err instanceof MailchimpRefused && err.status === 404)
              continue;
            throw err;
          }
        }
      }
    },

    async applyBatch(access, audienceId, members) {
      // Each call gets an operation id, to find the member and the call again in the results.
      const calls = new Map<string, { member: string; op: MemberOp; call: Call }>();
      const operations = members.flatMap((m) =>
        m.ops.flatMap((op) =>
          callsOf(audienceId, op).map((c) => {
            const operation_id = `op${calls.size}`;
            calls.set(operation_id, { member: m.id, op, call: c });
            return {
              method: c.method,
              path: c.path.replace(/^\/3\.0/, ''),
              operation_id,
              ...(c.body === undefined ? {} : { body: JSON.stringify(c.body) }),
            };
          }),
        ),
      );
      const started = await send(access, { method: 'POST', path: '/3.0/batches', body: { operations } });
      const id = String((started.body as { id?: unknown }).id ?? '');
      const deadline = Date.now() + (opts.batchTimeoutMs ?? 30 * 60_000);
      let b: {
        status?: string;
        errored_operations?: number;
        total_operations?: number;
        response_body_url?: string;
      };
      for (;;) {
        b = (await send(access, { method: 'GET', path: `/3.0/batches/${encodeURIComponent(id)}` }))
          .body as typeof b;
        if (b.status === 'finished') break;
        if (Date.now() > deadline)
          throw new MailchimpUnavailable(`Mailchimp batch ${id} did not finish in time`);
        await sleep(opts.batchPollMs ?? 2000);
      }
      const total = b.total_operations ?? operations.length;
      const failed = b.errored_operations ?? 0;
      if (failed === 0) return { total, failed, failures: new Map() };
      let results: BatchOperationResult[];
      try {
        results = readBatchResults(await download(String(b.response_body_url ?? '')));
      } catch (err) {
        return { total, failed, failures: null, unreadable: (err as Error).message };
      }
      const errored = results.filter((r) => r.status_code >= 400);
      if (errored.length < failed)
        // Results without their operations cannot say which members failed: all are sent again.
        return {
          total,
          failed,
          failures: null,
          unreadable: `the results archive lists ${errored.length} of ${failed} failed operations`,
        };
      const found: Array<{ member: string } & BatchFailure> = [];
      const refusedMoves: Array<{ member: string; path: string }> = [];
      for (const r of errored) {
        const sent = r.operation_id ? calls.get(r.operation_id) : undefined;
        if (!sent) continue;
        const retryable = r.status_code === 429 || r.status_code >= 500;
        // As apply does: a refused move archives the old member; a member already gone is deleted.
        if (!retryable && sent.op.kind === 'move')
          refusedMoves.push({ member: sent.member, path: sent.call.path });
        else if (!(sent.op.kind === 'delete-permanent' && r.status_code === 404))
          found.push({ member: sent.member, status: r.status_code, detail: responseDetail(r.response) });
      }
      // The archive calls run at once, within the key's connection limit.
      await Promise.all(
        refusedMoves.map(async (m) => {
          try {
            await send(access, { method: 'DELETE', path: m.path });
          } catch (err) {
            if (err instanceof MailchimpRefused && err.status === 404) return;
            found.push(
              err instanceof MailchimpRefused
                ? { member: m.member, status: err.status, detail: err.detail }
                : { member: m.member, status: 503, detail: (err as Error).message },
            );
          }
        }),
      );
      const failures = new Map<string, BatchFailure>();
      const retryable = (f: BatchFailure) => f.status === 429 || f.status >= 500;
      for (const f of found) {
        const have = failures.get(f.member);
        if (!have || (retryable(f) && !retryable(have)))
          failures.set(f.member, { status: f.status, detail: f.detail });
      }
      return { total, failed, failures };
    },
  };
}

/** Mailchimp's problem documents: `{title, status, detail}`. */
function problemDetail(body: unknown): string | null {
  if (!body || typeof body !== 'object') return typeof body === 'string' && body ? body.slice(0, 300) : null;
  const b = body as { title?: unknown; detail?: unknown };
  const parts = [b.title, b.detail].filter((x): x is string => typeof x === 'string' && x.length > 0);
  return parts.length ? parts.join(': ').slice(0, 300) : null;
}
