/**
 * Errors carry a stable `code`, the HTTP status they map to, and whether retrying can help
 * (the message consumer uses `retriable` to choose between retry and dead-letter).
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = 500,
    readonly retriable: boolean = false,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badRequest = (message: string, details?: unknown) =>
  new AppError('BAD_REQUEST', message, 400, false, details);
export const validationFailed = (message: string, details?: unknown) =>
  new AppError('VALIDATION_FAILED', message, 400, false, details);
export const unauthorized = (message = 'A valid bearer token is required') =>
  new AppError('UNAUTHORIZED', message, 401);
export const forbidden = (message: string) => new AppError('FORBIDDEN', message, 403);
export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} was not found`, 404);
export const conflict = (message: string, details?: unknown) =>
  new AppError('CONFLICT', message, 409, false, details);
/** A conditional request (`If-Match`) whose condition does not hold: nothing was done. */
export const preconditionFailed = (message: string, details?: unknown) =>
  new AppError('PRECONDITION_FAILED', message, 412, false, details);
export const unprocessable = (code: string, message: string, details?: unknown) =>
  new AppError(code, message, 422, false, details);
export const unavailable = (message: string) => new AppError('UNAVAILABLE', message, 503, true);

/** Is this error worth another try? Unknown errors (driver hiccups, timeouts) are assumed to be. */
export function isRetriable(err: unknown): boolean {
  if (err && typeof err === 'object' && 'retriable' in err)
    return Boolean((err as { retriable: unknown }).retriable);
  return true;
}

export function errorCode(err: unknown): string {
  if (
    err &&
    typeof err === 'object' &&
    'code' in err &&
    typeof (err as { code: unknown }).code === 'string'
  ) {
    return (err as { code: string }).code;
  }
  return 'INTERNAL';
}
