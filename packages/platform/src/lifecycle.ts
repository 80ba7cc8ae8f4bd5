import type { Server } from 'node:http';
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

/** Listens, and on SIGTERM/SIGINT stops taking requests, drains, closes, exits. */
export async function serve(
  handle: ServiceHandle,
  opts: { port: number; host?: string; logger: Logger; shutdownTimeoutMs: number; exitOnShutdown?: boolean },
): Promise<RunningService> {
  await handle.start();
  const server = await new Promise<Server>((resolve, reject) => {
    const s = handle.app.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve(s));
    s.once('error', reject);
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  opts.logger.info({ port }, `${handle.name} listening`);

  let stopping: Promise<void> | undefined;
  // Once shutting down, every response tells keep-alive clients to go away, so busy sockets close
  // as soon as their in-flight response is sent.
  server.on('request', (_req, res) => {
    if (stopping) res.setHeader('Connection', 'close');
  });
  const shutdown = (reason: string) => {
    stopping ??= (async () => {
      opts.logger.info({ reason }, `${handle.name} shutting down`);
      const exitOnTimeout = opts.exitOnShutdown !== false;
      const timer = setTimeout(() => {
        opts.logger.error(`${handle.name} did not stop within ${opts.shutdownTimeoutMs} ms`);
        server.closeAllConnections();
        if (exitOnTimeout) process.exit(1);
      }, opts.shutdownTimeoutMs);
      timer.unref();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Requests still running when shutdown began get half the budget to finish.
      const grace = setTimeout(() => server.closeAllConnections(), Math.floor(opts.shutdownTimeoutMs / 2));
      grace.unref();
      await handle.stop();
      await closed;
      clearTimeout(grace);
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
