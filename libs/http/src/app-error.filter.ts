import { ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, unavailable } from '@surge/errors/app.error';
import { httpStatusOf } from '@surge/errors/error-codes.catalog';

export interface ErrorBody {
  error: { code: string; message: string; issues?: readonly unknown[]; correlationId?: string };
}

/**
 * The one place errors become HTTP responses. AppErrors map by kind, with the status and Retry-After the
 * catalogue (libs/errors/src/error-codes.catalog.ts) decides; framework errors
 * (bad JSON, body too large, unknown route) become stable codes too, so a
 * client never sees a 500 for its own bad input. Anything else is a bug: 500
 * with a generic message, logged with the correlation id.
 */
@Catch()
export class AppErrorFilter implements ExceptionFilter {
  constructor(private readonly logError: (error: unknown, correlationId: string | undefined) => void = () => undefined) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const correlationId = request?.headers?.['x-correlation-id'] as string | undefined;
    const status = replyWithError(reply, exception, correlationId);
    if (status >= 500 && status !== httpStatusOf('unavailable')) this.logError(exception, correlationId);
  }
}

/** Sends the error response (status, Retry-After where the error has one, body with the correlation id); returns the status. */
export function replyWithError(reply: FastifyReply, exception: unknown, correlationId: string | undefined): number {
  const { status, body, retryAfter } = toResponse(exception);
  if (retryAfter !== undefined) void reply.header('Retry-After', String(retryAfter));
  void reply.status(status).send({ error: { ...body.error, ...(correlationId ? { correlationId } : {}) } });
  return status;
}

export function toResponse(exception: unknown): { status: number; body: ErrorBody; retryAfter?: number } {
  if (exception instanceof AppError) {
    return {
      status: httpStatusOf(exception.kind),
      body: { error: { code: exception.code, message: exception.message, ...(exception.details.issues ? { issues: exception.details.issues } : {}) } },
      ...(exception.details.retryAfterSeconds !== undefined ? { retryAfter: exception.details.retryAfterSeconds } : {}),
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    // Nest wraps Fastify's body-parser failure in a 400 HttpException.
    if (status === 400 && /JSON/i.test(exception.message)) {
      return { status, body: { error: { code: 'MALFORMED_JSON', message: 'The body is not valid JSON; check quotes and commas.' } } };
    }
    const code = status === 404 ? 'NOT_FOUND' : status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : status < 500 ? 'BAD_REQUEST' : 'INTERNAL_ERROR';
    return { status, body: { error: { code, message: status === 404 ? 'No such route.' : exception.message } } };
  }
  // Fastify's own errors (JSON parse, body limit, content type) carry statusCode and a FST_ code.
  const fst = exception as { statusCode?: number; code?: string; message?: string };
  if (typeof fst?.statusCode === 'number' && fst.statusCode >= 400 && fst.statusCode < 500) {
    const code =
      fst.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || /JSON/i.test(fst.message ?? '')
        ? 'MALFORMED_JSON'
        : fst.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? 'PAYLOAD_TOO_LARGE'
          : fst.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
            ? 'UNSUPPORTED_MEDIA_TYPE'
            : 'BAD_REQUEST';
    const message = code === 'MALFORMED_JSON' ? 'The body is not valid JSON; check quotes and commas.' : (fst.message ?? 'Bad request.');
    return { status: fst.statusCode, body: { error: { code, message } } };
  }
  if (isDependencyOutage(exception)) {
    return toResponse(unavailable('DEPENDENCY_UNAVAILABLE', 'A service this request needs is unavailable; try again after Retry-After seconds.'));
  }
  return { status: 500, body: { error: { code: 'INTERNAL_ERROR', message: 'Something went wrong on our side. It has been logged; please retry.' } } };
}

// Socket-level failures, a request timeout, and PostgreSQL's "cannot connect / shutting down" classes (08xxx, 57P0x).
const OUTAGE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN', '57P01', '57P02', '57P03']);
// "Timeout error." is @clickhouse/client's request_timeout: a server that does not answer (frozen, overloaded).
const OUTAGE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Connection is closed|connect ECONNREFUSED|socket hang up|^Timeout error\.?$/i;

/**
 * A driver error that means a store is down or unreachable, wherever a
 * repository let it escape: the caller did nothing wrong and may retry, so it
 * is a 503 with Retry-After, not a 500 (the non-negotiable "say so").
 * Follows `cause` a few levels, as AggregateError and wrapped errors nest it.
 */
export function isDependencyOutage(exception: unknown, depth = 0): boolean {
  if (depth > 3 || typeof exception !== 'object' || exception === null) return false;
  const e = exception as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && (OUTAGE_CODES.has(e.code) || e.code.startsWith('08'))) return true;
  if (typeof e.message === 'string' && OUTAGE_MESSAGES.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isDependencyOutage(inner, depth + 1))) return true;
  return isDependencyOutage(e.cause, depth + 1);
}
