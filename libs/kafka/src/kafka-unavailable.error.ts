/**
 * Why a publish was refused or not confirmed: transport facts, for whichever feature publishes to map to
 * its own error codes and words (the adapter knows no domain).
 * - `closing`: the publisher is shutting down; nothing was handed to the broker.
 * - `buffer_full`: the bounded buffer is full (the backpressure); nothing was handed to the broker.
 * - `not_confirmed`: the records were handed to the producer but acks=all did not come back in time, or the
 *   produce request failed. They may still have been written (a late or lost ack): never report them as
 *   "not stored", only as "not confirmed".
 */
export type KafkaUnavailableReason = 'closing' | 'buffer_full' | 'not_confirmed';

/** A publish that cannot be confirmed durable. Retriable: the same records may be sent again (consumers deduplicate). */
export class KafkaUnavailableError extends Error {
  constructor(
    readonly reason: KafkaUnavailableReason,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KafkaUnavailableError';
  }

  /** Whether the records may have reached the broker despite the refusal. */
  get mayHaveBeenWritten(): boolean {
    return this.reason === 'not_confirmed';
  }
}
