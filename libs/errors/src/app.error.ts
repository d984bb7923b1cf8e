/**
 * The platform's error taxonomy. Every error a caller can see carries a stable
 * string code (part of the public API, listed in the OpenAPI document) and a
 * message a person can act on. The HTTP mapping lives in one place
 * (libs/http/src/app-error.filter.ts); consumers use `retriable` to decide
 * between retrying a batch and dead-lettering a message.
 */
export type ErrorKind =
  | 'validation' // the input is wrong: 400/422, never retried
  | 'unauthenticated' // 401
  | 'forbidden' // 403 (scope missing); object-level denials use not_found
  | 'not_found' // 404, also for another account's objects so nothing leaks
  | 'conflict' // 409
  | 'payload_too_large' // 413
  | 'unsupported_media_type' // 415: only JSON (and a route's own file type) is parsed
  | 'unprocessable' // 422
  | 'rate_limited' // 429 + Retry-After
  | 'unavailable' // a dependency is down or too slow: 503 + Retry-After, retriable
  | 'internal'; // a bug: 500

export interface FieldIssue {
  readonly code: string;
  readonly field: string;
  readonly message: string;
}

export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly details: { issues?: readonly FieldIssue[]; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message);
    this.name = 'AppError';
  }

  /** Retriable errors are worth trying again unchanged; everything else is final for that input. */
  get retriable(): boolean {
    return this.kind === 'unavailable' || this.kind === 'rate_limited';
  }
}

export const validationError = (code: string, message: string, issues: readonly FieldIssue[] = []): AppError =>
  new AppError('validation', code, message, { issues });

export const notFound = (code: string, message: string): AppError => new AppError('not_found', code, message);

export const conflict = (code: string, message: string): AppError => new AppError('conflict', code, message);

export const unprocessable = (code: string, message: string): AppError => new AppError('unprocessable', code, message);

export const unavailable = (code: string, message: string, retryAfterSeconds = 5, cause?: unknown): AppError =>
  new AppError('unavailable', code, message, { retryAfterSeconds, cause });

export const rateLimited = (message: string, retryAfterSeconds: number): AppError =>
  new AppError('rate_limited', 'RATE_LIMITED', message, { retryAfterSeconds });

export const unauthenticated = (code: string, message: string): AppError => new AppError('unauthenticated', code, message);

export const forbidden = (code: string, message: string): AppError => new AppError('forbidden', code, message);

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
