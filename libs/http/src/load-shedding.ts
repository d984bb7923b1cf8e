import type { FastifyInstance, FastifyReply } from 'fastify';
import { unavailable } from '@surge/errors/app.error';
import { RETRY_AFTER_SECONDS } from '@surge/errors/error-codes.catalog';
import { toResponse } from './app-error.filter';
import { AdmissionQueue, type AdmissionQueueOptions, type Criticality } from './admission.queue';

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
  /**
   * Sheddable work (collector batches): refused first, at a shorter queueing delay and a smaller in-flight cap,
   * so under overload the box's CPU goes to the customers at the page before it goes to machines that retry on
   * Retry-After by themselves (the criticality classes of Google's SRE book, "Handling Overload"). Everything not
   * listed is critical. Without it every route is shed alike.
   */
  sheddable?: SheddableRoutes;
  /**
   * Requests are queued where they arrive and worked from the AdmissionQueue a few milliseconds a turn, customers
   * first; one that waited past its criticality's `maxWaitMs` is refused (`queue_delay`). Without it each request
   * is worked in the turn it arrived, as before.
   */
  admission?: AdmissionQueueOptions;
  onShed?: (reason: ShedReason, criticality: Criticality) => void;
}

export interface SheddableRoutes {
  /** Paths (no query string) whose requests are sheddable. */
  routes: readonly string[];
  /** Queueing delay past which sheddable requests are refused; below the critical `maxQueueDelayMs`. */
  maxQueueDelayMs: number;
  /** Sheddable requests being handled at once, at most (counted within `maxInFlight` too). */
  maxInFlight: number;
  /**
   * Busy share of the event loop (0-1, EventLoopUtilizationMonitor) past which sheddable requests are refused:
   * the earlier signal, while lag is still near zero.
   */
  maxLoopUtilization?: number;
  loopUtilization?: () => number;
}

export type ShedReason = 'in_flight' | 'queue_delay' | 'loop_utilization' | 'queue_full';
export type { Criticality };

/**
 * A bounded front door. Past `maxInFlight` concurrent requests, or while the
 * event loop runs later than `maxQueueDelayMs`, new ones are
 * answered 503 + Retry-After immediately, before any parsing or
 * authentication: an overloaded instance stays fast for the requests it does
 * take (and honest about the rest) instead of queueing every request into
 * multi-second latency. Load balancers and clients retry elsewhere or later.
 * Sheddable routes meet the same door with lower limits: they are refused
 * while the loop is only a little late, which keeps it from becoming late
 * enough to refuse a customer.
 */
export function registerLoadShedding(fastify: FastifyInstance, options: LoadSheddingOptions): { inFlight: () => number; sheddableInFlight: () => number } {
  let inFlight = 0;
  let sheddableInFlight = 0;
  const exempt = new Set(options.exempt);
  const sheddable = new Set(options.sheddable?.routes ?? []);
  const sheddableDelayMs = options.sheddable?.maxQueueDelayMs ?? options.maxQueueDelayMs;
  const sheddableCap = options.sheddable?.maxInFlight ?? options.maxInFlight;
  const { maxLoopUtilization, loopUtilization } = options.sheddable ?? {};
  const busyForSheddable = maxLoopUtilization !== undefined && loopUtilization ? () => loopUtilization() > maxLoopUtilization : undefined;
  // Built once: a refusal costs well under a millisecond. Status and Retry-After are the catalogue's (busy: the
  // next moment, or another instance, serves).
  const refusal = toResponse(
    unavailable('INGEST_UNAVAILABLE', 'We are receiving more requests than we can handle right now; nothing was accepted. Please retry shortly.', {
      retryAfterSeconds: RETRY_AFTER_SECONDS.busy,
    }),
  );
  const body = JSON.stringify(refusal.body);
  const retryAfter = String(refusal.retryAfter);
  const queue = options.admission ? new AdmissionQueue(options.admission) : undefined;
  const refuse = (reply: FastifyReply, reason: ShedReason | undefined, criticality: Criticality) => {
    if (reason) options.onShed?.(reason, criticality);
    void reply.code(refusal.status).header('retry-after', retryAfter).header('content-type', 'application/json').send(body);
  };
  const overCap = (isSheddable: boolean) => inFlight >= options.maxInFlight || (isSheddable && sheddableInFlight >= sheddableCap);
  const admit = (reply: FastifyReply, isSheddable: boolean, done: () => void) => {
    inFlight++;
    if (isSheddable) sheddableInFlight++;
    let released = false;
    const release = () => {
      if (!released) {
        released = true;
        inFlight--;
        if (isSheddable) sheddableInFlight--;
      }
    };
    reply.raw.once('finish', release);
    reply.raw.once('close', release);
    done();
  };
  fastify.addHook('onRequest', (request, reply, done) => {
    if (exempt.has(request.url)) return done();
    const q = request.url.indexOf('?');
    const isSheddable = sheddable.size > 0 && sheddable.has(q < 0 ? request.url : request.url.slice(0, q));
    const criticality: Criticality = isSheddable ? 'sheddable' : 'critical';
    const delayLimit = isSheddable ? sheddableDelayMs : options.maxQueueDelayMs;
    const late = options.lagMs !== undefined && delayLimit !== undefined && options.lagMs() > delayLimit;
    const busy = isSheddable && busyForSheddable !== undefined && busyForSheddable();
    if (late || busy || overCap(isSheddable)) return refuse(reply, late ? 'queue_delay' : busy ? 'loop_utilization' : 'in_flight', criticality);
    if (!queue) return admit(reply, isSheddable, done);
    const entered = queue.enter(
      criticality,
      () => {
        // The caller gave up while it waited: nothing to answer, nothing to work.
        if (request.raw.destroyed) return refuse(reply, undefined, criticality);
        // The caps again: requests admitted since this one arrived may have filled them.
        if (overCap(isSheddable)) return refuse(reply, 'in_flight', criticality);
        admit(reply, isSheddable, done);
      },
      () => refuse(reply, 'queue_delay', criticality),
    );
    if (!entered) refuse(reply, 'queue_full', criticality);
  });
  return { inFlight: () => inFlight, sheddableInFlight: () => sheddableInFlight };
}
