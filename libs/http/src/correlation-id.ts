import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

const VALID = /^[A-Za-z0-9._-]{8,64}$/;

/**
 * Every request carries an `x-correlation-id` (the caller's, if well formed,
 * else a new one), echoed in the response. It travels on into Kafka headers
 * and the sink's logs, so one reading can be followed end to end.
 */
export function registerCorrelationId(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const given = request.headers['x-correlation-id'];
    const id = typeof given === 'string' && VALID.test(given) ? given : randomUUID();
    request.headers['x-correlation-id'] = id;
    void reply.header('x-correlation-id', id);
    done();
  });
}
