import type { Logger } from '@crp/platform/logger';
import { scanDuplicates, type ScanDeps, type ScanResult } from './scan-duplicates';

export interface ScannerOptions extends ScanDeps {
  /** Pause between passes when the queue is empty; 0 turns the background scan off. */
  intervalMs: number;
  batch: number;
  /** Whether orders are being linked right now: the scan then waits… */
  busy: () => boolean;
  /** …but never longer than this since its last pass. */
  maxDeferMs: number;
  logger: Logger;
  onPass?: (r: ScanResult, seconds: number) => void;
}

/**
 * Runs the likely-duplicates scan beside the service: pass after pass while the queue has work,
 * then a pause. It runs outside the order consumer's transactions, so linking orders never waits
 * for it, and it gives way to them: while order batches are being linked or customer CSV import chunks applied
 * it runs one pass per `maxDeferMs` at most and catches up once they stop, so the hot path keeps
 * the machine. Passes never overlap (one at a time here, one across instances by the scan's lock).
 */
export class DuplicateScanner {
  private timer: NodeJS.Timeout | null = null;
  private lastPassAt = Date.now();
  private running: Promise<unknown> = Promise.resolve();
  private stopped = true;

  constructor(private readonly opts: ScannerOptions) {}

  start(): void {
    if (this.opts.intervalMs <= 0 || !this.stopped) return;
    this.stopped = false;
    this.schedule(this.opts.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running.catch(() => undefined);
  }

  /** Passes until the queue is empty (tests, and whoever wants suggestions now). */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const r = await this.pass();
      total += r.scanned;
      if (r.scanned < this.opts.batch) return total;
    }
  }

  private pass(): Promise<ScanResult> {
    const run = this.running.then(
      () => this.once(),
      () => this.once(),
    );
    this.running = run.catch(() => undefined);
    return run;
  }

  private async once(): Promise<ScanResult> {
    const t = performance.now();
    const r = await scanDuplicates(this.opts, this.opts.batch);
    if (r.scanned > 0) this.opts.onPass?.(r, (performance.now() - t) / 1000);
    return r;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      if (this.opts.busy() && Date.now() - this.lastPassAt < this.opts.maxDeferMs) {
        this.schedule(this.opts.intervalMs);
        return;
      }
      this.lastPassAt = Date.now();
      this.pass().then(
        (r) => this.schedule(r.scanned >= this.opts.batch ? 0 : this.opts.intervalMs),
        (err: unknown) => {
          this.opts.logger.error({ err }, 'duplicate scan failed; trying again later');
          this.schedule(this.opts.intervalMs * 10);
        },
      );
    }, ms);
    this.timer.unref?.();
  }
}
