import type { FastifyInstance } from 'fastify';
import { unavailable } from '@surge/errors/app.error';
import { RETRY_AFTER_SECONDS } from '@surge/errors/error-codes.catalog';
import { toResponse } from './app-error.filter';

export interface LoadSheddingOptions {
  /** Requests being handled at once, at most; the next answers 503 at once. */
  maxInFlight: number;
  /** Routes never shed (health probes, metrics). */
  exempt: readonly string[];
  /**
   * Past this queueing delay (how late the event loop is, `lagMs`), new requests are answered 503 at once too:
   * beyond capacity the excess is refused in well under a millisecond each instead of waiting seconds for a
   * loop that cannot catch up, so the requests taken keep their latency and no caller waits out a timeout.
   */
  maxQueueDelayMs?: number;
  lagMs?: () => number;
  onShed?: (reason: 'in_flight' | 'queue_delay') => void;
}

/**
 * A bounded front door. Past `maxInFlight` concurrent requests, or while the
 * event loop runs later than `maxQueueDelayMs`, new ones are
 * answered 503 + Retry-After immediately, before any parsing or
 * authentication: an overloaded instance stays fast for the requests it does
 * take (and honest about the rest) instead of queueing every request into
 * multi-second latency. Load balancers and clients retry elsewhere or later.
 */
export function registerLoadShedding(fastify: FastifyInstance, options: LoadSheddingOptions): { inFlight: () => number } {
  let inFlight = 0;
  const exempt = new Set(options.exempt);
  // Built once: a refusal costs well under a millisecond. Status and Retry-After are the catalogue's (busy: the
  // next moment, or another instance, serves).
  const refusal = toResponse(
    unavailable('INGEST_UNAVAILABLE', 'We are receiving more requests than we can handle right now; nothing was accepted. Please retry shortly.', {
      retryAfterSeconds: RETRY_AFTER_SECONDS.busy,
    }),
  );
  const body = JSON.stringify(refusal.body);
  const retryAfter = String(refusal.retryAfter);
  fastify.addHook('onRequest', (request, reply, done) => {
    if (exempt.has(request.url)) return done();
    const late = options.lagMs !== undefined && options.maxQueueDelayMs !== undefined && options.lagMs() > options.maxQueueDelayMs;
    if (late || inFlight >= options.maxInFlight) {
      options.onShed?.(late ? 'queue_delay' : 'in_flight');
      void reply.code(refusal.status).header('retry-after', retryAfter).header('content-type', 'application/json').send(body);
      return;
    }
    inFlight++;
    let released = false;
    const release = () => {
      if (!released) {
        released = true;
        inFlight--;
      }
    };
    reply.raw.once('finish', release);
    reply.raw.once('close', release);
    done();
  });
  return { inFlight: () => inFlight };
}
