import { Readable } from 'node:stream';
import type { ExportFormat } from '../app/export-customers';

/**
 * The export's body as a byte stream read lazily from the chunk generator: Readable.from pulls the
 * next chunk only when the response has drained the last one (backpressure down to the database).
 */
export function exportStream(chunks: AsyncIterable<string>): Readable {
  return Readable.from(chunks, { objectMode: false });
}

export const exportFileName = (format: ExportFormat, now = new Date()) =>
  `customers-${now.toISOString().slice(0, 10)}.${format}`;
