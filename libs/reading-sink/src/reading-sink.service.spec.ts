import type { ConsumedRecord, OutgoingRecord } from '@surge/kafka/kafka-record';
import type { EventPublisher } from '@surge/kafka/event-publisher';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { submittedEvent, testMpan } from '@surge-test/fixtures/reading.stub';
import { encodeSubmitted, type MeterReadingSubmittedV1 } from '@surge/reading-contracts/meter-reading-submitted.event';
import { registerKeyOf, type HistoricReading, type MeterReadingRepository, type RegisterKey, type StoredReading } from '@surge/reading-store/meter-reading.repository';
import { partitionOf, RegisterHistoryCache } from './reading-sink-history.cache';
import { storedReading } from '@surge-test/fixtures/stored-reading.stub';
import type { ReviewRecord } from '@surge/reading-contracts/reading-review.event';

/** The latest version of a reading's row, as every ClickHouse read collapses them. */
const latest = (rows: readonly StoredReading[], r: StoredReading): StoredReading => rows.filter((x) => x.readingId === r.readingId).at(-1)!;
import { neighbourhood, ReadingSinkService } from './reading-sink.service';

/** In-memory stand-ins: this tier tests the sink's decisions and ordering, not ClickHouse (see reading-sink.int-spec.ts). */
class MemoryRepository implements MeterReadingRepository {
  rows: StoredReading[] = [];
  historyLookups: string[][] = [];
  reviews: ReviewRecord[] = [];
  async insert(rows: readonly StoredReading[]) {
    this.rows.push(...rows);
  }
  async insertReviews(rows: readonly ReviewRecord[]) {
    this.reviews.push(...rows);
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
          .filter((r) => registerKeyOf(r) === registerKeyOf(k) && latest(this.rows, r) === r && r.status === 'accepted' && !r.duplicateOf)
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

  it('a reading its producer marked for review (a D0010 suspect read) is held with that reason, and stays out of the history', async () => {
    const hold = { reasonCode: 'SUSPECT_READING', message: 'The data collector flagged this reading as suspect (meter reading flag F).' };
    await sink.handle(asRecords([submittedEvent({ ...base, channel: 'd0010', source: 'R', hold })]));
    expect(repo.rows[0]).toMatchObject({ status: 'held', reasonCode: 'SUSPECT_READING', industryCode: '', channel: 'd0010' });
    expect(publisher.records[0]!.topic).toBe('reading.rejected.v1');
    // Not accepted, so it is no history for the next reading: the same reading from a customer is accepted, not a duplicate.
    await sink.handle(asRecords([submittedEvent(base)]));
    expect(repo.rows[1]).toMatchObject({ status: 'accepted', duplicateOf: '' });
  });

  it('each outcome says when its reading was decided: a fresh one now, a redelivered one when it was first decided', async () => {
    let now = Date.UTC(2025, 10, 1, 12);
    sink = new ReadingSinkService(repo, publisher, resolveTopics(''), undefined, () => now);
    const first = submittedEvent(base);
    await sink.handle(asRecords([first]));
    now += 60_000;
    const second = submittedEvent({ ...base, value: '10000.5', readAt: '2025-10-21T10:00:00.000Z' });
    await sink.handle(asRecords([first, second]));
    const decidedAt = publisher.records.map((r) => (JSON.parse(String(r.value)) as { readingId: string; decidedAt: string }));
    expect(decidedAt.map((o) => [o.readingId, o.decidedAt])).toEqual([
      [first.readingId, '2025-11-01T12:00:00.000Z'],
      [first.readingId, '2025-11-01T12:00:00.000Z'],
      [second.readingId, '2025-11-01T12:01:00.000Z'],
    ]);
  });

  it('a reading marked for review that our own checks reject stays rejected', async () => {
    await sink.handle(asRecords([submittedEvent({ ...base, value: '10000.0', readAt: '2025-10-01T00:00:00.000Z' })]));
    const hold = { reasonCode: 'ADVANCE_EXCEEDS_TWICE_EXPECTED', industryCode: '05', message: 'failed the sender validation' };
    await sink.handle(asRecords([submittedEvent({ ...base, value: '9000.0', readAt: '2025-10-10T00:00:00.000Z', hold })]));
    expect(repo.rows[1]).toMatchObject({ status: 'rejected', reasonCode: 'NEGATIVE_ADVANCE', industryCode: '03' });
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
    // Only the tail is kept: the last actual reading (10010.0 on 2 October) is all a later reading needs.
    expect(cache.size).toEqual({ registers: 1, readings: 1 });
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
    expect(cache.size.readings).toBe(1);
  });

  it('a batch that fails after its write leaves the kept history as it was; the retry decides the same', async () => {
    await sink.handle(at(0, [reading(1, '10000.0')]));
    const next = reading(5, '10030.0');
    publisher.failNext = true;
    await expect(sink.handle(at(1, [next]))).rejects.toThrow('broker down');
    expect(cache.size.readings).toBe(1);
    await sink.handle(at(1, [next]));
    expect(repo.rows.filter((r) => r.readingId === next.readingId).map((r) => r.status)).toEqual(['accepted', 'accepted']);
    expect(cache.size.readings).toBe(1);
    expect(repo.historyLookups).toEqual([[key]]); // the retry was judged from the kept tail, unchanged by the failure
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
    expect(cache.size).toEqual({ registers: 1, readings: 1 });
  });

  it('stays within its bound of registers, however many readings each has, dropping the least recently used', async () => {
    const small = new RegisterHistoryCache(2);
    const bounded = new ReadingSinkService(repo, publisher, resolveTopics(''), undefined, Date.now, small);
    const on = (n: number, day: number, value: string, source = 'C') =>
      submittedEvent({ ...base, supplyPointId: testMpan(10 + n), value, source, readAt: `2025-10-${String(day).padStart(2, '0')}T09:00:00.000Z` });
    // Register 1: an actual reading then two estimates (a tail of three); register 2 and 3: one actual each.
    await bounded.handle(at(0, [on(1, 1, '1.0'), on(1, 2, '2.0', 'D'), on(1, 3, '3.0', 'D'), on(2, 1, '2.0')]));
    expect(small.size).toEqual({ registers: 2, readings: 4 });
    await bounded.handle(at(4, [on(3, 1, '3.0')]));
    // Register 1 was the least recently used: dropped, and read from ClickHouse again when it next submits.
    expect(small.size).toEqual({ registers: 2, readings: 2 });
    const lookups = repo.historyLookups.length;
    await bounded.handle(at(5, [on(1, 4, '4.0')]));
    expect(repo.historyLookups.length).toBe(lookups + 1);
    expect(repo.rows.at(-1)).toMatchObject({ status: 'accepted' });
  });

  it('does not keep a register whose history holds a reading the checker ignores as malformed, however far back (every judgement is flagged)', async () => {
    // Another writer's row, long before the tail, with a value that is no decimal.
    repo.rows.push(storedReading({ ...base, readingId: 'odd', readAt: '2025-09-01T09:00:00.000Z', value: 'n/a', source: 'R', status: 'accepted', duplicateOf: '' }));
    await sink.handle(at(0, [reading(1, '10000.0'), reading(2, '10010.0')]));
    await sink.handle(at(2, [reading(3, '10020.0')]));
    expect(repo.historyLookups).toEqual([[key], [key]]);
    expect(cache.size.registers).toBe(0);
    expect(repo.rows.slice(1).map((r) => [r.status, r.flags.includes('IGNORED_MALFORMED_HISTORY')])).toEqual([
      ['accepted', true],
      ['accepted', true],
      ['accepted', true],
    ]);
  });

  it('keeps only the tail from the last actual reading, and reads the whole history for a reading dated before the register\'s latest', async () => {
    // 1 Oct 10000.0, 10 Oct 10100.0, 20 Oct 10200.0: the tail is 20 October alone.
    await sink.handle(at(0, [reading(1, '10000.0'), reading(10, '10100.0'), reading(20, '10200.0')]));
    expect(cache.size).toEqual({ registers: 1, readings: 1 });
    // Backdated to 5 October at 10150.0: above the later 10 October reading, so both cannot be right. The
    // tail cannot see 10 October: the whole history is read for this batch, and the decision is the same as cold.
    const backdated = reading(5, '10150.0');
    await sink.handle(at(3, [backdated]));
    expect(repo.historyLookups).toEqual([[key], [key]]);
    expect(repo.rows.at(-1)).toMatchObject({ readingId: backdated.readingId, status: 'rejected', reasonCode: 'NEGATIVE_ADVANCE', backdated: true });
    // A repeat of 20 October (same instant, same value) is judged from the tail: a duplicate, no lookup.
    const repeat = reading(20, '10200.0');
    await sink.handle(at(4, [repeat, reading(25, '10250.0')]));
    expect(repo.historyLookups).toHaveLength(2);
    expect(repo.rows.slice(-2).map((r) => [r.status, r.duplicateOf !== ''])).toEqual([['accepted', true], ['accepted', false]]);
  });
});

describe('ReadingSinkService: the same decisions with the compact history cache, without it, and after a restart (cold cache)', () => {
  /** A deterministic pseudo-random sequence (no flaky seeds). */
  const random = (seed: number) => () => ((seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
  const sp = (n: number) => testMpan(40 + n);
  /**
   * Readings of 6 registers over 60 days: mostly forward, some estimates ('D'), repeats of an earlier reading
   * (same instant and value, new id), producer retries (same id), lower values, large jumps, backdated ones.
   */
  function sequence(seed: number, n: number): MeterReadingSubmittedV1[] {
    const next = random(seed);
    const out: MeterReadingSubmittedV1[] = [];
    const last = new Map<number, { day: number; value: number }>();
    for (let i = 0; i < n; i++) {
      const reg = Math.floor(next() * 6);
      const prev = last.get(reg) ?? { day: 0, value: 1000 };
      const roll = next();
      const earlier = out.filter((e) => e.supplyPointId === sp(reg));
      if (roll < 0.08 && earlier.length > 0) {
        out.push(earlier[Math.floor(next() * earlier.length)]!); // a producer retry of any earlier reading
        continue;
      }
      if (roll < 0.16 && earlier.length > 0) {
        const again = earlier[Math.floor(next() * earlier.length)]!;
        out.push({ ...again, readingId: `r-${seed}-${i}`, correlationId: `c-${i}` }); // the same reading submitted again
        continue;
      }
      const backdated = roll < 0.3;
      const day = backdated ? Math.max(1, prev.day - 1 - Math.floor(next() * 10)) : prev.day + 1 + Math.floor(next() * 5);
      const advance = roll < 0.36 ? -20 : roll < 0.42 ? 5000 : Math.floor(next() * 60) * (backdated ? -1 : 1);
      const value = Math.max(0, prev.value + advance);
      const event = submittedEvent({
        readingId: `r-${seed}-${i}`,
        accountId: `A-${reg % 3}`,
        supplyPointId: sp(reg),
        registerId: 'S',
        readAt: new Date(Date.UTC(2025, 0, 1, 9) + day * 86_400_000 + (next() < 0.1 ? 0 : reg * 1000)).toISOString(),
        value: `${value}.${Math.floor(next() * 10)}`,
        source: next() < 0.25 ? 'D' : 'C',
        digits: 6,
      });
      if (!backdated) last.set(reg, { day, value });
      out.push(event);
    }
    return out;
  }
  /** Outcomes per reading id, in the order first decided (a redelivery keeps its first decision). */
  const decisions = (repo: MemoryRepository) => {
    const seen = new Map<string, string>();
    for (const r of repo.rows) if (!seen.has(r.readingId)) seen.set(r.readingId, `${r.status}|${r.reasonCode}|${r.duplicateOf}|${r.backdated}|${r.flags.join(',')}`);
    return [...seen.entries()];
  };
  const records = (events: MeterReadingSubmittedV1[]): ConsumedRecord[] =>
    events.map((e, i) => ({ topic: 't', partition: 0, offset: BigInt(i), key: e.supplyPointId, value: encodeSubmitted(e), headers: {}, timestamp: 0 }));

  it.each([1, 2, 3, 4, 5, 6])('seed %i: 300 readings in batches of 1 to 40', async (seed) => {
    const events = sequence(seed, 300);
    const all = records(events);
    const cold = new MemoryRepository();
    const warm = new MemoryRepository();
    const restarted = new MemoryRepository();
    const coldSink = new ReadingSinkService(cold, new MemoryPublisher(), resolveTopics(''));
    const warmSink = new ReadingSinkService(warm, new MemoryPublisher(), resolveTopics(''), undefined, Date.now, new RegisterHistoryCache(1000));
    let restartedSink = new ReadingSinkService(restarted, new MemoryPublisher(), resolveTopics(''), undefined, Date.now, new RegisterHistoryCache(1000));
    const sizes = random(seed * 7919);
    for (let from = 0, batch = 0; from < all.length; batch++) {
      const size = 1 + Math.floor(sizes() * 40);
      const slice = all.slice(from, from + size);
      await coldSink.handle(slice);
      await warmSink.handle(slice);
      // A restart every third batch: a new process, its cache empty, the batch redelivered from the last commit.
      if (batch % 3 === 2) {
        restartedSink = new ReadingSinkService(restarted, new MemoryPublisher(), resolveTopics(''), undefined, Date.now, new RegisterHistoryCache(1000));
        await restartedSink.handle(slice.slice(0, Math.ceil(slice.length / 2)));
      }
      await restartedSink.handle(slice);
      from += size;
    }
    expect(decisions(warm)).toEqual(decisions(cold));
    expect(decisions(restarted)).toEqual(decisions(cold));
    // The sequence exercises what it should: backdated readings, duplicates, rejections, holds.
    const outcomes = decisions(cold).map(([, d]) => d);
    expect(outcomes.some((d) => d.startsWith('rejected|NEGATIVE_ADVANCE'))).toBe(true);
    expect(outcomes.some((d) => d.includes('|true|'))).toBe(true);
    expect(outcomes.some((d) => /^accepted\|\|[^|]+\|/.test(d))).toBe(true);
    // Fewer history reads: the tail judges what it can (this sequence is a third backdated or repeated, far more than a surge).
    expect(warm.historyLookups.flat().length).toBeLessThan(cold.historyLookups.flat().length);
  });
});

describe('partitionOf', () => {
  it('names each topic and partition apart, the same name each time', () => {
    const names = ['a', 'b', 'a.b'].flatMap((topic) => [0, 1, 12].map((partition) => partitionOf({ topic, partition })));
    expect(names).toEqual(['a:0', 'a:1', 'a:12', 'b:0', 'b:1', 'b:12', 'a.b:0', 'a.b:1', 'a.b:12']);
    expect(partitionOf({ topic: 'a', partition: 1 })).toBe('a:1');
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

describe('ReadingSinkService with the registry projection and staff reviews', () => {
  const account = 'A-REG-1';
  const sp = testMpan(7);
  const ev = (readAt: string, value: string) => submittedEvent({ accountId: account, supplyPointId: sp, meterSerial: 'M1', registerId: 'S', readAt, value });
  const directory = (eacKwh: string | null, digits = 5) => ({
    register: (s: string, m: string, r: string) => (s === sp && m === 'M1' && r === 'S' ? { accountId: account, category: 'B', digits, eacKwh } : undefined),
  });
  const review = (readingId: string, decision: 'accept' | 'reject', reviewId = `rv-${decision}-${readingId}`): ConsumedRecord => ({
    topic: 't', partition: 0, offset: 99n, key: sp, headers: { schema: 'reading.review.v1' }, timestamp: 0,
    value: Buffer.from(JSON.stringify({
      schema: 'reading.review.v1', reviewId, readingId, accountId: account, supplyPointId: sp, meterSerial: 'M1', registerId: 'S', decision,
      note: 'customer sent a photo', reviewedBy: 'staff-1', requestedAt: '2022-05-01T10:00:00.000Z', correlationId: 'c-1',
    })),
  });
  const status = (repo: MemoryRepository, id: string) => repo.rows.filter((r) => r.readingId === id).at(-1);

  it('judges against the account\u2019s own EAC: 200 kWh in 20 days is held for a 500 kWh register, accepted with the default (flagged default-eac)', async () => {
    const first = ev('2022-03-01T00:00:00.000Z', '1000');
    const second = ev('2022-03-21T00:00:00.000Z', '1200');
    const withRegistry = new MemoryRepository();
    await new ReadingSinkService(withRegistry, new MemoryPublisher(), resolveTopics(''), undefined, Date.now, undefined, directory('500')).handle(asRecords([first, second]));
    expect(status(withRegistry, second.readingId)).toMatchObject({ status: 'held', category: 'B' });
    expect(status(withRegistry, second.readingId)!.flags).not.toContain('default-eac');

    const without = new MemoryRepository();
    await new ReadingSinkService(without, new MemoryPublisher(), resolveTopics('')).handle(asRecords([first, second]));
    expect(status(without, second.readingId)).toMatchObject({ status: 'accepted', category: '' });
    expect(status(without, second.readingId)!.flags).toContain('default-eac');
  });

  it('uses the registry\u2019s digits: 99950 then 150 is a rollover on a 5-digit register even when the submission said 6', async () => {
    const repo = new MemoryRepository();
    const sink = new ReadingSinkService(repo, new MemoryPublisher(), resolveTopics(''), undefined, Date.now, undefined, directory('2900', 5));
    const a = { ...ev('2022-03-01T00:00:00.000Z', '99950'), digits: 6 };
    const b = { ...ev('2022-03-21T00:00:00.000Z', '150'), digits: 6 };
    await sink.handle(asRecords([a, b]));
    expect(status(repo, b.readingId)).toMatchObject({ status: 'accepted', rolledOver: true });
  });

  it('a review accepts a held reading: new version, audit record, outcome with reviewId; later readings count it; a second decision is recorded, not applied; a redelivery changes nothing', async () => {
    const repo = new MemoryRepository();
    const publisher = new MemoryPublisher();
    const sink = new ReadingSinkService(repo, publisher, resolveTopics(''), undefined, Date.now, new RegisterHistoryCache(1000), directory('500'));
    const first = ev('2022-03-01T00:00:00.000Z', '1000');
    const held = ev('2022-03-21T00:00:00.000Z', '1200');
    await sink.handle(asRecords([first, held]));
    const heldRow = status(repo, held.readingId)!;
    expect(heldRow.status).toBe('held');

    await sink.handle([review(held.readingId, 'accept')]);
    const after = status(repo, held.readingId)!;
    expect(after).toMatchObject({ status: 'accepted', reasonCode: 'ACCEPTED_ON_REVIEW', reviewId: `rv-accept-${held.readingId}` });
    expect(after.version).toBeGreaterThan(heldRow.version);
    expect(after.flags).toContain('reviewed');
    expect(repo.reviews).toEqual([expect.objectContaining({ applied: true, result: 'accepted', heldReasonCode: heldRow.reasonCode, note: 'customer sent a photo', reviewedBy: 'staff-1' })]);
    const outcome = JSON.parse(String(publisher.records.at(-1)!.value));
    expect(outcome).toMatchObject({ readingId: held.readingId, status: 'accepted', reviewId: `rv-accept-${held.readingId}` });
    expect(publisher.records.at(-1)!.topic).toBe('reading.accepted.v1');

    // The accepted reading is history now: 1210 ten days after 1200 is judged against 1200, not 1000.
    const next = ev('2022-03-31T00:00:00.000Z', '1210');
    await sink.handle(asRecords([next]));
    expect(status(repo, next.readingId)).toMatchObject({ status: 'accepted' });

    await sink.handle([review(held.readingId, 'reject', 'rv-second')]);
    expect(status(repo, held.readingId)!.status).toBe('accepted');
    expect(repo.reviews.at(-1)).toMatchObject({ reviewId: 'rv-second', applied: false });
    expect(repo.reviews.at(-1)!.result).toMatch(/already accepted on review/);

    const rows = repo.rows.length;
    await sink.handle([review(held.readingId, 'accept')]);
    expect(repo.rows.length).toBe(rows + 1);
    expect(repo.rows.at(-1)).toEqual(after);
    expect(repo.reviews.at(-1)).toMatchObject({ applied: true, reviewId: `rv-accept-${held.readingId}` });
  });

  it('a review rejects a held reading; a review of a reading never held is not applied', async () => {
    const repo = new MemoryRepository();
    const sink = new ReadingSinkService(repo, new MemoryPublisher(), resolveTopics(''), undefined, Date.now, undefined, directory('500'));
    const first = ev('2022-03-01T00:00:00.000Z', '1000');
    const held = ev('2022-03-21T00:00:00.000Z', '1200');
    await sink.handle(asRecords([first, held]));
    await sink.handle([review(held.readingId, 'reject'), review(first.readingId, 'accept')]);
    expect(status(repo, held.readingId)).toMatchObject({ status: 'rejected', reasonCode: 'REJECTED_ON_REVIEW' });
    expect(repo.reviews.map((r) => r.applied)).toEqual([true, false]);
    expect(repo.reviews[1]!.result).toMatch(/not held/);
  });
});
