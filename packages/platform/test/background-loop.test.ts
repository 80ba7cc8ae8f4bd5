import { BackgroundLoop, type BackgroundLoopOptions } from '../src/background-loop';
import { createLogger } from '../src/logger';

/** Drives the loop on fake timers: each advance runs the due timer and lets its promises settle. */
async function advance(ms: number): Promise<void> {
  await jest.advanceTimersByTimeAsync(ms);
}

function loopWith(over: Partial<BackgroundLoopOptions> & Pick<BackgroundLoopOptions, 'pass'>) {
  const logger = createLogger('test', 'silent');
  const errors = jest.spyOn(logger, 'error');
  const loop = new BackgroundLoop({ intervalMs: 1000, logger, failureMessage: 'pass failed', ...over });
  return { loop, errors };
}

describe('BackgroundLoop', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs a pass after the first delay, again at once while there is more, then after the interval', async () => {
    const more = [true, true, false, false];
    const pass = jest.fn(async () => more.shift() ?? false);
    const { loop } = loopWith({ pass });
    loop.start();
    await advance(999);
    expect(pass).toHaveBeenCalledTimes(0);
    await advance(1);
    expect(pass).toHaveBeenCalledTimes(1);
    // true, true, false: three passes back to back (each a 0 ms timer), then a pause of one interval.
    await advance(10);
    expect(pass).toHaveBeenCalledTimes(3);
    await advance(980);
    expect(pass).toHaveBeenCalledTimes(3);
    await advance(30);
    expect(pass).toHaveBeenCalledTimes(4);
    await loop.stop();
  });

  it('logs a failed pass and waits the retry pause (interval × 10 by default) before the next', async () => {
    const pass = jest.fn().mockRejectedValueOnce(new Error('db down')).mockResolvedValue(false);
    const { loop, errors } = loopWith({ pass, firstDelayMs: 0 });
    loop.start();
    await advance(0);
    expect(pass).toHaveBeenCalledTimes(1);
    expect(errors).toHaveBeenCalledWith({ err: expect.any(Error) }, 'pass failed');
    await advance(9_999);
    expect(pass).toHaveBeenCalledTimes(1);
    await advance(1);
    expect(pass).toHaveBeenCalledTimes(2);
    await loop.stop();
  });

  it('puts a pass off by one interval while it is not due', async () => {
    let due = false;
    const pass = jest.fn(async () => false);
    const { loop } = loopWith({ pass, due: () => due });
    loop.start();
    await advance(3000);
    expect(pass).toHaveBeenCalledTimes(0);
    due = true;
    await advance(1000);
    expect(pass).toHaveBeenCalledTimes(1);
    await loop.stop();
  });

  it('never overlaps run() with a pass, and stop() waits for the pass under way', async () => {
    jest.useRealTimers();
    const order: string[] = [];
    let release!: () => void;
    const pass = jest.fn(async () => {
      order.push('pass start');
      await new Promise<void>((r) => (release = r));
      order.push('pass end');
      return false;
    });
    const { loop } = loopWith({ pass, intervalMs: 60_000, firstDelayMs: 0 });
    loop.start();
    while (pass.mock.calls.length === 0) await new Promise((r) => setTimeout(r, 1));
    const asked = loop.run(async () => {
      order.push('run');
      return 7;
    });
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['pass start']);
    expect(stopped).toBe(false);
    release();
    await expect(asked).resolves.toBe(7);
    await stopping;
    expect(order).toEqual(['pass start', 'pass end', 'run']);
    expect(pass).toHaveBeenCalledTimes(1);
  });

  it('is never scheduled with an interval of 0, but run() still works', async () => {
    const pass = jest.fn(async () => false);
    const { loop } = loopWith({ pass, intervalMs: 0 });
    loop.start();
    await advance(60_000);
    expect(pass).not.toHaveBeenCalled();
    await expect(loop.run(async () => 'now')).resolves.toBe('now');
    await loop.stop();
  });
});
