import { get } from 'node:http';
import { connect } from 'node:net';
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

  it('starts the handle before listening, then serves its app', async () => {
    const app = express();
    app.get('/ping', (_req, res) => {
      res.send('pong');
    });
    const handle = fakeHandle(app);
    const listen = jest.spyOn(app, 'listen');
    let listenCallsWhileStarting = -1;
    handle.start.mockImplementation(async () => {
      await new Promise((r) => setTimeout(r, 20));
      listenCallsWhileStarting = listen.mock.calls.length;
    });

    running = await serve(handle, options);

    expect(handle.start).toHaveBeenCalledTimes(1);
    expect(listenCallsWhileStarting).toBe(0);
    expect(listen).toHaveBeenCalledTimes(1);
    expect(running.port).toBeGreaterThan(0);
    const res = await fetch(`http://127.0.0.1:${running.port}/ping`);
    expect(await res.text()).toBe('pong');
  });

  it('never listens when start fails', async () => {
    const app = express();
    const handle = fakeHandle(app);
    const listen = jest.spyOn(app, 'listen');
    handle.start.mockRejectedValue(new Error('no database'));

    await expect(serve(handle, options)).rejects.toThrow('no database');
    expect(listen).not.toHaveBeenCalled();
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

  it('registers no signal handlers when exitOnShutdown is false', async () => {
    const before = { term: process.listenerCount('SIGTERM'), int: process.listenerCount('SIGINT') };
    running = await serve(fakeHandle(), options);
    expect(process.listenerCount('SIGTERM')).toBe(before.term);
    expect(process.listenerCount('SIGINT')).toBe(before.int);
  });
});
