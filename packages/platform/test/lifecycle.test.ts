import { get } from 'node:http';
import { connect, createServer, type AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { createLogger } from '../src/logger';

const testLogger = () => createLogger('test', 'silent');
import { serve, type RunningService, type ServiceHandle } from '../src/lifecycle';

function fakeHandle(app: Express = express()) {
  const handle = {
    name: 'fake',
    app,
    start: jest.fn(async () => undefined),
    stop: jest.fn(async () => undefined),
  } satisfies ServiceHandle;
  return handle;
}

const options = { port: 0, logger: testLogger(), shutdownTimeoutMs: 2000, exitOnShutdown: false };

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** One GET on its own connection (no keep-alive), so a shutdown never waits on an idle socket. */
function getText(port: number, path: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    }).once('error', reject);
  });
}

/**
 * Writes `request` in 32 KB pieces with pauses, as a client on a real network does, and reads
 * until the server closes: `error` is set when the connection was reset instead.
 */
function rawRequest(
  port: number,
  request: string,
): Promise<{ head: string; body: string; error: string | null }> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let received = '';
    let error: string | null = null;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (received += d));
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.on('close', () => {
      const at = received.indexOf('\r\n\r\n');
      resolve({
        head: at < 0 ? received : received.slice(0, at),
        body: at < 0 ? '' : received.slice(at + 4),
        error,
      });
    });
    let sent = 0;
    const next = () => {
      if (sent >= request.length || socket.destroyed) return;
      const piece = request.slice(sent, sent + 32768);
      sent += piece.length;
      socket.write(piece, () => setTimeout(next, 5));
    };
    next();
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('serve', () => {
  let running: RunningService | undefined;
  afterEach(async () => {
    await running?.shutdown('test cleanup');
    running = undefined;
  });

  it('issue 20 finding 6: listens before the handle starts, so HTTP answers while a consumer still joins its group', async () => {
    const app = express();
    app.get('/ping', (_req, res) => {
      res.send('pong');
    });
    const handle = fakeHandle(app);
    const port = await freePort();
    let answeredDuringStart = '';
    handle.start.mockImplementation(async () => {
      answeredDuringStart = await (await fetch(`http://127.0.0.1:${port}/ping`)).text();
    });

    running = await serve(handle, { ...options, port });

    expect(handle.start).toHaveBeenCalledTimes(1);
    expect(answeredDuringStart).toBe('pong');
    expect(running.port).toBe(port);
  });

  it('closes the port again when start fails', async () => {
    const handle = fakeHandle(express());
    const port = await freePort();
    handle.start.mockRejectedValue(new Error('no database'));
    await expect(serve(handle, { ...options, port })).rejects.toThrow('no database');
    expect(await canConnect(port)).toBe(false);
  });

  it('shutdown stops the handle once even when called twice, and stops accepting connections', async () => {
    const handle = fakeHandle();
    running = await serve(handle, options);
    const { port } = running;
    expect(await canConnect(port)).toBe(true);

    const first = running.shutdown('test');
    const second = running.shutdown('test again');
    await Promise.all([first, second]);
    await running.shutdown('test a third time');

    expect(handle.stop).toHaveBeenCalledTimes(1);
    expect(running.server.listening).toBe(false);
    expect(await canConnect(port)).toBe(false);
  });

  it('lets an in-flight request finish before shutdown completes', async () => {
    const app = express();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let requestArrived: () => void = () => undefined;
    const arrived = new Promise<void>((r) => {
      requestArrived = r;
    });
    app.get('/slow', async (_req, res) => {
      requestArrived();
      await gate;
      res.send('finished');
    });
    const handle = fakeHandle(app);
    running = await serve(handle, options);
    const { port } = running;

    // agent: false sends `Connection: close`: serve() does not close a socket that turns idle after
    // shutdown began, so a kept-alive one would hold close() open until its keep-alive timeout.
    const response = new Promise<string>((resolve, reject) => {
      get({ host: '127.0.0.1', port, path: '/slow', agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve(text));
      }).once('error', reject);
    });
    await arrived;
    let shutdownDone = false;
    const stopping = running.shutdown('test').then(() => {
      shutdownDone = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(shutdownDone).toBe(false);

    release();
    await expect(response).resolves.toBe('finished');
    await stopping;
    expect(handle.stop).toHaveBeenCalledTimes(1);
  });

  it('issue 20 finding 4: the handle (database, bus) stops only after the requests in flight finished; /readyz and new requests get a clean 503 meanwhile', async () => {
    const app = express();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let requestArrived: () => void = () => undefined;
    const arrived = new Promise<void>((r) => (requestArrived = r));
    app.get('/slow', async (_req, res) => {
      requestArrived();
      await gate;
      res.send('finished');
    });
    app.get('/fast', (_req, res) => {
      res.send('fast');
    });
    const handle = fakeHandle(app);
    running = await serve(handle, options);
    const { port } = running;
    const slow = getText(port, '/slow');
    await arrived;

    const stopping = running.shutdown('SIGTERM');
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'stopping', checks: {} });
    const refused = await fetch(`http://127.0.0.1:${port}/fast`, { headers: { 'x-correlation-id': 'c-1' } });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toEqual({
      error: {
        code: 'SHUTTING_DOWN',
        message: expect.stringContaining('shutting down'),
        correlationId: 'c-1',
      },
    });
    expect(handle.stop).not.toHaveBeenCalled();

    release();
    await expect(slow).resolves.toEqual({ status: 200, text: 'finished' });
    await stopping;
    expect(handle.stop).toHaveBeenCalledTimes(1);
    expect(await canConnect(port)).toBe(false);
  });

  it('during SHUTDOWN_DELAY_MS /readyz answers 503 while other requests are still served', async () => {
    const app = express();
    app.get('/fast', (_req, res) => {
      res.send('fast');
    });
    const handle = fakeHandle(app);
    running = await serve(handle, { ...options, shutdownDelayMs: 400 });
    const { port } = running;
    const stopping = running.shutdown('SIGTERM');
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(503);
    const served = await getText(port, '/fast');
    expect(served).toEqual({ status: 200, text: 'fast' });
    expect(handle.stop).not.toHaveBeenCalled();
    await stopping;
    expect(handle.stop).toHaveBeenCalledTimes(1);
  });

  it.each([70_000, 150_000, 300_000])(
    'issue 20 finding 6: a %i-byte header is answered 431 with a body, without resetting a client still sending it',
    async (size) => {
      running = await serve(fakeHandle(), options);
      const answer = await rawRequest(
        running.port,
        `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(size)}\r\n\r\n`,
      );
      expect(answer.error).toBeNull();
      expect(answer.head.split('\r\n')[0]).toBe('HTTP/1.1 431 Request Header Fields Too Large');
      expect(JSON.parse(answer.body)).toEqual({
        error: { code: 'HEADERS_TOO_LARGE', message: expect.any(String), correlationId: expect.any(String) },
      });
    },
  );

  it('answers a request that is not HTTP with 400 and a body', async () => {
    running = await serve(fakeHandle(), options);
    const answer = await rawRequest(running.port, 'HELLO\r\n\r\n');
    expect(answer.head.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(JSON.parse(answer.body).error.code).toBe('MALFORMED_REQUEST');
  });

  it('registers no signal handlers when exitOnShutdown is false', async () => {
    const before = { term: process.listenerCount('SIGTERM'), int: process.listenerCount('SIGINT') };
    running = await serve(fakeHandle(), options);
    expect(process.listenerCount('SIGTERM')).toBe(before.term);
    expect(process.listenerCount('SIGINT')).toBe(before.int);
  });
});
