#!/usr/bin/env node
import { openAsBlob } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { LOCAL_DEV_SECRET, signDevToken } from '@crp/platform/auth';

/**
 * `npm run import -- customers <file.csv> --account acme [--dry-run] [--mapping m.json]`: uploads a
 * CSV to csv-import-service, shows a progress bar (rows, rate, ETA) until the job ends, prints the
 * counts and where the error report is. Exit code 0 when the job completed, 1 when it failed or was
 * cancelled, 2 when the command or the upload was refused.
 */

const USAGE = `usage: npm run import -- <customers|orders> <file.csv> --account <id> [options]

  --dry-run              customers: report what would change, change nothing
  --mapping <m.json>     {"CSV header": "field" | ["field", …] | null}
  --encoding <name>      utf-8, windows-1252, iso-8859-1, iso-8859-15 (detected when absent)
  --delimiter <d>        , ; tab | (detected when absent)
  --store <storeId>      orders: the store (default the manual store)
  --date-order <o>       orders: iso (default), mdy or dmy for dates like 03/04/2026
  --errors-out <path>    save the error report there
  --url <url>            csv-import-service (default $CSV_IMPORT_URL or http://127.0.0.1:3003)
  --token <jwt>          bearer token (default $CRP_TOKEN, else one signed locally for --account
                         with $AUTH_JWT_SECRET or the local development secret)
  --interval <ms>        how often to ask for progress (default 500)`;

interface Job {
  jobId: string;
  status: string;
  dryRun: boolean;
  totalRows: number | null;
  processedRows: number;
  counts: Record<'created' | 'updated' | 'unchanged' | 'rejected', number>;
  warnings: string[];
  error: string | null;
  ignoredColumns: Array<{ header: string; reason: string }>;
  format: { encoding: string; delimiter: string; profile: string };
  progress: {
    estimatedTotalRows: number | null;
    rowsPerSecond: number | null;
    etaSeconds: number | null;
    percent: number;
  };
  timings: { durationSeconds: number | null };
}

const out = (s: string) => process.stdout.write(`${s}\n`);
const err = (s: string) => process.stderr.write(`${s}\n`);

function fail(message: string, code = 2): never {
  err(message);
  process.exit(code);
}

function eta(seconds: number | null): string {
  if (seconds === null) return '–';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h ? `${h}h${String(m).padStart(2, '0')}m` : `${m}:${String(r).padStart(2, '0')}`;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      account: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      mapping: { type: 'string' },
      encoding: { type: 'string' },
      delimiter: { type: 'string' },
      store: { type: 'string' },
      'date-order': { type: 'string' },
      'errors-out': { type: 'string' },
      url: { type: 'string' },
      token: { type: 'string' },
      interval: { type: 'string', default: '500' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const [kind, file] = positionals;
  if (!kind || !['customers', 'orders'].includes(kind) || !file) fail(USAGE);
  if (!values.account && !values.token && !process.env.CRP_TOKEN) fail(`--account is required\n\n${USAGE}`);
  const size = await stat(file).then(
    (s) => s.size,
    () => fail(`cannot read ${file}`),
  );
  const base = (values.url ?? process.env.CSV_IMPORT_URL ?? 'http://127.0.0.1:3003').replace(/\/+$/, '');
  const token =
    values.token ??
    process.env.CRP_TOKEN ??
    (await signDevToken(process.env.AUTH_JWT_SECRET ?? LOCAL_DEV_SECRET, {
      accountId: values.account!,
      role: 'admin',
      sub: `cli@${values.account}`,
    }));
  const auth = { Authorization: `Bearer ${token}` };

  const form = new FormData();
  form.append('kind', kind);
  if (values['dry-run']) form.append('dryRun', 'true');
  if (values.mapping)
    form.append(
      'mapping',
      await readFile(values.mapping, 'utf8').catch(() => fail(`cannot read ${values.mapping}`)),
    );
  if (values.encoding) form.append('encoding', values.encoding);
  if (values.delimiter) form.append('delimiter', values.delimiter);
  if (values.store) form.append('storeId', values.store);
  if (values['date-order']) form.append('dateOrder', values['date-order']);
  // A file-backed Blob: the upload streams from disk, whatever the file's size.
  form.append('file', await openAsBlob(file), basename(file));

  err(`uploading ${file} (${(size / 1e6).toFixed(1)} MB) to ${base} …`);
  const res = await fetch(`${base}/v1/imports`, { method: 'POST', body: form, headers: auth }).catch(
    (e: Error) => fail(`cannot reach csv-import-service at ${base}: ${e.message}`),
  );
  const body = (await res.json().catch(() => ({}))) as unknown;
  if (res.status !== 202) {
    const e = (body as { error?: { code?: string; message?: string } }).error;
    fail(`upload refused (${res.status} ${e?.code ?? ''}): ${e?.message ?? res.statusText}`);
  }
  let job = body as Job;
  err(
    `job ${job.jobId}: ${job.format.encoding}, delimiter "${job.format.delimiter}", ${job.format.profile} columns`,
  );
  for (const c of job.ignoredColumns) err(`  ignored column "${c.header}": ${c.reason}`);
  for (const w of job.warnings) err(`  warning: ${w}`);

  const tty = Boolean(process.stderr.isTTY);
  const bar = new SingleBar({
    stream: process.stderr,
    format: ' {bar} {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {etaText}',
    barsize: 30,
    hideCursor: true,
    noTTYOutput: false,
  });
  if (tty) bar.start(job.progress.estimatedTotalRows ?? 0, 0, { rate: '–', etaText: '–' });
  let lastLine = 0;
  const interval = Math.max(100, Number(values.interval) || 500);
  while (!['completed', 'failed', 'cancelled'].includes(job.status)) {
    await new Promise((r) => setTimeout(r, interval));
    const poll = await fetch(`${base}/v1/imports/${job.jobId}`, { headers: auth }).catch(() => null);
    if (!poll || poll.status !== 200) continue; // the service restarts: keep asking
    job = (await poll.json()) as Job;
    const p = job.progress;
    const rate = p.rowsPerSecond === null ? '–' : String(p.rowsPerSecond);
    if (tty) {
      bar.setTotal(job.totalRows ?? p.estimatedTotalRows ?? 0);
      bar.update(job.processedRows, { rate, etaText: eta(p.etaSeconds) });
    } else if (Date.now() - lastLine > 2000) {
      lastLine = Date.now();
      err(
        `  ${job.status} ${job.processedRows}/${job.totalRows ?? `~${p.estimatedTotalRows ?? '?'}`} rows (${p.percent}%), ${rate} rows/s, ETA ${eta(p.etaSeconds)}`,
      );
    }
  }
  if (tty) bar.stop();

  const c = job.counts;
  out(
    `${job.dryRun ? 'dry run ' : ''}${job.status}: ${job.processedRows} rows in ${job.timings.durationSeconds ?? '?'} s`,
  );
  out(
    `  ${job.dryRun ? 'would create' : 'created'} ${c.created}, ${job.dryRun ? 'would update' : 'updated'} ${c.updated}, unchanged ${c.unchanged}, rejected ${c.rejected}`,
  );
  for (const w of job.warnings) out(`  warning: ${w}`);
  if (job.error) out(`  error: ${job.error}`);
  if (c.rejected > 0) {
    const url = `${base}/v1/imports/${job.jobId}/errors.csv`;
    if (values['errors-out']) {
      const report = await fetch(url, { headers: auth });
      await writeFile(values['errors-out'], Buffer.from(await report.arrayBuffer()));
      out(`  error report: ${values['errors-out']} (${url})`);
    } else out(`  error report: ${url}`);
  }
  if (job.dryRun) {
    out(
      `  preview: ${base}/v1/imports/${job.jobId}/preview (JSON) or ${base}/v1/imports/${job.jobId}/preview.csv`,
    );
    out(
      `  import it for real: curl -X POST -H "Authorization: Bearer $TOKEN" ${base}/v1/imports/${job.jobId}/apply`,
    );
  }
  return job.status === 'completed' ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => fail(`import failed: ${e instanceof Error ? e.message : String(e)}`, 1),
);
