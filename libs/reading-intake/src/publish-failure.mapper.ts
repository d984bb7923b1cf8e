import { unavailable, type AppError } from '@surge/errors/app.error';
import { RETRY_AFTER_SECONDS } from '@surge/errors/error-codes.catalog';
import { KafkaUnavailableError } from '@surge/kafka/kafka-unavailable.error';

/**
 * The 503 wording once records were handed to the producer. "Nothing was accepted" would be false there: a write
 * can land after its deadline or with its ack lost. Only refusals before handing over (buffer full, shutting down,
 * load shedding) may say nothing was accepted.
 */
export const NOT_CONFIRMED =
  'We could not confirm your reading was stored: it may or may not have been. Retry after Retry-After seconds with the same Idempotency-Key; a reading sent twice is stored once.';

/**
 * The broker's refusals in the reading feature's words: every one is 503 INGEST_UNAVAILABLE (a retry with the
 * same Idempotency-Key names the same reading, which the sink stores once), worded by whether the reading may
 * have been written. Anything else passes through unchanged.
 */
export function toIntakeError(error: unknown): unknown {
  if (!(error instanceof KafkaUnavailableError)) return error;
  return intakeErrorFor(error);
}

function intakeErrorFor(error: KafkaUnavailableError): AppError {
  switch (error.reason) {
    case 'closing':
      return unavailable('INGEST_UNAVAILABLE', 'The service is shutting down; retry shortly.', { retryAfterSeconds: RETRY_AFTER_SECONDS.busy, cause: error });
    case 'buffer_full':
      return unavailable('INGEST_UNAVAILABLE', 'We are receiving more readings than we can store right now; nothing was accepted. Please retry shortly.', {
        retryAfterSeconds: RETRY_AFTER_SECONDS.overloaded,
        cause: error,
      });
    case 'not_confirmed':
      return unavailable('INGEST_UNAVAILABLE', NOT_CONFIRMED, { cause: error });
  }
}
