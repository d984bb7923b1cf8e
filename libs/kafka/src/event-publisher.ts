import type { OutgoingRecord } from './kafka-record';

/**
 * Publishes records to Kafka.
 *
 * Delivery guarantee: `publish` resolves only after the broker acknowledged
 * every record from all in-sync replicas (acks=all, idempotent producer). It
 * rejects with a `KafkaUnavailableError` (its `reason` says which) when that
 * cannot happen within the deadline or when the bounded buffer is full. A rejection does NOT prove the
 * records were not written (a late ack may still land), so callers make
 * retries safe with deterministic ids downstream; it only means "not
 * confirmed", which is why an API must answer 503 and never 2xx.
 * The adapter knows no domain: the publishing feature maps the error to its own code and words.
 */
export interface EventPublisher {
  publish(records: readonly OutgoingRecord[]): Promise<void>;
  /** True while the producer believes the cluster is reachable (readiness). */
  isHealthy(): boolean;
  close(): Promise<void>;
}

export const EVENT_PUBLISHER = Symbol('EVENT_PUBLISHER');
