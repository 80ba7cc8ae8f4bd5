import type { Logger } from './logger';

export interface BackgroundLoopOptions {
  /** Pause after a pass that left nothing to do; 0 or less: never scheduled (run() still works). */
  intervalMs: number;
  /** One pass; resolves true when there is more work right away (the next pass starts at once). */
  pass: () => Promise<boolean>;
  /** Pause after a pass that failed; the interval × 10 unless given. */
  retryMs?: number;
  /** Delay of the first pass after start(); the interval unless given. */
  firstDelayMs?: number;
  /** Asked when a pass is due: false puts it off by one interval (e.g. while the hot path is busy). */
  due?: () => boolean;
  logger: Logger;
  /** Logged with the error of a failed pass. */
  failureMessage: string;
}

/**
 * The skeleton of a service's background work (a sweep, a scan, a sync): a pass, then a pause
 * when there was nothing left, a longer pause after a failure, never two passes at once, and a
 * stop() that waits for the pass under way. Work asked for in between (tests, an operator's
 * "now") goes through run(), queued behind the pass under way.
 */
export class BackgroundLoop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = true;

  constructor(private readonly opts: BackgroundLoopOptions) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  start(): void {
    if (this.opts.intervalMs <= 0 || !this.stopped) return;
    this.stopped = false;
    this.schedule(this.opts.firstDelayMs ?? this.opts.intervalMs);
  }

  /** No pass starts after this; resolves when the one under way (if any) has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running.catch(() => undefined);
  }

  /** Runs fn once the pass under way (or an earlier run) has ended; passes never overlap it. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.running.then(fn, fn);
    this.running = next.catch(() => undefined);
    return next;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.opts.due && !this.opts.due()) {
        this.schedule(this.opts.intervalMs);
        return;
      }
      this.run(this.opts.pass).then(
        (more) => this.schedule(more ? 0 : this.opts.intervalMs),
        (err: unknown) => {
          this.opts.logger.error({ err }, this.opts.failureMessage);
          this.schedule(this.opts.retryMs ?? this.opts.intervalMs * 10);
        },
      );
    }, ms);
    this.timer.unref?.();
  }
}
