import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Secrets that can reach a log line through request or error objects; censored wherever they
 * appear under these paths (the request log's headers, errors carrying request options).
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-shopify-access-token"]',
  'req.headers["x-wc-webhook-signature"]',
  'req.headers["x-shopify-hmac-sha256"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
];

/**
 * JSON logs to stdout (or `destination`); every line names the service. Tests pass level 'silent'.
 * Personal data and secrets stay out (docs/security.md): headers above are censored, and the
 * request log keeps only the names of query parameters (`?email=…`), not their values.
 */
export function createLogger(
  service: string,
  level: string = process.env.LOG_LEVEL ?? 'info',
  destination?: DestinationStream,
): Logger {
  const options = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}

interface SerializedRequest {
  id?: unknown;
  method?: string;
  url?: string;
  params?: Record<string, unknown>;
  headers?: Record<string, unknown>;
  remoteAddress?: string;
  remotePort?: number;
}

/**
 * The request as the HTTP log shows it (a pino-http `req` serializer): the query string's values
 * are replaced by `…` (searches carry emails, phones, names), and the parsed `query` is dropped.
 */
export function requestForLog(req: SerializedRequest & { query?: unknown }): SerializedRequest {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  const safeUrl =
    q < 0
      ? url
      : `${url.slice(0, q)}?${url
          .slice(q + 1)
          .split('&')
          .map((pair) => `${pair.split('=')[0]}=…`)
          .join('&')}`;
  return {
    id: req.id,
    method: req.method,
    url: safeUrl,
    params: req.params,
    headers: req.headers,
    remoteAddress: req.remoteAddress,
    remotePort: req.remotePort,
  };
}
