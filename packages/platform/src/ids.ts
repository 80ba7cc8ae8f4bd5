import { randomFillSync } from 'node:crypto';

let lastMs = 0;
let seq = 0;
// Random bytes are drawn 4 KB at a time: one system call per ~800 ids instead of one per id.
const pool = Buffer.alloc(4096);
let poolAt = pool.length;

function randomHex(bytes: number): string {
  if (poolAt + bytes > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  poolAt += bytes;
  return pool.toString('hex', poolAt - bytes, poolAt);
}

/**
 * Prefixed ids that sort by creation time (`cus_`, `ord_`, …): readable in logs, and list
 * pagination by id follows creation order — also among ids made in the same millisecond (a batch
 * creates hundreds at once), which a 3-character sequence keeps in order within one process.
 */
export function newId(prefix: string): string {
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    seq = 0;
  } else if (++seq >= 46656) {
    // 36^3 ids in one millisecond: borrow the next one (the clock catches up within microseconds).
    lastMs += 1;
    seq = 0;
  }
  return `${prefix}_${lastMs.toString(36).padStart(9, '0')}${seq.toString(36).padStart(3, '0')}${randomHex(5)}`;
}
