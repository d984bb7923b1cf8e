import { createHash, randomUUID } from 'node:crypto';
import type { Principal } from '@surge/auth/principal.model';
import { hasScope, principalKey } from '@surge/auth/principal.model';
import { AppError, forbidden, notFound, validationError, type FieldIssue } from '@surge/errors/app.error';
import type { EventPublisher } from '@surge/kafka/event-publisher';
import type { OutgoingRecord } from '@surge/kafka/kafka-record';
import type { TopicCatalog } from '@surge/topic-catalog/topic.catalog';
import { validateReadingFields } from '@surge/meter-domain/reading-submission.validator';
import { parseRegisterId } from '@surge/meter-domain/register.model';
import { canonicalReadingValue } from '@surge/meter-domain/reading-value.parser';
import { parseOrThrow } from '@surge/validation/schema.parser';
import { encodeSubmitted, type MeterReadingSubmittedV1 } from '@surge/reading-contracts/meter-reading-submitted.event';
import { toStoredInstant } from '@surge/meter-domain/stored-instant.converter';
import { toIntakeError } from './publish-failure.mapper';
import { MAX_BATCH_ITEMS, readingSubmissionSchema, type ReadingSubmission } from './reading-submission.schema';
import type { ReceiptRecorder } from '@surge/reading-intake/redis/reading-receipt.store';

export interface SubmitContext {
  readonly correlationId: string;
  /** When given, the reading id is derived from it so a retried publish carries the same id (deduplicated downstream). */
  readonly idempotencyKey?: string;
  readonly now: Date;
}

export interface SubmitReceipt {
  readonly readingId: string;
  readonly status: 'received';
  readonly submittedAt: string;
}

export type BatchItemResult =
  | { readonly index: number; readonly status: 'received'; readonly readingId: string }
  | { readonly index: number; readonly status: 'invalid'; readonly error: { code: string; message: string; issues?: readonly FieldIssue[] } };

/**
 * The request-path half of ingestion: validate cheaply (no database round
 * trip), authorize against the caller's own supply points, and make the
 * reading durable in Kafka. A receipt is returned only after the broker
 * acknowledged from all in-sync replicas; otherwise the publisher's
 * KafkaUnavailableError becomes 503 INGEST_UNAVAILABLE (Retry-After) in the
 * feature's words (publish-failure.mapper.ts).
 */
export class ReadingIntakeService {
  constructor(
    private readonly publisher: EventPublisher,
    private readonly topics: TopicCatalog,
    private readonly receipts: ReceiptRecorder = { record: () => undefined },
    private readonly onReceived: (count: number) => void = () => undefined,
  ) {}

  async submit(principal: Principal, body: unknown, ctx: SubmitContext): Promise<SubmitReceipt> {
    const event = this.toEvent(principal, body, ctx, ctx.idempotencyKey);
    await this.publish([this.toRecord(event)]);
    this.receipts.record(event.readingId, event.accountId, event.submittedAt);
    this.onReceived(1);
    return { readingId: event.readingId, status: 'received', submittedAt: event.submittedAt };
  }

  /**
   * Up to MAX_BATCH_ITEMS readings, answered per item. Valid items are
   * published together; invalid ones are reported and change nothing. If the
   * publish fails, the whole call fails with 503 (no item is claimed durable).
   */
  async submitBatch(principal: Principal, body: unknown, ctx: SubmitContext): Promise<BatchItemResult[]> {
    if (principal.kind === 'service' && !hasScope(principal, 'readings:submit')) {
      throw forbidden('INSUFFICIENT_SCOPE', 'This API key may not submit readings (scope readings:submit).');
    }
    const items = parseBatch(body);
    const results: BatchItemResult[] = [];
    const records: OutgoingRecord[] = [];
    const received: MeterReadingSubmittedV1[] = [];
    items.forEach((item, index) => {
      try {
        const key = ctx.idempotencyKey ? `${ctx.idempotencyKey}#${index}` : undefined;
        const event = this.toEvent(principal, item, ctx, key);
        records.push(this.toRecord(event));
        received.push(event);
        results.push({ index, status: 'received', readingId: event.readingId });
      } catch (e) {
        if (!(e instanceof AppError) || e.retriable) throw e;
        results.push({ index, status: 'invalid', error: { code: e.code, message: e.message, ...(e.details.issues ? { issues: e.details.issues } : {}) } });
      }
    });
    await this.publish(records);
    for (const e of received) this.receipts.record(e.readingId, e.accountId, e.submittedAt);
    this.onReceived(received.length);
    return results;
  }

  /** Resolves once acks=all came back for every record; a broker refusal becomes the feature's 503. */
  private async publish(records: readonly OutgoingRecord[]): Promise<void> {
    try {
      await this.publisher.publish(records);
    } catch (error) {
      throw toIntakeError(error);
    }
  }

  private toEvent(principal: Principal, body: unknown, ctx: SubmitContext, idempotencyKey: string | undefined): MeterReadingSubmittedV1 {
    const input = parseSubmission(body);
    const accountId = this.authorize(principal, input);
    const issues = validateReadingFields(
      {
        supplyPointId: input.supplyPointId,
        fuel: fuelOf(input.supplyPointId),
        meterSerial: input.meterSerial,
        registerId: input.registerId,
        readAt: input.readAt,
        value: input.value,
        digits: input.digits,
      },
      ctx.now,
    );
    if (issues.length > 0) {
      throw validationError(issues[0]!.code, issues.map((i) => i.message).join(' '), issues);
    }
    const fuel = fuelOf(input.supplyPointId);
    return {
      schema: 'meter-reading.submitted.v1',
      readingId: idempotencyKey ? uuidFromKey(`${principalKey(principal)}|${idempotencyKey}`) : randomUUID(),
      accountId,
      supplyPointId: input.supplyPointId,
      fuel,
      meterSerial: input.meterSerial.toUpperCase(),
      // One id per register kind ('01' and 'S' are the same register), so history is shared.
      registerId: parseRegisterId(input.registerId)?.id ?? input.registerId.toUpperCase(),
      // Stored to the second: a reading's identity must not hinge on milliseconds a client happened to send.
      readAt: toStoredInstant(input.readAt),
      // The canonical decimal (no leading zeros, no zero tenth): the form the read API serves back from ClickHouse too.
      value: canonicalReadingValue(input.value),
      unit: input.unit ?? (fuel === 'gas' ? 'm3' : 'kWh'),
      ...originOf(principal, input),
      submittedAt: ctx.now.toISOString(),
      correlationId: ctx.correlationId,
      digits: input.digits,
    };
  }

  private toRecord(event: MeterReadingSubmittedV1): OutgoingRecord {
    return {
      topic: this.topics.meterReadings.name,
      key: event.supplyPointId,
      value: encodeSubmitted(event),
      headers: { 'correlation-id': event.correlationId, schema: event.schema },
    };
  }

  /** Object-level authorization: a customer only for their own supply points and meters; another account's look like "not found". */
  private authorize(principal: Principal, input: ReadingSubmission): string {
    if (principal.kind === 'customer') {
      if (input.accountId !== undefined && input.accountId !== principal.accountId) {
        throw notFound('ACCOUNT_NOT_FOUND', `No account ${input.accountId} is yours.`);
      }
      const serial = input.meterSerial.toUpperCase();
      if (!principal.supplyPointIds.includes(input.supplyPointId) || !principal.meterSerials.some((m) => m.toUpperCase() === serial)) {
        throw notFound('METER_NOT_ON_ACCOUNT', `Supply point ${input.supplyPointId} with meter ${input.meterSerial} is not on your account; check the numbers on your bill.`);
      }
      return principal.accountId;
    }
    if (!hasScope(principal, 'readings:submit')) throw forbidden('INSUFFICIENT_SCOPE', 'This API key may not submit readings (scope readings:submit).');
    if (!input.accountId) {
      throw validationError('VALIDATION_FAILED', 'accountId is required when a data collector submits.', [
        { code: 'REQUIRED', field: 'accountId', message: 'accountId is required when a data collector submits.' },
      ]);
    }
    return input.accountId;
  }
}

/**
 * Who read the meter and how it reached us are decided from the credentials, never taken from the body: a
 * customer's reading is source C on the channel their token names (web unless the identity provider says app);
 * a collector's is channel collector with the source it states (C when it states none). A body that tries to set
 * what is the server's to decide is refused (400 FIELD_SET_BY_SERVER) rather than silently overridden, so a client
 * that believes otherwise finds out at once.
 */
function originOf(principal: Principal, input: ReadingSubmission): Pick<MeterReadingSubmittedV1, 'source' | 'channel'> {
  const refused = principal.kind === 'customer' ? (['source', 'channel'] as const).filter((f) => input[f] !== undefined) : input.channel !== undefined ? (['channel'] as const) : [];
  if (refused.length > 0) {
    const message =
      principal.kind === 'customer'
        ? `Remove ${refused.join(' and ')}: a customer's reading is always a customer reading, and the channel comes from how you signed in.`
        : 'Remove channel: a reading sent with an API key is always on the collector channel.';
    throwValidation('FIELD_SET_BY_SERVER', refused.map((field) => ({ code: 'FIELD_SET_BY_SERVER', field, message })));
  }
  return principal.kind === 'customer' ? { source: 'C', channel: principal.channel ?? 'web' } : { source: input.source ?? 'C', channel: 'collector' };
}

function parseBatch(body: unknown): readonly unknown[] {
  const readings = (body as { readings?: unknown } | null)?.readings;
  if (!body || typeof body !== 'object' || Array.isArray(body) || !Array.isArray(readings) || readings.length === 0) {
    return throwValidation('VALIDATION_FAILED', [{ code: 'INVALID_FIELD', field: 'readings', message: 'Send {"readings": [ ... ]} with at least one reading.' }]);
  }
  const extra = Object.keys(body).filter((k) => k !== 'readings');
  if (extra.length > 0) {
    return throwValidation('UNKNOWN_FIELD', [{ code: 'UNKNOWN_FIELD', field: extra.join(','), message: `Unknown field(s): ${extra.join(', ')}.` }]);
  }
  if (readings.length > MAX_BATCH_ITEMS) {
    return throwValidation('BATCH_TOO_LARGE', [
      { code: 'BATCH_TOO_LARGE', field: 'readings', message: `A batch holds at most ${MAX_BATCH_ITEMS} readings; this one has ${readings.length}. Split it.` },
    ]);
  }
  return readings;
}

function parseSubmission(body: unknown): ReadingSubmission {
  return parseOrThrow(readingSubmissionSchema, body, { namesUnknownFields: true });
}

function throwValidation(code: string, issues: FieldIssue[]): never {
  throw validationError(code, issues.map((i) => i.message).join(' '), issues);
}

const fuelOf = (supplyPointId: string): 'electricity' | 'gas' => (supplyPointId.length === 13 ? 'electricity' : 'gas');

/** A name-based UUID (v5 layout over SHA-1) so the same caller+key always names the same reading. */
export function uuidFromKey(key: string): string {
  const h = createHash('sha1').update('surge-reading:').update(key).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
