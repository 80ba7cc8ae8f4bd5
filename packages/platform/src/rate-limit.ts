import type { RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Principal } from './auth';
import { AppError } from './errors';

export interface RateLimitOptions {
  /** Requests one account may make to this instance per window; 0 turns limiting off. */
  requests: number;
  windowMs: number;
}

/**
 * Per-account request budget on the authenticated routes (express-rate-limit, fixed window,
 * in-memory: each instance counts its own, so N instances allow N times the budget). Keyed by
 * the verified principal's account, never by IP: one merchant's import cannot starve another's,
 * and many users behind one proxy are not one caller. Over budget: 429 with `Retry-After` (the
 * seconds until the window resets) and `RateLimit-*` headers, in the platform's error shape.
 */
export function accountRateLimit(opts: RateLimitOptions): RequestHandler {
  if (opts.requests <= 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: opts.windowMs,
    limit: opts.requests,
    standardHeaders: 'draft-6',
    legacyHeaders: false,
    keyGenerator: (_req, res: Response) => (res.locals.principal as Principal).accountId,
    handler: (_req, res, next) =>
      next(
        new AppError(
          'RATE_LIMITED',
          `This account made more than ${opts.requests} requests in ${Math.round(opts.windowMs / 1000)} s; retry after ${String(res.getHeader('Retry-After') ?? '')} s`,
          429,
          true,
        ),
      ),
  });
}
