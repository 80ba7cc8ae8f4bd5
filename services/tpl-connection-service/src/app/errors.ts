import { AppError } from '@crp/platform/errors';
import type { Refusal } from '../domain/connection';

/** A domain refusal becomes the one error body every service answers with. */
export const refusalError = (r: Refusal) => new AppError(r.code, r.message, r.status);

export const changedConcurrently = () =>
  new AppError(
    'CONFLICT',
    'The connection changed while this request ran (another user acted on it); reload it and try again',
    409,
    true,
  );
