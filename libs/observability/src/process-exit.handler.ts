import type { SurgeLogger } from './logger.factory';

/** The exit code of a service that stopped because it could not recover in process (EX_SOFTWARE). */
export const EXIT_UNRECOVERABLE = 70;

/**
 * A service that cannot recover in process exits, so that its supervisor
 * (scripts/services.sh natively, the kubelet in Kubernetes) starts a fresh
 * one: a half-alive process that answers HTTP but consumes nothing is worse
 * than a restart. Safe for the delivery guarantees: nothing uncommitted is
 * lost (Kafka redelivers it to the next instance), nothing accepted is
 * answered falsely. The log line is flushed before the exit.
 */
export function exitForSupervisor(logger: SurgeLogger, error: unknown): void {
  logger.fatal({ err: error, exitCode: EXIT_UNRECOVERABLE }, 'cannot recover in process; exiting for the supervisor to restart this service');
  logger.flush?.();
  setTimeout(() => process.exit(EXIT_UNRECOVERABLE), 100);
}
