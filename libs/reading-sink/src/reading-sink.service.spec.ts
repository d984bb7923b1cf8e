import type { ConsumedRecord, OutgoingRecord } from '@surge/kafka/kafka-record';
import type { EventPublisher } from '@surge/kafka/event-publisher';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { submittedEvent, testMpan } from '@surge-test/fixtures/reading.stub';
import { encodeSubmitted, type MeterReadingSubmittedV1 } from '@surge/reading-contracts/meter-reading-submitted.event';
import { registerKeyOf, type HistoricReading, type MeterReadingRepository, type RegisterKey, type StoredReading } from '@surge/reading-store/meter-reading.repository';
import { RegisterHistoryCache } from './reading-sink-history.cache';
import { neighbourhood, ReadingSinkService } from './reading-sink.service';

/** In-memory stand-ins: this tier tests the sink's decisions and ordering, not ClickHouse (see reading-sink.int-spec.ts). */
class MemoryRepository implements MeterReadingRepository {
  rows: StoredReading[] = [];
  historyLookups: string[][] = [];
  async insert(rows: readonly StoredReading[]) {
    this.rows.push(...rows);
  }
  async findDecided(_: readonly string[], ids: readonly string[]) {
    return new Map(this.rows.filter((r) => ids.includes(r.readingId)).map((r) => [r.readingId, r]));
  }
  async acceptedHistory(keys: readonly RegisterKey[]) {
    this.historyLookups.push(keys.map(registerKeyOf));
    const m = new Map<string, HistoricReading[]>();
    for (const k of keys) {
      m.set(
        registerKeyOf(k),
        this.rows
          .filter((r) => registerKeyOf(r) === registerKeyOf(k) && r.status === 'accepted' && !r.duplicateOf)
          .map((r) => ({ readingId: r.readingId, readAt: r.readAt, value: r.value, source: r.source })),
      );
    }
    return m;
  }
  async findForAccount() {
    return null;
  }
  async findById() {
    return null;
  }
  async listForAccount() {
    return [];
  }
}

class MemoryPublisher implements EventPublisher {
  records: OutgoingRecord[] = [];
  failNext = false;
  async publish(r: readonly OutgoingRecord[]) {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('broker down');
    }
    this.records.push(...r);
  }
  isHealthy = () => true;
  close = async () => undefined;
}

const asRecords = (events: MeterReadingSubmittedV1[]): ConsumedRecord[] =>
  events.map((e, i) => ({ topic: 't', partition: 0, offset: BigInt(i), key: e.supplyPointId, value: encodeSubmitted(e), headers: {}, timestamp: 0 }));

describe('ReadingSinkService decisions', () => {
  let repo: MemoryRepository;
  let publisher: MemoryPublisher;
  let sink: ReadingSinkService;
  beforeEach(() => {
    repo = new MemoryRepository();
    publisher = new MemoryPublisher();
    sink = new ReadingSinkService(repo, publisher, resolveTopics(''));
  });

  const base = { accountId: 'A1', supplyPointId: testMpan(3), registerId: 'S', value: '10000.1', readAt: '2025-10-20T10:22:15.000Z' };

  it('the same reading twice in one batch counts once (regression: both were accepted)', async () => {
    await sink.handle(asRecords([submittedEvent(base), submittedEvent(base)]));
    const counted = repo.rows.filter((r) => r.status === 'accepted' && !r.duplicateOf);
    expect(counted).toHaveLength(1);
    expect(repo.rows.filter((r) => r.duplicateOf === counted[0]!.readingId)).toHaveLength(1);
  });

  it('the same reading sent with different milliseconds counts once (regression: stored to the second, judged to the ms)', async () => {
    await sink.handle(asRecords([submittedEvent({ ...base, readAt: '2025-10-20T10:22:15.602Z' })]));
    await sink.handle(asRecords([submittedEvent({ ...base, readAt: '2025-10-20T10:22:15.104Z' })]));
    expect(repo.rows.filter((r) => r.status === 'accepted' && !r.duplicateOf)).toHaveLength(1);
    expect(repo.rows.every((r) => r.readAt === '2025-10-20T10:22:15.000Z')).toBe(true);
  });

  it('the same reading again in a later batch counts once', async () => {
    await sink.handle(asRecords([submittedEvent(base)]));
    await sink.handle(asRecords([submittedEvent(base)]));
    expect(repo.rows.filter((r) => r.status === 'accepted' && !r.duplicateOf)).toHaveLength(1);
  });

  it('publishes outcomes after the write, accepted and rejected to their topics, poison to the dead-letter topic', async () => {
    const first = submittedEvent({ ...base, value: '10000.0', readAt: '2025-10-01T00:00:00.000Z' });
    const lower = submittedEvent({ ...base, value: '9000.0', readAt: '2025-10-10T00:00:00.000Z' });
    await sink.handle([...asRecords([first, lower]), { topic: 't', partition: 0, offset: 9n, key: 'k', value: Buffer.from('nope'), headers: {}, timestamp: 0 }]);
    expect(repo.rows.map((r) => r.status)).toEqual(['accepted', 'rejected']);
    expect(repo.rows[1]!.reasonCode).toBe('NEGATIVE_ADVANCE');
    expect(publisher.records.map((r) => r.topic)).toEqual(['reading.accepted.v1', 'reading.rejected.v1', 'meter-readings.v1.dlq']);
    expect(publisher.records[2]!.headers!['dlq-reason']).toBe('MALFORMED_JSON');
  });
});

describe('ReadingSinkService with a RegisterHistoryCache', () => {
  let repo: MemoryRepository;
  let publisher: MemoryPublisher;
  let sink: ReadingSinkService;
  let cache: RegisterHistoryCache;
  beforeEach(() => {
    repo = new MemoryRepository();
    publisher = new MemoryPublisher();
    cache = new RegisterHistoryCache(1000);
    sink = new ReadingSinkService(repo, publisher, resolveTopics(''), undefined, Date.now, cache);
  });

  const base = { accountId: 'A1', supplyPointId: testMpan(3), registerId: 'S' };
  const key = registerKeyOf(base);
  /** Records of partition 0 from `offset` on, as a consumer that owns the partition sees them. */
  const at = (offset: number, events: MeterReadingSubmittedV1[]): ConsumedRecord[] =>
    events.map((e, i) => ({ topic: 't', partition: 0, offset: BigInt(offset + i), key: e.supplyPointId, value: encodeSubmitted(e), headers: {}, timestamp: 0 }));
  const reading = (day: number, value: string) => submittedEvent({ ...base, value, readAt: `2025-10-${String(day).padStart(2, '0')}T09:00:00.000Z` });
  /** Another consumer of the group (after a rebalance) deciding readings of the same register. */
  const otherConsumer = () => new ReadingSinkService(repo, publisher, resolveTopics(''));

  it('judges a register it has just written from memory, with the same decisions, and reads history only for registers it has not kept', async () => {
    await sink.handle(at(0, [reading(1, '10000.0')]));
    await sink.handle(at(1, [reading(2, '10010.0'), reading(3, '10005.0')]));
    expect(repo.historyLookups).toEqual([[key]]);
    expect(repo.rows.map((r) => r.status)).toEqual(['accepted', 'accepted', 'rejected']);
    expect(cache.size).toEqual({ registers: 1, readings: 2 });
  });

  it('reads history again after a gap in the partition\'s offsets (another consumer handled offsets in between)', async () => {
    await sink.handle(at(0, [reading(1, '10000.0')]));
    // While the partition was elsewhere, another consumer accepted 10 October at 10050.0 and committed.
    const elsewhere = reading(10, '10050.0');
    await otherConsumer().handle(at(1, [elsewhere]));
    // Back here from offset 2: without the gap check, 10020.0 on 12 October would pass against 1 October alone.
    await sink.handle(at(2, [reading(12, '10020.0'), { ...elsewhere, readingId: 'again' }]));
    expect(repo.historyLookups).toHaveLength(3); // here, the other consumer, here again after the gap
    const [lower, repeat] = repo.rows.slice(-2);
    expect(lower!.reasonCode).toBe('NEGATIVE_ADVANCE');
    expect(repeat!.duplicateOf).toBe(elsewhere.readingId);
  });

  it('keeps up with readings another consumer decided but did not commit (redelivered here in order)', async () => {
    await sink.handle(at(0, [reading(1, '10000.0')]));
    const decidedElsewhere = reading(10, '10050.0');
    await otherConsumer().handle(at(1, [decidedElsewhere]));
    // Its commit was lost: offset 1 comes here again, continuing exactly where this instance left off.
    await sink.handle(at(1, [decidedElsewhere, reading(12, '10020.0')]));
    expect(repo.historyLookups).toEqual([[key], [key]]); // here at first, then only the other consumer's
    expect(repo.rows.at(-1)!.reasonCode).toBe('NEGATIVE_ADVANCE');
    expect(cache.size.readings).toBe(2);
  });

  it('a batch that fails after its write leaves the kept history as it was; the retry decides the same', async () => {
    await sink.handle(at(0, [reading(1, '10000.0')]));
    const next = reading(5, '10030.0');
    publisher.failNext = true;
    await expect(sink.handle(at(1, [next]))).rejects.toThrow('broker down');
    expect(cache.size.readings).toBe(1);
    await sink.handle(at(1, [next]));
    expect(repo.rows.filter((r) => r.readingId === next.readingId).map((r) => r.status)).toEqual(['accepted', 'accepted']);
    expect(cache.size.readings).toBe(2);
  });

  it('reads history again when a kept register arrives on another partition (regression: the topic gained partitions, the stale entry was used)', async () => {
    await sink.handle(at(0, [reading(1, '10000.0')]));
    // Partitions were added: the supply point now hashes to partition 1, which another consumer owned first.
    const onP1 = (offset: number, events: MeterReadingSubmittedV1[]) => at(offset, events).map((r) => ({ ...r, partition: 1 }));
    const elsewhere = reading(10, '10050.0');
    await otherConsumer().handle(onP1(0, [elsewhere]));
    // Partition 0 stayed here without a gap; partition 1 comes here from offset 1. 10020.0 on 12 October is
    // lower than what the other consumer accepted on 10 October.
    await sink.handle(onP1(1, [reading(12, '10020.0')]));
    expect(repo.rows.at(-1)!.reasonCode).toBe('NEGATIVE_ADVANCE');
    expect(cache.size).toEqual({ registers: 1, readings: 2 });
  });

  it('stays within its bound, dropping the least recently used register', async () => {
    const small = new RegisterHistoryCache(2);
    const bounded = new ReadingSinkService(repo, publisher, resolveTopics(''), undefined, Date.now, small);
    const other = (n: number, value: string) => submittedEvent({ ...base, supplyPointId: testMpan(10 + n), value, readAt: '2025-10-01T09:00:00.000Z' });
    await bounded.handle(at(0, [other(1, '1.0'), other(2, '2.0'), other(3, '3.0')]));
    expect(small.size).toEqual({ registers: 2, readings: 2 });
  });
});

describe('neighbourhood: the bounded history a reading is checked against', () => {
  const at = (i: number) => new Date(Date.UTC(2020, 0, 1) + i * 86_400_000).toISOString();
  const history = Array.from({ length: 1000 }, (_, i) => ({ readingId: `r${i}`, readAt: at(i), value: String(i), source: 'C' }));

  it('keeps the neighbours either side and every reading at the same instant', () => {
    const n = neighbourhood(history, at(500));
    expect(n.length).toBeLessThanOrEqual(48 + 8 + 1);
    expect(n.map((h) => h.readingId)).toEqual(expect.arrayContaining(['r499', 'r500', 'r501']));
  });

  it('works at both ends and returns short histories whole', () => {
    expect(neighbourhood(history, at(-5))[0]!.readingId).toBe('r0');
    expect(neighbourhood(history, at(5000)).at(-1)!.readingId).toBe('r999');
    expect(neighbourhood(history.slice(0, 10), at(3))).toHaveLength(10);
  });
});
