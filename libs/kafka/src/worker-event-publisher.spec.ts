import { pack, unpack } from './worker-event-publisher';

describe('records as they cross to the publishing worker', () => {
  it('come out as they went in: topics, keys, headers and the value bytes (strings as UTF-8), in order', () => {
    const headers = { 'correlation-id': 'flow-1', schema: 'meter-reading.submitted.v1' };
    const records = [
      { topic: 'a', key: 'k1', value: '{"v":1}', headers },
      { topic: 'b', key: 'k2', value: Buffer.from([0, 1, 2, 255]) },
      { topic: 'a', key: 'k\u00e9', value: 'caf\u00e9 \u{1F600} \u2028', headers },
      { topic: 'a', key: 'k3', value: '' },
      { topic: 'a', key: 'k4', value: 'x'.repeat(5000), headers: { other: 'h' } },
    ];
    const packed = pack(7, records);
    expect(packed.headerSets).toHaveLength(2);
    const out = unpack(structuredClone(packed));
    expect(out.map((r) => [r.topic, r.key, r.headers])).toEqual(records.map((r) => [r.topic, r.key, r.headers]));
    out.forEach((r, i) => {
      const v = records[i]!.value;
      expect(Buffer.from(r.value as Buffer).equals(typeof v === 'string' ? Buffer.from(v, 'utf8') : v)).toBe(true);
    });
  });

  it('grows its buffer for values that are not one byte a character', () => {
    const records = Array.from({ length: 50 }, (_, i) => ({ topic: 't', key: String(i), value: '\u20ac'.repeat(100 + i) }));
    const out = unpack(pack(1, records));
    out.forEach((r, i) => expect((r.value as Buffer).toString('utf8')).toBe(records[i]!.value));
  });
});
