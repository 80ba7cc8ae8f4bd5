import busboy from 'busboy';
import type { Request } from 'express';
import { AppError, badRequest } from '@crp/platform/errors';
import type { StoredUpload, UploadStore } from '../infra/files/upload-store';

export interface ReadUpload {
  fields: Record<string, string>;
  fileName: string;
  upload: StoredUpload;
}

/**
 * Reads a multipart/form-data upload: the text fields, and one file part (`file`) streamed to
 * disk as it arrives (busboy, with backpressure: memory stays flat for a file of any size).
 */
export function readMultipart(
  req: Request,
  store: UploadStore,
  jobId: string,
  maxBytes: number,
): Promise<ReadUpload> {
  const type = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data/i.test(type)) {
    return Promise.reject(
      new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the file as multipart/form-data with a "file" part', 415),
    );
  }
  return new Promise<ReadUpload>((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        limits: { files: 1, fields: 20, fieldSize: 1024 * 1024, fileSize: maxBytes, parts: 25 },
        defParamCharset: 'utf8',
      });
    } catch (err) {
      reject(badRequest(`Unreadable multipart request: ${(err as Error).message}`));
      return;
    }
    const fields: Record<string, string> = {};
    let saving: Promise<StoredUpload> | null = null;
    let fileName = 'upload.csv';
    let extraFiles = 0;
    let failed: Error | null = null;
    bb.on('field', (name, value) => {
      fields[name] = value;
    });
    bb.on('file', (name, stream, info) => {
      if (saving || name !== 'file') {
        extraFiles += 1;
        stream.resume();
        return;
      }
      fileName = info.filename || fileName;
      saving = store.save(jobId, stream);
      saving.catch(() => undefined);
    });
    bb.on('filesLimit', () => {
      extraFiles += 1;
    });
    bb.on('error', (err: Error) => {
      failed = err;
      req.unpipe(bb);
      req.resume();
      reject(badRequest(`Unreadable multipart request: ${err.message}`));
    });
    bb.on('close', () => {
      if (failed) return;
      if (!saving) {
        reject(badRequest('The request has no file: send it as the "file" part of multipart/form-data'));
        return;
      }
      saving.then(
        (upload) => {
          if (extraFiles > 0) {
            void store.remove(upload.path);
            reject(badRequest('Send exactly one file, in the "file" part'));
          } else resolve({ fields, fileName, upload });
        },
        (err: unknown) => reject(err),
      );
    });
    req.pipe(bb);
  });
}
