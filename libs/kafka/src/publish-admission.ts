import { KafkaUnavailableError } from './kafka-unavailable.error';

/**
 * Whether a publisher may take `incoming` more records, before anything is handed to the broker: refused while it
 * closes, and past `maxBuffered` records waiting for acks (memory stays bounded when the broker is slow, and the
 * caller answers 503 at once instead of queueing). One rule for every EventPublisher implementation.
 */
export function publishRefusal(closed: boolean, buffered: number, incoming: number, maxBuffered: number): KafkaUnavailableError | undefined {
  if (closed) return new KafkaUnavailableError('closing', 'the publisher is closing; nothing was handed to the broker');
  if (incoming > 0 && buffered + incoming > maxBuffered) {
    return new KafkaUnavailableError('buffer_full', `${buffered} records already wait for acks (at most ${maxBuffered}); nothing was handed to the broker`);
  }
  return undefined;
}
