import { CSV_IMPORT_LIMITS, lengthProblem, TEXT_LIMITS } from '@crp/contracts/limits';
import type { Database } from '@crp/platform/db';
import { AppError, validationFailed } from '@crp/platform/errors';
import { MappingProblem, checkMapping, resolveMapping, type ExplicitMapping } from '../domain/columns';
import {
  DELIMITERS,
  detectDelimiter,
  encodingNamed,
  firstLine,
  inspectStart,
  type Delimiter,
  type Encoding,
} from '../domain/file-format';
import { IMPORT_KINDS, type ImportKind } from '../domain/import-job';
import type { DateOrder } from '../domain/values';
import type { ImportJobRow } from '../infra/db/entities';
import { insertJob } from '../infra/db/repositories';
import { readCsv } from '../infra/files/csv-reader';
import type { StoredUpload, UploadStore } from '../infra/files/upload-store';
import { jobView } from './job-view';

export interface ImportRequest {
  jobId: string;
  accountId: string;
  createdBy: string;
  fileName: string;
  /** The multipart text fields, as sent. */
  fields: Record<string, string>;
  upload: StoredUpload;
}

export interface CreateImportDeps {
  db: Database;
  store: UploadStore;
  maxUploadBytes: number;
  /** Called once the job is queued (wakes the worker). */
  onQueued?: () => void;
}

interface Options {
  kind: ImportKind;
  dryRun: boolean;
  encoding: Encoding | null;
  delimiter: Delimiter | null;
  mapping: ExplicitMapping | null;
  storeId: string | null;
  dateOrder: DateOrder;
}

/** The request's text fields → options, every problem at once (400). */
export function readOptions(fields: Record<string, string>): Options {
  const problems: string[] = [];
  const kind = fields.kind?.trim();
  if (!kind) problems.push('kind is required: customers or orders');
  else if (!(IMPORT_KINDS as readonly string[]).includes(kind))
    problems.push(`kind "${kind}" must be customers or orders`);
  const flag = (name: string) => {
    const v = fields[name]?.trim().toLowerCase();
    if (v === undefined || v === '' || v === 'false' || v === '0' || v === 'no') return false;
    if (v === 'true' || v === '1' || v === 'yes') return true;
    problems.push(`${name} "${fields[name]}" must be true or false`);
    return false;
  };
  const dryRun = flag('dryRun');
  let encoding: Encoding | null = null;
  if (fields.encoding?.trim()) {
    encoding = encodingNamed(fields.encoding) ?? null;
    if (!encoding)
      problems.push(
        `encoding "${fields.encoding}" is not one of utf-8, windows-1252, iso-8859-1, iso-8859-15`,
      );
  }
  let delimiter: Delimiter | null = null;
  if (fields.delimiter) {
    const d = fields.delimiter === 'tab' || fields.delimiter === '\\t' ? '\t' : fields.delimiter;
    if ((DELIMITERS as readonly string[]).includes(d)) delimiter = d as Delimiter;
    else problems.push(`delimiter "${fields.delimiter}" is not one of , ; tab |`);
  }
  let mapping: ExplicitMapping | null = null;
  if (fields.mapping?.trim()) {
    try {
      const parsed: unknown = JSON.parse(fields.mapping);
      const ok =
        parsed !== null &&
        typeof parsed === 'object' &&
        !Array.isArray(parsed) &&
        Object.values(parsed).every(
          (v) =>
            v === null ||
            typeof v === 'string' ||
            (Array.isArray(v) && v.every((x) => typeof x === 'string')),
        );
      if (ok) mapping = parsed as ExplicitMapping;
      else
        problems.push(
          'mapping must be a JSON object of "CSV header": "field" (or ["field", …], or null to ignore)',
        );
    } catch (err) {
      problems.push(`mapping is not JSON: ${(err as Error).message}`);
    }
  }
  const storeId = fields.storeId?.trim() || null;
  const storeIdTooLong = lengthProblem('storeId', storeId, TEXT_LIMITS.storeId);
  if (storeIdTooLong) problems.push(storeIdTooLong);
  if (storeId && kind === 'customers')
    problems.push('storeId is for order imports: customers always go to the manual store (R4.1)');
  if (dryRun && kind === 'orders')
    problems.push('dryRun is for customer imports; order imports have no dry run');
  const dateOrder = (fields.dateOrder?.trim() || 'iso') as DateOrder;
  if (!['iso', 'mdy', 'dmy'].includes(dateOrder))
    problems.push(`dateOrder "${fields.dateOrder}" must be iso, mdy or dmy`);
  if (problems.length) throw validationFailed(`Invalid upload: ${problems.join('; ')}`, problems);
  return { kind: kind as ImportKind, dryRun, encoding, delimiter, mapping, storeId, dateOrder };
}

/**
 * What the job keeps of the header line (its cells, the column mapping, the mapping sent, the
 * warnings) fits its columns (CSV_IMPORT_LIMITS.headerBytes each), or the file is refused naming
 * the header: a job insert that fails would be a 500.
 */
function refuseWideHeader(cells: string[], kept: Record<string, unknown>) {
  const max = CSV_IMPORT_LIMITS.headerBytes;
  const sizes = Object.entries(kept).map(
    ([name, v]) => [name, Buffer.byteLength(JSON.stringify(v ?? null))] as const,
  );
  const over = sizes.filter(([, bytes]) => bytes > max);
  if (over.length === 0) return;
  const headerBytes = Buffer.byteLength(cells.join(''));
  throw new AppError(
    'HEADER_TOO_LARGE',
    `The header line names ${cells.length} columns in ${headerBytes} bytes: more than an import keeps (${over
      .map(([name, bytes]) => `its ${name} would take ${bytes} bytes`)
      .join(', ')}; at most ${max}). Remove the columns that are not imported, or shorten their names`,
    422,
  );
}

/**
 * An upload that is on disk → a queued job, or a 4xx that says what is wrong with the file (R4.5):
 * empty, binary, not CSV, no known column, no rows. What can be checked from the header is checked
 * here; row problems are the job's row reports, never a refusal of the file.
 */
export async function createImport(deps: CreateImportDeps, req: ImportRequest) {
  const { upload } = req;
  try {
    const opts = readOptions(req.fields);
    if (upload.truncated) {
      throw new AppError('FILE_TOO_LARGE', `The file is larger than ${deps.maxUploadBytes} bytes`, 413);
    }
    const start = inspectStart(upload.head, upload.size);
    if (!start.ok) throw new AppError(start.code, start.reason, start.code === 'EMPTY_FILE' ? 400 : 415);
    const warnings: string[] = [];
    let encoding = opts.encoding;
    if (!encoding) encoding = upload.utf8 ? 'utf-8' : 'windows-1252';
    else if (encoding === 'utf-8' && !upload.utf8) {
      warnings.push(
        'the file is not valid UTF-8 although encoding=utf-8 was given: characters that are not UTF-8 read as �',
      );
    }
    if (!opts.encoding && !upload.utf8) warnings.push('the file is not UTF-8: read as Windows-1252');
    const headText = upload.head.subarray(start.bomLength).toString(encoding === 'utf-8' ? 'utf8' : 'latin1');
    const delimiter = opts.delimiter ?? detectDelimiter(firstLine(headText));
    let header: { cells: string[]; endOffset: number; nextLine: number } | null = null;
    for await (const item of readCsv({
      path: upload.path,
      offset: start.bomLength,
      line: 1,
      delimiter,
      encoding,
      firstOnly: true,
    })) {
      if (item.kind === 'row')
        header = {
          cells: item.cells.map((c) => c.trim()),
          endOffset: item.endOffset,
          nextLine: item.nextLine,
        };
    }
    if (!header || header.cells.every((c) => c === '')) {
      throw new AppError('NOT_CSV', 'The first line of the file is not a CSV header', 422);
    }
    let mapping;
    try {
      mapping = checkMapping(
        opts.kind,
        resolveMapping(opts.kind, header.cells, opts.mapping ?? {}),
        header.cells,
      );
    } catch (err) {
      if (!(err instanceof MappingProblem)) throw err;
      const code = opts.mapping
        ? 'MAPPING_PROBLEM'
        : opts.kind === 'customers'
          ? 'NOT_A_CUSTOMER_CSV'
          : 'NOT_AN_ORDER_CSV';
      throw new AppError(code, err.message, 422, false, err.problems);
    }
    refuseWideHeader(header.cells, {
      header: header.cells,
      mapping: { ...mapping, warnings: [] },
      columnMapping: opts.mapping,
      warnings: [...warnings, ...mapping.warnings],
    });
    if (header.endOffset >= upload.size) {
      throw new AppError('NO_ROWS', 'The file has a header but no rows', 422);
    }
    const now = new Date();
    const job: ImportJobRow = {
      id: req.jobId,
      accountId: req.accountId,
      kind: opts.kind,
      status: 'queued',
      dryRun: opts.dryRun,
      fileName: req.fileName.slice(0, 255),
      filePath: upload.path,
      fileSize: upload.size,
      encoding,
      delimiter,
      dateOrder: opts.dateOrder,
      storeId: opts.storeId,
      header: header.cells,
      mapping: { ...mapping, warnings: [] },
      columnMapping: opts.mapping,
      warnings: [...warnings, ...mapping.warnings],
      error: null,
      bytesRead: header.endOffset,
      nextLine: header.nextLine,
      nextChunk: 1,
      rowsRead: 0,
      blankRows: 0,
      readDone: false,
      sentRows: 0,
      answeredRows: 0,
      totalRows: 0,
      processedRows: 0,
      created: 0,
      updated: 0,
      unchanged: 0,
      rejected: 0,
      leaseOwner: null,
      leaseUntil: null,
      attempts: 0,
      sourceJobId: null,
      createdBy: req.createdBy,
      createdAt: now,
      updatedAt: now,
      startedAt: null,
      runStartedAt: null,
      processedAtRunStart: 0,
      finishedAt: null,
    };
    await deps.db.transaction((tx) => insertJob(tx, job));
    deps.onQueued?.();
    return jobView(job);
  } catch (err) {
    await deps.store.remove(upload.path);
    throw err;
  }
}
