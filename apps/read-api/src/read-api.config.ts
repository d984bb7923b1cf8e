import { z } from 'zod';
import { loadConfig } from '@surge/config/config.loader';
import { bool, infraFields, port, positiveInt } from '@surge/config/config.fields';

const schema = z.object({
  ...infraFields,
  HOST: z.string().default('127.0.0.1'),
  PORT: port(3000),
  /** Several instances on one host share the port (SO_REUSEPORT, Linux): the kernel spreads connections. */
  HTTP_REUSE_PORT: bool(false),
  /**
   * Connections the kernel queues for accept (capped by net.core.somaxconn). Past it a new connection's SYN is
   * dropped and the client waits out a retransmit (1 s, 3 s, 7 s...): beyond capacity that, not our answer, was
   * the tail. Queued instead, it is accepted within milliseconds and, if we are too busy, answered 503 at once.
   */
  HTTP_LISTEN_BACKLOG: z.coerce.number().int().min(1).max(65_535).default(4096),
  JWT_PUBLIC_KEY: z.string().min(1, 'a PEM public key (SPKI) that verifies customer tokens'),
  JWT_ALGORITHM: z.enum(['ES256', 'RS256', 'EdDSA']).default('ES256'),
  JWT_ISSUER: z.string().min(1).default('https://id.surge.local'),
  JWT_AUDIENCE: z.string().min(1).default('surge-api'),
  /** Oldest (now - iat) and longest-lived (exp - iat) customer token taken; one in the future is refused too. */
  JWT_MAX_TOKEN_AGE_SECONDS: positiveInt(12 * 3600),
  API_KEYS: z.string().default(''),
  /** How long a submit waits for acks=all before answering 503. */
  KAFKA_ACK_DEADLINE_MS: positiveInt(2000),
  KAFKA_MAX_BUFFERED_RECORDS: positiveInt(20000),
  KAFKA_MAX_BATCH_RECORDS: positiveInt(500),
  KAFKA_LINGER_MS: z.coerce.number().int().min(0).default(2),
  KAFKA_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(5).default(2),
  /**
   * Producers with their own connections (see PlatformaticEventPublisher): more overlap of produce round trips.
   * Measured on the short surge (page probe off, quiet machine): 1 lane halves the broker's CPU but, with one
   * produce request in flight per connection, submits wait behind it (p95 249 ms, 0.76% shed); 4 lanes held
   * p95 169 ms with no errors (docs/benchmarks.md). The customer's latency wins.
   */
  KAFKA_PRODUCER_LANES: z.coerce.number().int().min(1).max(16).default(4),
  ENSURE_TOPICS: bool(true),
  /** Concurrent requests per instance before shedding with 503 (see libs/http/src/load-shedding.ts). */
  MAX_IN_FLIGHT_REQUESTS: positiveInt(256),
  /**
   * Queueing delay (how late the event loop runs) past which new requests are shed with 503 + Retry-After, so
   * beyond capacity the excess is refused in milliseconds instead of timing out; 0 turns it off.
   */
  // 100, not 50: with the collectors' batches refused first, a customer is refused only when the loop is truly
  // behind; in the full 14x surge 50 ms refused 2.4% of customers (page submit-to-answer p95 1.11 s, each refusal a
  // 1 s Retry-After) and 100 ms refused 0.81% (page p95 272 ms), for p95 299 instead of 211 ms
  // (docs/decisions/0021-criticality-shedding.md).
  MAX_QUEUE_DELAY_MS: z.coerce.number().int().min(0).max(10_000).default(100),
  /**
   * Requests are queued where they arrive and worked from a queue of our own at most this many milliseconds a turn
   * of the event loop (libs/http/src/admission.queue.ts): the loop polls its sockets, and takes its next new
   * connection, that often. A request waits there at most MAX_QUEUE_DELAY_MS (a batch SHEDDABLE_MAX_QUEUE_DELAY_MS)
   * before it is refused. 0 works each request in the turn it arrived (docs/decisions/0021-criticality-shedding.md).
   */
  ADMISSION_TURN_BUDGET_MS: z.coerce.number().min(0).max(1000).default(2),
  /** Requests waiting in that queue at most; the next is refused at once. */
  ADMISSION_MAX_QUEUED: positiveInt(4096),
  /**
   * The same for sheddable work, the collectors' batches: refused at a shorter delay, so under overload the cores
   * go to customers first and the machines retry on Retry-After (docs/decisions/0021-criticality-shedding.md).
   * Must not exceed MAX_QUEUE_DELAY_MS; 0 sheds batches like everything else.
   */
  SHEDDABLE_MAX_QUEUE_DELAY_MS: z.coerce.number().int().min(0).max(10_000).default(15),
  /**
   * Busy share of the event loop (0-1) past which collector batches are refused: the early signal, while the
   * loop still has idle time and customers wait for nothing; 1 turns it off.
   */
  SHEDDABLE_MAX_LOOP_UTILIZATION: z.coerce.number().min(0.1).max(1).default(0.7),
  /** Collector batches being handled at once per instance, at most, before the next is refused with 503. */
  SHEDDABLE_MAX_IN_FLIGHT_REQUESTS: positiveInt(32),
  /**
   * Readings a minute per customer, over the single and batch routes together (a batch of N costs N).
   * Customers submit a handful; the budget stops a runaway client, not a person.
   */
  RATE_LIMIT_SUBMIT_PER_MINUTE: positiveInt(120),
  /** Readings a minute per API key (data collectors send batches of up to 1,000), both routes together. */
  RATE_LIMIT_COLLECTOR_READINGS_PER_MINUTE: positiveInt(600_000),
  RATE_LIMIT_READ_PER_MINUTE: positiveInt(600),
  IDEMPOTENCY_TTL_SECONDS: positiveInt(24 * 3600),
}).superRefine((c, ctx) => {
  // MAX_QUEUE_DELAY_MS=0 turns queue-delay shedding off altogether (benches that must work every request).
  if (c.MAX_QUEUE_DELAY_MS > 0 && c.SHEDDABLE_MAX_QUEUE_DELAY_MS > c.MAX_QUEUE_DELAY_MS) {
    ctx.addIssue({
      code: 'custom',
      path: ['SHEDDABLE_MAX_QUEUE_DELAY_MS'],
      message: `must not exceed MAX_QUEUE_DELAY_MS (${c.MAX_QUEUE_DELAY_MS}): collector batches are shed before customers, never after`,
    });
  }
});

export type ReadApiConfig = z.infer<typeof schema>;

export const loadReadApiConfig = (env: Record<string, string | undefined>): ReadApiConfig => loadConfig(schema, env);
