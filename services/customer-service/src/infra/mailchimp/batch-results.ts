import { gunzipSync } from 'node:zlib';

/** One operation's answer in a batch operation's results archive. */
export interface BatchOperationResult {
  status_code: number;
  operation_id: string | null;
  /** Mailchimp's answer body, as a JSON string. */
  response: string;
}

/**
 * Mailchimp's batch results (`response_body_url`): a gzipped tar of JSON files, each an array of
 * `{status_code, operation_id, response}`. Read with a minimal ustar reader (regular files only).
 */
export function readBatchResults(archive: Buffer): BatchOperationResult[] {
  const tar = gunzipSync(archive);
  const out: BatchOperationResult[] = [];
  for (let at = 0; at + 512 <= tar.length;) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(header.subarray(124, 136).toString('ascii').replace(/\0.*$/s, '').trim() || '0', 8);
    const type = String.fromCharCode(header[156]!);
    const body = tar.subarray(at + 512, at + 512 + size);
    if ((type === '0' || type === '\0') && name.endsWith('.json')) {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      if (Array.isArray(parsed)) out.push(...(parsed as BatchOperationResult[]));
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

/** Mailchimp's problem document in an operation's response: `title: detail`. */
export function responseDetail(response: string): string {
  try {
    const b = JSON.parse(response) as { title?: unknown; detail?: unknown };
    const parts = [b.title, b.detail].filter((x): x is string => typeof x === 'string' && x.length > 0);
    if (parts.length) return parts.join(': ').slice(0, 300);
  } catch {
    // not JSON: the text itself
  }
  return response.slice(0, 300);
}
