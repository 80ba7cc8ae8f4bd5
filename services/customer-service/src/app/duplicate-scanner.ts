import { BackgroundLoop } from '@crp/platform/background-loop';
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
 * for it, and it gives way to them: while order batches are being linked (an import, a backfill)
 * it runs one pass per `maxDeferMs` at most and catches up once they stop, so the hot path keeps
 * the machine. Passes never overlap (one at a time here, one across instances by the scan's lock).
 */
export class DuplicateScanner {
  private readonly loop: BackgroundLoop;
  private lastPassAt = Date.now();

  constructor(private readonly opts: ScannerOptions) {
    this.loop = new BackgroundLoop({
      intervalMs: opts.intervalMs,
      due: () => {
        if (opts.busy() && Date.now() - this.lastPassAt < opts.maxDeferMs) return false;
        this.lastPassAt = Date.now();
        return true;
      },
      pass: async () => (await this.once()).scanned >= opts.batch,
      logger: opts.logger,
      failureMessage: 'duplicate scan failed; trying again later',
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Passes until the queue is empty (tests, and whoever wants suggestions now). */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const r = await this.loop.run(() => this.once());
      total += r.scanned;
      if (r.scanned < this.opts.batch) return total;
    }
  }

  private async once(): Promise<ScanResult> {
    const t = performance.now();
    const r = await scanDuplicates(this.opts, this.opts.batch);
    if (r.scanned > 0) this.opts.onPass?.(r, (performance.now() - t) / 1000);
    return r;
  }
}
