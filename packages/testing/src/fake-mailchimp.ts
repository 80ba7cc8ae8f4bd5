import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for Mailchimp's Marketing API v3 (issue #19), as far as the sync uses it:
 * basic auth with the API key, GET /3.0/ping and /3.0/lists/{id}, member upsert (PUT), update
 * (PATCH), archive (DELETE), tags, delete-permanent, and batch operations (POST /3.0/batches,
 * applied at once, then GET /3.0/batches/{id} answers `finished` with a `response_body_url`: a
 * tar.gz of JSON result files, as Mailchimp's). Error bodies are Mailchimp's problem documents.
 * Faults on demand: 429 or 500 for the next n calls, 500 for the next n operations inside
 * batches, a full outage.
 */

export interface FakeMember {
  email_address: string;
  status: string;
  merge_fields: Record<string, unknown>;
  tags: string[];
  /** How many PUTs and PATCHes reached this member. */
  writes: number;
}

export interface FakeMailchimpRequest {
  method: string;
  path: string;
  status: number;
  body: unknown;
}

export interface FakeMailchimpFaults {
  /** The next n calls answer 429 (with Retry-After: 0). */
  throttle?: number;
  /** The next n calls answer 500. */
  fail?: number;
  /** Every call answers 503 until cleared. */
  down?: boolean;
  /** The next n operations inside batch operations answer 500 (the batch itself finishes). */
  failOps?: number;
  /** The results archive answers 404 (expired). */
  resultsGone?: boolean;
}

const problem = (status: number, title: string, detail: string) => ({
  type: 'https://mailchimp.com/developer/marketing/docs/errors/',
  title,
  status,
  detail,
  instance: '',
});

/** Mailchimp's refusal of an address it finds invalid (on a PUT, and on a PATCH that moves a member). */
function invalidAddress(email: string): { status: number; out: unknown } | null {
  if (/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) return null;
  return {
    status: 400,
    out: problem(
      400,
      'Invalid Resource',
      `${email} looks fake or invalid, please enter a real email address.`,
    ),
  };
}

export class FakeMailchimp {
  private readonly server: Server;
  readonly requests: FakeMailchimpRequest[] = [];
  /** audience id → subscriber hash → member */
  readonly audiences = new Map<string, Map<string, FakeMember>>();
  /** Hashes deleted permanently, per audience. */
  readonly deleted = new Map<string, Set<string>>();
  readonly batches: Array<{ id: string; operations: number; errored: number }> = [];
  /** Every operation applied inside a batch, with its answer. */
  readonly batchOps: Array<{ batch: string; method: string; path: string; status: number }> = [];
  private readonly results = new Map<string, Buffer>();
  faults: FakeMailchimpFaults = {};
  /** Most calls in flight at once, to check the client's connection limit. */
  maxInFlight = 0;
  private inFlight = 0;
  url = '';

  constructor(
    public apiKey: string,
    audienceIds: string[] = ['aud1'],
  ) {
    for (const a of audienceIds) this.audiences.set(a, new Map());
    this.server = createServer((req, res) => void this.dispatch(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  member(audienceId: string, hash: string): FakeMember | undefined {
    return this.audiences.get(audienceId)?.get(hash);
  }

  members(audienceId: string): FakeMember[] {
    return [...(this.audiences.get(audienceId)?.values() ?? [])];
  }

  /** What a person does in Mailchimp's profile form: the member now lives under the new address. */
  changeEmail(audienceId: string, oldEmail: string, newEmail: string): void {
    const list = this.audiences.get(audienceId)!;
    const hashOf = (e: string) => createHash('md5').update(e.trim().toLowerCase()).digest('hex');
    const have = list.get(hashOf(oldEmail));
    if (!have) throw new Error(`no member ${oldEmail}`);
    list.delete(hashOf(oldEmail));
    list.set(hashOf(newEmail), { ...have, email_address: newEmail });
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse) {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    const path = (req.url ?? '/').split('?')[0]!;
    const method = req.method ?? 'GET';
    const archive = /^\/batch-results\/([^/]+)\.tar\.gz$/.exec(path);
    if (archive) {
      // A pre-signed download: no key.
      this.inFlight--;
      const data = this.faults.resultsGone ? undefined : this.results.get(archive[1]!);
      res.writeHead(data ? 200 : 404, { 'content-type': 'application/x-gzip' });
      res.end(data ?? '');
      return;
    }
    // A little latency, so that concurrency shows.
    await new Promise((r) => setTimeout(r, 2));
    const { status, out, headers } = this.answer(method, path, body, req.headers.authorization ?? '');
    this.requests.push({ method, path, status, body });
    this.inFlight--;
    res.writeHead(status, { 'content-type': 'application/problem+json', ...(headers ?? {}) });
    res.end(out === undefined ? '' : JSON.stringify(out));
  }

  private answer(
    method: string,
    path: string,
    body: unknown,
    auth: string,
  ): { status: number; out?: unknown; headers?: Record<string, string> } {
    if (this.faults.down)
      return { status: 503, out: problem(503, 'Service Unavailable', 'Down for maintenance') };
    if (this.faults.throttle) {
      this.faults.throttle--;
      return {
        status: 429,
        out: problem(429, 'Too Many Requests', 'You have exceeded the limit of 10 simultaneous connections.'),
        headers: { 'retry-after': '0' },
      };
    }
    if (this.faults.fail) {
      this.faults.fail--;
      return {
        status: 500,
        out: problem(500, 'Internal Server Error', 'An unexpected internal error has occurred.'),
      };
    }
    const key = auth.startsWith('Basic ')
      ? Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':')[1]
      : '';
    if (key !== this.apiKey)
      return {
        status: 401,
        out: problem(
          401,
          'API Key Invalid',
          "Your API key may be invalid, or you've attempted to access the wrong datacenter.",
        ),
      };
    if (method === 'GET' && path === '/3.0/ping')
      return { status: 200, out: { health_status: "Everything's Chimpy!" } };
    if (method === 'POST' && path === '/3.0/batches') return this.batch(body);
    const batch = /^\/3\.0\/batches\/([^/]+)$/.exec(path);
    if (method === 'GET' && batch) {
      const b = this.batches.find((x) => x.id === batch[1]);
      if (!b)
        return {
          status: 404,
          out: problem(404, 'Resource Not Found', 'The requested resource could not be found.'),
        };
      return {
        status: 200,
        out: {
          id: b.id,
          status: 'finished',
          total_operations: b.operations,
          finished_operations: b.operations,
          errored_operations: b.errored,
          response_body_url: `${this.url}/batch-results/${b.id}.tar.gz`,
        },
      };
    }
    return this.memberCall(method, path.replace(/^\/3\.0/, ''), body);
  }

  private batch(body: unknown) {
    const ops = ((body as { operations?: unknown[] })?.operations ?? []) as Array<{
      method: string;
      path: string;
      body?: string;
      operation_id?: string;
    }>;
    const id = `batch${this.batches.length + 1}`;
    let errored = 0;
    const answers: Array<{ status_code: number; operation_id: string | null; response: string }> = [];
    for (const op of ops) {
      let r: { status: number; out?: unknown };
      if (this.faults.failOps) {
        this.faults.failOps--;
        r = {
          status: 500,
          out: problem(500, 'Internal Server Error', 'An unexpected internal error has occurred.'),
        };
      } else r = this.memberCall(op.method, op.path, op.body ? JSON.parse(op.body) : null);
      if (r.status >= 400) errored++;
      this.batchOps.push({ batch: id, method: op.method, path: op.path, status: r.status });
      answers.push({
        status_code: r.status,
        operation_id: op.operation_id ?? null,
        response: r.out === undefined ? '' : JSON.stringify(r.out),
      });
    }
    // Mailchimp splits the results over several files; two here, to read them all.
    const half = Math.ceil(answers.length / 2);
    this.results.set(
      id,
      tarGz([
        { name: `${id}/0.json`, data: Buffer.from(JSON.stringify(answers.slice(0, half))) },
        { name: `${id}/1.json`, data: Buffer.from(JSON.stringify(answers.slice(half))) },
      ]),
    );
    this.batches.push({ id, operations: ops.length, errored });
    return { status: 200, out: { id, status: 'pending', total_operations: ops.length } };
  }

  /** `/lists/{id}[/members/{hash}[/tags | /actions/delete-permanent]]`, without the /3.0 prefix. */
  private memberCall(method: string, path: string, body: unknown): { status: number; out?: unknown } {
    const m = /^\/lists\/([^/]+)(?:\/members\/([0-9a-f]{32})(\/tags|\/actions\/delete-permanent)?)?$/.exec(
      path,
    );
    const list = m ? this.audiences.get(decodeURIComponent(m[1]!)) : undefined;
    if (!m || !list)
      return {
        status: 404,
        out: problem(404, 'Resource Not Found', 'The requested resource could not be found.'),
      };
    const [, audienceId, hash, sub] = m;
    if (!hash) {
      if (method === 'GET') return { status: 200, out: { id: audienceId, name: `Audience ${audienceId}` } };
      return { status: 405, out: problem(405, 'Method Not Allowed', '') };
    }
    const have = list.get(hash);
    const b = (body ?? {}) as Record<string, unknown>;
    if (sub === '/actions/delete-permanent' && method === 'POST') {
      if (!have)
        return {
          status: 404,
          out: problem(404, 'Resource Not Found', 'The requested resource could not be found.'),
        };
      list.delete(hash);
      if (!this.deleted.has(audienceId!)) this.deleted.set(audienceId!, new Set());
      this.deleted.get(audienceId!)!.add(hash);
      return { status: 204 };
    }
    if (sub === '/tags' && method === 'POST') {
      if (!have)
        return {
          status: 404,
          out: problem(404, 'Resource Not Found', 'The requested resource could not be found.'),
        };
      for (const t of (b.tags ?? []) as Array<{ name: string; status: string }>) {
        if (t.status === 'active' && !have.tags.includes(t.name)) have.tags.push(t.name);
        if (t.status === 'inactive') have.tags = have.tags.filter((x) => x !== t.name);
      }
      return { status: 204 };
    }
    if (method === 'PUT') {
      const email = String(b.email_address ?? '');
      const invalid = invalidAddress(email);
      if (invalid) return invalid;
      const status =
        (b.status as string | undefined) ?? (have ? have.status : String(b.status_if_new ?? 'subscribed'));
      const next: FakeMember = {
        email_address: email,
        status,
        merge_fields: {
          ...(have?.merge_fields ?? {}),
          ...((b.merge_fields as Record<string, unknown>) ?? {}),
        },
        tags: have?.tags ?? [],
        writes: (have?.writes ?? 0) + 1,
      };
      list.set(hash, next);
      return { status: 200, out: { id: hash, ...next } };
    }
    if (method === 'PATCH') {
      if (!have)
        return {
          status: 404,
          out: problem(404, 'Resource Not Found', 'The requested resource could not be found.'),
        };
      const email = typeof b.email_address === 'string' ? b.email_address : have.email_address;
      // As Mailchimp: a new address is checked as a PUT checks it (the member stays where it was).
      const invalid = invalidAddress(email);
      if (invalid) return invalid;
      const moved = {
        ...have,
        email_address: email,
        status: (b.status as string) ?? have.status,
        merge_fields: { ...have.merge_fields, ...((b.merge_fields as Record<string, unknown>) ?? {}) },
        writes: have.writes + 1,
      };
      list.delete(hash);
      const newHash = createHash('md5').update(email.toLowerCase()).digest('hex');
      if (list.has(newHash) && newHash !== hash) {
        list.set(hash, have);
        return { status: 400, out: problem(400, 'Member Exists', `${email} is already a list member.`) };
      }
      list.set(newHash, moved);
      return { status: 200, out: { id: newHash, ...moved } };
    }
    if (method === 'DELETE') {
      if (!have)
        return {
          status: 404,
          out: problem(404, 'Resource Not Found', 'The requested resource could not be found.'),
        };
      have.status = 'archived';
      return { status: 204 };
    }
    if (method === 'GET') {
      if (!have)
        return {
          status: 404,
          out: problem(404, 'Resource Not Found', 'The requested resource could not be found.'),
        };
      return { status: 200, out: { id: hash, ...have } };
    }
    return { status: 405, out: problem(405, 'Method Not Allowed', '') };
  }
}

/** A gzipped ustar archive of regular files (what Mailchimp's results download is). */
function tarGz(files: Array<{ name: string; data: Buffer }>): Buffer {
  const blocks: Buffer[] = [];
  for (const f of files) {
    const h = Buffer.alloc(512);
    h.write(f.name, 0, 100, 'utf8');
    h.write('0000644\0', 100, 'ascii');
    h.write('0000000\0', 108, 'ascii');
    h.write('0000000\0', 116, 'ascii');
    h.write(`${f.data.length.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
    h.write(
      `${Math.floor(Date.now() / 1000)
        .toString(8)
        .padStart(11, '0')}\0`,
      136,
      'ascii',
    );
    h.write('        ', 148, 'ascii');
    h.write('0', 156, 'ascii');
    h.write('ustar\0', 257, 'ascii');
    h.write('00', 263, 'ascii');
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
    blocks.push(h, f.data, Buffer.alloc((512 - (f.data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}
