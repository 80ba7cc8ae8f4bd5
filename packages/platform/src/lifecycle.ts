import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Express } from 'express';
import type { Logger } from './logger';

/** What a composition root hands back: an app that never listened, and start/stop for the rest. */
export interface ServiceHandle {
  readonly name: string;
  readonly app: Express;
  /** Starts consumers and the outbox relay. */
  start(): Promise<void>;
  /** Stops consuming, drains in-flight work and the outbox, closes bus and database. */
  stop(): Promise<void>;
}

export interface RunningService {
  server: Server;
  port: number;
  shutdown(reason: string): Promise<void>;
}

export interface ServeOptions {
  port: number;
  host?: string;
  logger: Logger;
  /** SHUTDOWN_TIMEOUT_MS: the whole shutdown's budget; past it the process exits 1. */
  shutdownTimeoutMs: number;
  /**
   * SHUTDOWN_DELAY_MS: after the signal, /readyz answers 503 this long while every other request
   * is still served, so that a load balancer stops routing here before requests are refused
   * (Kubernetes removes a pod from its Service asynchronously). 0 locally.
   */
  shutdownDelayMs?: number;
  /** HTTP_MAX_HEADER_BYTES: larger request heads are answered 431 (Node's default 16 KB). */
  maxHeaderBytes?: number;
  exitOnShutdown?: boolean;
}

/**
 * Listens, then starts the handle; on SIGTERM/SIGINT drains and closes, then exits.
 *
 * Listening comes first so that a restarted service answers HTTP at once: starting a consumer
 * joins its group, which after a crash waits for the dead member's session to expire (~25 s).
 * The handle's readiness checks say what is still starting.
 *
 * Shutdown, in this order (issue 20, finding 4: the database used to close under requests still
 * running, which answered them 500 "connection is in closed state"):
 * 1. /readyz answers 503 at once; other requests are served for `shutdownDelayMs`.
 * 2. New requests are refused with a clean 503 (Retry-After, Connection: close); requests already
 *    running finish (up to half the budget).
 * 3. The port closes; the handle stops: consumers, outbox relay, bus, database.
 */
export async function serve(handle: ServiceHandle, opts: ServeOptions): Promise<RunningService> {
  let stopping: Promise<void> | undefined;
  let refusing = false;
  let inFlight = 0;
  let drained: (() => void) | undefined;

  const server = createServer(
    { maxHeaderSize: opts.maxHeaderBytes ?? 16 * 1024 },
    (req: IncomingMessage, res: ServerResponse) => {
      if (stopping && (refusing || pathOf(req) === '/readyz')) {
        refuse(req, res);
        return;
      }
      inFlight++;
      res.once('close', () => {
        inFlight--;
        if (inFlight === 0) drained?.();
      });
      // Once shutting down, every response tells keep-alive clients to go away.
      if (stopping) res.setHeader('Connection', 'close');
      handle.app(req, res);
    },
  );
  server.on('clientError', answerClientError);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  opts.logger.info({ port }, `${handle.name} listening`);
  try {
    await handle.start();
  } catch (err) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw err;
  }
  opts.logger.info(`${handle.name} started`);

  const shutdown = (reason: string) => {
    stopping ??= (async () => {
      opts.logger.info({ reason, inFlight }, `${handle.name} shutting down`);
      const exitOnTimeout = opts.exitOnShutdown !== false;
      const timer = setTimeout(() => {
        opts.logger.error(`${handle.name} did not stop within ${opts.shutdownTimeoutMs} ms`);
        server.closeAllConnections();
        if (exitOnTimeout) process.exit(1);
      }, opts.shutdownTimeoutMs);
      timer.unref();
      if (opts.shutdownDelayMs) await sleep(opts.shutdownDelayMs);
      refusing = true;
      if (inFlight > 0) {
        const grace = Math.floor(opts.shutdownTimeoutMs / 2);
        const finished = await new Promise<boolean>((resolve) => {
          drained = () => resolve(true);
          setTimeout(() => resolve(false), grace).unref();
        });
        if (!finished) {
          // Cut them off rather than answer them 500 once the database is closed under them.
          opts.logger.warn({ inFlight }, `requests still running after ${grace} ms: connections closed`);
          server.closeAllConnections();
        }
      }
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await handle.stop();
      server.closeAllConnections();
      await closed;
      clearTimeout(timer);
      opts.logger.info(`${handle.name} stopped`);
    })();
    return stopping;
  };
  if (opts.exitOnShutdown !== false) {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      process.once(sig, () => {
        shutdown(sig).then(
          () => process.exit(0),
          (err: unknown) => {
            opts.logger.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      });
    }
  }
  return { server, port, shutdown };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const pathOf = (req: IncomingMessage) => (req.url ?? '').split('?')[0];

/** 503: /readyz says "stopping", any other request gets the services' error body. */
function refuse(req: IncomingMessage, res: ServerResponse) {
  const incoming = req.headers['x-correlation-id'];
  const correlationId =
    typeof incoming === 'string' && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : randomUUID();
  const body =
    pathOf(req) === '/readyz'
      ? { status: 'stopping', checks: {} }
      : {
          error: {
            code: 'SHUTTING_DOWN',
            message: 'The service is shutting down; retry the request',
            correlationId,
          },
        };
  const text = JSON.stringify(body);
  res.writeHead(503, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Retry-After': '1',
    'X-Correlation-Id': correlationId,
    Connection: 'close',
  });
  res.end(text);
}

const answered = new WeakSet<Socket>();

/**
 * A request Node cannot parse (a head over maxHeaderSize, malformed syntax). Node's default
 * answers 431/400 without a body and destroys the socket at once: a client still sending a large
 * head then gets a reset instead of the answer (issue 20, finding 6). Here the answer has a body,
 * the socket is half-closed after it, and what the client still sends is read and dropped until it
 * stops (or 5 s pass), so the client reads the whole answer.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Socket) {
  if (answered.has(socket)) return;
  answered.add(socket);
  socket.on('error', () => undefined);
  // A response already under way cannot be followed by another one.
  const busy = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || err.code === 'ECONNRESET' || busy?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [
          '431 Request Header Fields Too Large',
          'HEADERS_TOO_LARGE',
          'The request headers are too large (cookies or a token too big?)',
        ]
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['408 Request Timeout', 'REQUEST_TIMEOUT', 'The request was not received in time']
        : ['400 Bad Request', 'MALFORMED_REQUEST', 'The request is not valid HTTP'];
  const body = JSON.stringify({ error: { code, message, correlationId: randomUUID() } });
  // The HTTP parser stays attached to 'data' and would report the same error for every chunk.
  socket.removeAllListeners('data');
  socket.on('data', () => undefined);
  socket.setTimeout(5000, () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
