import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Utf8Check } from '../../domain/file-format';

/** How much of the start of an upload is kept in memory to look at (header, format checks). */
export const HEAD_BYTES = 64 * 1024;

export interface StoredUpload {
  path: string;
  size: number;
  /** The first HEAD_BYTES bytes. */
  head: Buffer;
  /** Whether every byte is UTF-8 (checked while it streamed to disk). */
  utf8: boolean;
  /** The upload was cut at the size limit. */
  truncated: boolean;
}

/**
 * Uploaded files, one per job, in CSV_IMPORT_DIR. A file is written under a temporary name and
 * renamed once complete, so a file with a job's name is always whole (a worker that resumes after
 * a crash reads the same bytes). The directory must be shared by every instance of the service.
 */
export class UploadStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  pathFor(jobId: string): string {
    return join(this.dir, `${jobId}.csv`);
  }

  /**
   * Streams `source` to disk with backpressure (memory stays flat whatever the size), keeping the
   * first bytes and checking UTF-8 on the way. A source that signals `limit` (busboy's size limit)
   * was cut there: `truncated` says so.
   */
  async save(jobId: string, source: Readable): Promise<StoredUpload> {
    await mkdir(this.dir, { recursive: true });
    const final = this.pathFor(jobId);
    const partial = `${final}.part`;
    const check = new Utf8Check();
    const head: Buffer[] = [];
    let headBytes = 0;
    let size = 0;
    let truncated = false;
    (source as Readable & { once(e: 'limit', f: () => void): void }).once('limit', () => {
      truncated = true;
    });
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        check.push(chunk);
        if (headBytes < HEAD_BYTES) {
          const take = chunk.subarray(0, HEAD_BYTES - headBytes);
          head.push(Buffer.from(take));
          headBytes += take.length;
        }
        done(null, chunk);
      },
    });
    try {
      await pipeline(source, tap, createWriteStream(partial));
      await rename(partial, final);
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
    return { path: final, size, head: Buffer.concat(head), utf8: check.valid, truncated };
  }

  async remove(path: string | null): Promise<void> {
    if (path) await rm(path, { force: true });
  }

  async exists(path: string | null): Promise<boolean> {
    if (!path) return false;
    return stat(path).then(
      () => true,
      () => false,
    );
  }
}
