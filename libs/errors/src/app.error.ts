/**
 * The platform's error taxonomy. Every error a caller can see carries a stable
 * string code (part of the public API, listed in the OpenAPI document) and a
 * message a person can act on. What each kind and code means over HTTP (status,
 * Retry-After) is decided in one place, the catalogue (./error-codes.ts);
 * libs/http/src/app-error.filter.ts only applies it. Consumers use `retriable`
 * to decide between retrying a batch and dead-lettering a message.
 */
import { retryAfterOf, type ErrorKind } from './error-codes.catalog';

export type { ErrorKind } from './error-codes.catalog';

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

/**
 * A dependency down or too slow: 503. Retry-After is the catalogue's for the code unless the caller names
 * a shorter situation from RETRY_AFTER_SECONDS (e.g. `busy` while shutting down).
 */
export const unavailable = (code: string, message: string, options: { cause?: unknown; retryAfterSeconds?: number } = {}): AppError =>
  new AppError('unavailable', code, message, { retryAfterSeconds: options.retryAfterSeconds ?? retryAfterOf(code), cause: options.cause });

export const rateLimited = (message: string, retryAfterSeconds: number): AppError =>
  new AppError('rate_limited', 'RATE_LIMITED', message, { retryAfterSeconds });

export const unauthenticated = (code: string, message: string): AppError => new AppError('unauthenticated', code, message);

export const forbidden = (code: string, message: string): AppError => new AppError('forbidden', code, message);

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
