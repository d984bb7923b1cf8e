import type { CustomerPrincipal, ServicePrincipal } from '@surge/auth/principal.model';
import { AppError, unavailable } from '@surge/errors/app.error';
import type { EventPublisher } from '@surge/kafka/event-publisher';
import { KafkaUnavailableError, type KafkaUnavailableReason } from '@surge/kafka/kafka-unavailable.error';
import type { OutgoingRecord } from '@surge/kafka/kafka-record';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { testMpan } from '@surge-test/fixtures/reading.stub';
import { NOT_CONFIRMED } from './publish-failure.mapper';
import { ReadingIntakeService, uuidFromKey } from './reading-intake.service';

/** An in-memory publisher: this is a unit test of the request-path rules, not of Kafka. */
class RecordingPublisher implements EventPublisher {
  published: OutgoingRecord[] = [];
  failWith: Error | undefined;
  async publish(records: readonly OutgoingRecord[]) {
    if (this.failWith) throw this.failWith;
    this.published.push(...records);
  }
  isHealthy = () => true;
  close = async () => undefined;
}

const mpan = testMpan(1);
const customer: CustomerPrincipal = { kind: 'customer', id: 'c1', accountId: 'A1', supplyPointIds: [mpan], meterSerials: ['S1'] };
const collector: ServicePrincipal = { kind: 'service', id: 'dc', scopes: ['readings:submit'] };
const now = new Date('2022-04-02T10:00:00Z');
const ctx = { correlationId: 'corr-1', now };
const good = { supplyPointId: mpan, meterSerial: 's1', registerId: '01', readAt: '2022-03-31T09:00:00+01:00', value: '01234.5' };

const code = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return (e as AppError).code;
  }
};

describe('ReadingIntakeService', () => {
  let publisher: RecordingPublisher;
  let intake: ReadingIntakeService;
  beforeEach(() => {
    publisher = new RecordingPublisher();
    intake = new ReadingIntakeService(publisher, resolveTopics(''));
  });

  it('publishes a normalised event keyed by supply point, and only then returns the receipt', async () => {
    const receipt = await intake.submit(customer, good, ctx);
    expect(publisher.published).toHaveLength(1);
    const record = publisher.published[0]!;
    expect(record.topic).toBe('meter-readings.v1');
    expect(record.key).toBe(mpan);
    const event = JSON.parse(String(record.value));
    expect(event).toMatchObject({ readingId: receipt.readingId, accountId: 'A1', registerId: 'S', meterSerial: 'S1', value: '1234.5', readAt: '2022-03-31T08:00:00.000Z', unit: 'kWh', fuel: 'electricity', source: 'C', channel: 'web' });
  });

  it('source and channel come from the caller: a customer is C on their token\u2019s channel, a collector states source on channel collector', async () => {
    const event = () => JSON.parse(String(publisher.published.at(-1)!.value)) as { source: string; channel: string };
    await intake.submit({ ...customer, channel: 'app' }, good, ctx);
    expect(event()).toMatchObject({ source: 'C', channel: 'app' });
    await intake.submit(collector, { ...good, accountId: 'A9', source: 'R' }, ctx);
    expect(event()).toMatchObject({ source: 'R', channel: 'collector' });
    await intake.submit(collector, { ...good, accountId: 'A9' }, ctx);
    expect(event()).toMatchObject({ source: 'C', channel: 'collector' });
    for (const extra of [{ source: 'R' }, { source: 'C' }, { channel: 'collector' }, { channel: 'web' }]) {
      expect(await code(intake.submit(customer, { ...good, ...extra }, ctx))).toBe('FIELD_SET_BY_SERVER');
    }
    expect(await code(intake.submit(collector, { ...good, accountId: 'A9', channel: 'collector' }, ctx))).toBe('FIELD_SET_BY_SERVER');
    expect(publisher.published).toHaveLength(3);
  });

  it('a customer may submit only for supply points and meters on their token: others look not found', async () => {
    expect(await code(intake.submit(customer, { ...good, supplyPointId: testMpan(2) }, ctx))).toBe('METER_NOT_ON_ACCOUNT');
    expect(await code(intake.submit(customer, { ...good, meterSerial: 'OTHER' }, ctx))).toBe('METER_NOT_ON_ACCOUNT');
    expect(await code(intake.submit(customer, { ...good, accountId: 'A2' }, ctx))).toBe('ACCOUNT_NOT_FOUND');
    expect(publisher.published).toHaveLength(0);
  });

  it('collectors need the submit scope and must name the account', async () => {
    expect(await code(intake.submit({ ...collector, scopes: ['readings:read'] }, { ...good, accountId: 'A9' }, ctx))).toBe('INSUFFICIENT_SCOPE');
    expect(await code(intake.submit(collector, good, ctx))).toBe('VALIDATION_FAILED');
    expect(await code(intake.submit(collector, { ...good, accountId: 'A9' }, ctx))).toBe('resolved');
  });

  it('bad input is a validation error with a stable code and publishes nothing', async () => {
    expect(await code(intake.submit(customer, { ...good, vaule: 1 }, ctx))).toBe('UNKNOWN_FIELD');
    expect(await code(intake.submit(customer, { ...good, value: '-1' }, ctx))).toBe('INVALID_VALUE');
    expect(await code(intake.submit(customer, { ...good, readAt: '2022-05-01T00:00:00Z' }, ctx))).toBe('READ_AT_IN_FUTURE');
    expect(await code(intake.submit(customer, { ...good, value: '123456' }, ctx))).toBe('VALUE_EXCEEDS_REGISTER_DIGITS');
    expect(await code(intake.submit(customer, null, ctx))).toBe('VALIDATION_FAILED');
    expect(publisher.published).toHaveLength(0);
  });

  it('derives the reading id from the caller and Idempotency-Key, so a retried publish names the same reading', async () => {
    const a = await intake.submit(customer, good, { ...ctx, idempotencyKey: 'key-12345678' });
    const b = await intake.submit(customer, good, { ...ctx, idempotencyKey: 'key-12345678' });
    expect(a.readingId).toBe(b.readingId);
    expect(a.readingId).toBe(uuidFromKey('customer:c1|key-12345678'));
    expect(a.readingId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const other = await intake.submit({ ...customer, id: 'c2' }, good, { ...ctx, idempotencyKey: 'key-12345678' });
    expect(other.readingId).not.toBe(a.readingId);
  });

  it('propagates "unavailable" from the publisher: no receipt without durability', async () => {
    publisher.failWith = unavailable('INGEST_UNAVAILABLE', 'down');
    expect(await code(intake.submit(customer, good, ctx))).toBe('INGEST_UNAVAILABLE');
  });

  it("answers the broker's refusals as 503 INGEST_UNAVAILABLE in the reading's words, saying \"may have been stored\" only when it may", async () => {
    const answer = async (reason: KafkaUnavailableReason) => {
      publisher.failWith = new KafkaUnavailableError(reason, 'transport detail');
      const e = await intake.submit(customer, good, ctx).then(() => undefined, (error: unknown) => error as AppError);
      const batch = await intake.submitBatch(collector, { readings: [{ ...good, accountId: 'A1' }] }, ctx).then(() => undefined, (error: unknown) => error as AppError);
      expect(batch).toMatchObject({ kind: e?.kind, code: e?.code, message: e?.message });
      return { kind: e?.kind, code: e?.code, message: e?.message, retryAfterSeconds: e?.details.retryAfterSeconds };
    };
    expect(await answer('not_confirmed')).toEqual({ kind: 'unavailable', code: 'INGEST_UNAVAILABLE', message: NOT_CONFIRMED, retryAfterSeconds: 5 });
    expect(NOT_CONFIRMED).toMatch(/may or may not have been.*same Idempotency-Key/);
    expect(await answer('buffer_full')).toMatchObject({ kind: 'unavailable', code: 'INGEST_UNAVAILABLE', message: expect.stringMatching(/nothing was accepted/), retryAfterSeconds: 2 });
    expect(await answer('closing')).toMatchObject({ kind: 'unavailable', code: 'INGEST_UNAVAILABLE', message: 'The service is shutting down; retry shortly.', retryAfterSeconds: 1 });
    expect(publisher.published).toHaveLength(0);
  });

  it('answers a batch per item: valid ones published together, invalid ones reported', async () => {
    const results = await intake.submitBatch(collector, { readings: [{ ...good, accountId: 'A1' }, { ...good, accountId: 'A1', value: 'x' }, { ...good, accountId: 'A2' }] }, ctx);
    expect(results.map((r) => r.status)).toEqual(['received', 'invalid', 'received']);
    expect(publisher.published).toHaveLength(2);
  });

  it('rejects an oversized or malformed batch as a whole', async () => {
    const many = Array.from({ length: 1001 }, () => ({ ...good, accountId: 'A1' }));
    expect(await code(intake.submitBatch(collector, { readings: many }, ctx))).toBe('BATCH_TOO_LARGE');
    expect(await code(intake.submitBatch(collector, { readings: [] }, ctx))).toBe('VALIDATION_FAILED');
    expect(await code(intake.submitBatch(collector, { readings: [good], extra: 1 }, ctx))).toBe('UNKNOWN_FIELD');
    expect(publisher.published).toHaveLength(0);
  });
});
