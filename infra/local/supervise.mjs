// A tiny process supervisor for `npm start -- --real`: one service dying must not take the others
// down (issue 20 finding 4). It is restarted after a pause that doubles on each quick crash (a
// service that cannot start does not spin) and resets once it ran long enough.

/**
 * @param {string} name
 * @param {() => import('node:child_process').ChildProcess} spawnChild
 * @param {{ log: (line: string) => void, minBackoffMs?: number, maxBackoffMs?: number, stableAfterMs?: number }} opts
 */
export function supervise(name, spawnChild, opts) {
  const minBackoff = opts.minBackoffMs ?? 500;
  const maxBackoff = opts.maxBackoffMs ?? 30000;
  const stableAfter = opts.stableAfterMs ?? 30000;
  let backoff = minBackoff;
  let stopping = false;
  let restarts = 0;
  let timer;
  let child;
  let exited = Promise.resolve();

  const start = () => {
    timer = undefined;
    const startedAt = Date.now();
    child = spawnChild();
    opts.log(`${name} started (pid ${child.pid})`);
    exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        resolve();
        if (stopping) return;
        if (Date.now() - startedAt >= stableAfter) backoff = minBackoff;
        restarts++;
        opts.log(`${name} exited (${signal ?? `code ${code}`}); restart ${restarts} in ${backoff} ms`);
        timer = setTimeout(start, backoff);
        backoff = Math.min(backoff * 2, maxBackoff);
      });
    });
  };
  start();

  return {
    name,
    get pid() {
      return child?.pid;
    },
    get restarts() {
      return restarts;
    },
    /** Stops restarting, sends `signal` to the running child and waits for it to exit. */
    async stop(signal = 'SIGTERM') {
      stopping = true;
      if (timer) clearTimeout(timer);
      if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
