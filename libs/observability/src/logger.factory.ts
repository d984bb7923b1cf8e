// Structured JSON logs, one object a line on stdout, the same fields in every
// service so a log query can follow one reading across read-api, Kafka and
// read-sink by its correlationId.
import pino, { type DestinationStream, type Logger } from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** The HTTP header (and Kafka message header) carrying the correlation id. */
export const CORRELATION_ID_HEADER = 'x-correlation-id';

// Secrets never reach a log line even if a whole request or config is logged.
const REDACT_PATHS = [
  'authorization',
  'password',
  'token',
  '*.authorization',
  '*.password',
  '*.token',
  '*.headers.authorization',
  '*.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  '*.DATABASE_URL',
  '*.REDIS_URL',
];

export type SurgeLogger = Logger;

export function createLogger(service: string, level: LogLevel = 'info', destination?: DestinationStream): SurgeLogger {
  return pino(
    {
      level,
      base: { service },
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      // Level as its name ("error"), not pino's number: what people grep for.
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}

/** A child logger whose every line carries `correlationId`. */
export function withCorrelationId(logger: SurgeLogger, correlationId: string): SurgeLogger {
  return logger.child({ correlationId });
}
