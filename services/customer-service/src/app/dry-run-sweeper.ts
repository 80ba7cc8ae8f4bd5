import { BackgroundLoop } from '@crp/platform/background-loop';
import type { Database } from '@crp/platform/db';
import type { Logger } from '@crp/platform/logger';
import type { DryRunRepository } from './ports';

export interface DryRunSweeperOptions {
  db: Database;
  dryRuns: DryRunRepository;
  /** Pause between passes; 0 turns the background sweep off (drain() still works). */
  intervalMs: number;
  /** A dry run untouched this long (no chunk came) is given up: its state goes. */
  ttlMs: number;
  /** Rows deleted per table and transaction. */
  batch?: number;
  logger: Logger;
  now?: () => Date;
}

/**
 * Deletes the would-be state of customer import dry runs that ended (their final chunk came) or
 * that no chunk reached for `ttlMs` (ADR 0024), in small transactions of at most `batch` rows per
 * table, so a million-row dry run's state goes without one huge delete. Outside the consumer's
 * transactions; deleting is idempotent, so instances need no lock between them.
 */
export class DryRunSweeper {
  private readonly loop: BackgroundLoop;
  private stopping = false;

  constructor(private readonly opts: DryRunSweeperOptions) {
    this.loop = new BackgroundLoop({
      intervalMs: opts.intervalMs,
      pass: async () => {
        await this.sweep();
        return false;
      },
      logger: opts.logger,
      failureMessage: 'dry run state sweep failed; trying again later',
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    this.stopping = true;
    return this.loop.stop();
  }

  /** Sweeps until nothing is left to delete; returns the rows deleted (tests, operators). */
  drain(): Promise<number> {
    return this.loop.run(() => this.sweep());
  }

  private async sweep(): Promise<number> {
    const batch = this.opts.batch ?? 2000;
    const staleBefore = new Date((this.opts.now ?? (() => new Date()))().getTime() - this.opts.ttlMs);
    let total = 0;
    for (;;) {
      const jobs = await this.opts.db.transaction((tx) => this.opts.dryRuns.jobsToSweep(tx, staleBefore, 50));
      if (jobs.length === 0) return total;
      for (const job of jobs) {
        for (;;) {
          // A stopping service ends the sweep between transactions; the next start goes on.
          if (this.stopping) return total;
          const n = await this.opts.db.transaction((tx) =>
            this.opts.dryRuns.sweepJob(tx, job, staleBefore, batch),
          );
          total += n;
          if (n === 0) break;
        }
      }
    }
  }
}
