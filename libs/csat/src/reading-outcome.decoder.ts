import type { ReadingOutcomeV1 } from '@surge/reading-contracts/reading-outcome.event';
import type { Interaction } from './invitation.policy';

/** A record that can never become an interaction, however often it is retried. */
export class MalformedOutcomeError extends Error {
  constructor(readonly reason: string, detail: string) {
    super(detail);
    this.name = 'MalformedOutcomeError';
  }
}

const STATUSES = new Set(['accepted', 'rejected', 'held']);

/**
 * Decodes a `reading.accepted.v1` / `reading.rejected.v1` record into the
 * facts the invitation rules need. Structural checks only; anything else in
 * the event is ignored (additive changes to the event stay compatible).
 */
export function decodeOutcome(value: Buffer): Interaction & { readonly correlationId: string; readonly message: string | null } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    throw new MalformedOutcomeError('MALFORMED_JSON', 'record value is not JSON');
  }
  const e = parsed as Partial<ReadingOutcomeV1> | null;
  if (!e || typeof e !== 'object') throw new MalformedOutcomeError('NOT_AN_OBJECT', 'record value is not an object');
  if (e.schema !== 'reading.outcome.v1') throw new MalformedOutcomeError('UNKNOWN_SCHEMA', `unknown schema ${String(e.schema)}`);
  for (const f of ['readingId', 'accountId', 'channel', 'decidedAt'] as const) {
    if (typeof e[f] !== 'string' || e[f] === '') throw new MalformedOutcomeError('MISSING_FIELD', `field ${f} missing or not a string`);
  }
  if (!STATUSES.has(String(e.status))) throw new MalformedOutcomeError('INVALID_STATUS', `unknown status ${String(e.status)}`);
  const decidedAtMs = Date.parse(e.decidedAt!);
  if (Number.isNaN(decidedAtMs)) throw new MalformedOutcomeError('INVALID_DECIDED_AT', 'decidedAt is not a date');
  if (e.readingId!.length > 64 || e.accountId!.length > 64) throw new MalformedOutcomeError('ID_TOO_LONG', 'readingId or accountId longer than 64 characters');
  return {
    readingId: e.readingId!,
    accountId: e.accountId!,
    channel: e.channel!,
    status: e.status as Interaction['status'],
    reasonCode: typeof e.reasonCode === 'string' && e.reasonCode !== '' ? e.reasonCode.slice(0, 64) : null,
    duplicateOf: typeof e.duplicateOf === 'string' && e.duplicateOf !== '' ? e.duplicateOf : null,
    decidedAtMs,
    correlationId: typeof e.correlationId === 'string' ? e.correlationId.slice(0, 64) : '',
    message: typeof e.message === 'string' ? e.message.slice(0, 500) : null,
  };
}
