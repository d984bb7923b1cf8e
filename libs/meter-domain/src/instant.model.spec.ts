import fc from 'fast-check';
import { daysInMonth, parseCalendarDate, parseInstant, utcDate } from './instant.model';

describe('parseInstant', () => {
  it.each([
    ['2022-03-31T18:30:00Z', Date.UTC(2022, 2, 31, 18, 30)],
    ['2022-03-31T18:30Z', Date.UTC(2022, 2, 31, 18, 30)],
    ['2022-03-31T18:30:00.123Z', Date.UTC(2022, 2, 31, 18, 30, 0, 123)],
    ['2022-03-31T18:30:00.1239Z', Date.UTC(2022, 2, 31, 18, 30, 0, 123)],
    ['2022-03-31T19:30:00+01:00', Date.UTC(2022, 2, 31, 18, 30)],
    ['2022-03-31T17:30:00-01:00', Date.UTC(2022, 2, 31, 18, 30)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
  ])('%s', (raw, ms) => {
    expect(parseInstant(raw)).toBe(ms);
  });

  it.each([
    '2022-03-31',
    '2022-03-31T18:30:00',
    '2022-02-30T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2022-13-01T00:00:00Z',
    '2022-03-31T24:00:00Z',
    '2022-03-31T23:60:00Z',
    '2022-03-31T23:59:60Z',
    '2022-03-31 18:30:00Z',
    '2022-03-31t18:30:00z',
    '0050-01-01T00:00:00Z',
    '31/03/2022',
    '',
    'not a date',
    '2022-03-31T18:30:00+0100',
    '2022-03-31T18:30:00+24:00',
  ])('rejects %p', (raw) => {
    expect(parseInstant(raw)).toBeNull();
  });

  it('rejects non-strings', () => {
    expect(parseInstant(undefined)).toBeNull();
    expect(parseInstant(1648751400000)).toBeNull();
  });

  it('property: round-trips toISOString', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2100, 0, 1) }), (ms) => {
        expect(parseInstant(new Date(ms).toISOString())).toBe(ms);
      }),
    );
  });
});

describe('calendar dates', () => {
  it('parses valid dates only', () => {
    expect(parseCalendarDate('2022-04-01')).toEqual([2022, 4, 1]);
    expect(parseCalendarDate('2022-02-29')).toBeNull();
    expect(parseCalendarDate('2022-04-01T00:00:00Z')).toBeNull();
  });

  it('knows month lengths', () => {
    expect(daysInMonth(2024, 2)).toBe(29);
    expect(daysInMonth(2100, 2)).toBe(28);
    expect(daysInMonth(2022, 12)).toBe(31);
  });

  it('formats the UTC date', () => {
    expect(utcDate(Date.UTC(2022, 2, 31, 23, 59))).toBe('2022-03-31');
  });
});

describe('parseInstant agrees with the grammar it documents (the regex it replaced)', () => {
  const GRAMMAR = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):(\d{2}))$/;
  function reference(raw: string): number | null {
    const m = GRAMMAR.exec(raw);
    if (!m) return null;
    const [y, mo, d, h, mi] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
    const s = m[6] === undefined ? 0 : Number(m[6]);
    const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
    const dim = new Date(Date.UTC(y, mo, 0)).getUTCDate();
    if (y < 1900 || mo < 1 || mo > 12 || d < 1 || d > dim || h > 23 || mi > 59 || s > 59) return null;
    let off = 0;
    if (m[8] !== 'Z') {
      const oh = Number(m[10]);
      const om = Number(m[11]);
      if (oh > 23 || om > 59) return null;
      off = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
    }
    return Date.UTC(y, mo - 1, d, h, mi, s, ms) - off * 60_000;
  }
  const two = fc.integer({ min: 0, max: 99 }).map((n) => String(n).padStart(2, '0'));
  const shaped = fc
    .tuple(
      fc.integer({ min: 1890, max: 2110 }).map(String),
      two,
      two,
      two,
      two,
      fc.option(two),
      fc.option(fc.stringMatching(/^\d{0,11}$/)),
      fc.constantFrom('Z', 'z', '+01:00', '-05:30', '+24:00', '+01:60', '+0100', '', '+1:00'),
    )
    .map(([y, mo, d, h, mi, s, frac, zone]) => `${y}-${mo}-${d}T${h}:${mi}${s === null ? '' : `:${s}${frac === null ? '' : `.${frac}`}`}${zone}`);
  // Shaped strings reach every branch; mutated ones (a character replaced or dropped) reach the rejections.
  const mutated = fc.tuple(shaped, fc.nat(), fc.constantFrom('', 'x', '0', '9', '-', ':', '.', 'T', ' ', '\u0660')).map(([s, at, c]) => {
    const i = at % (s.length + 1);
    return s.slice(0, i) + c + s.slice(i + 1);
  });

  it('on well-formed and near-miss strings', () => {
    fc.assert(
      fc.property(fc.oneof(shaped, mutated, fc.string()), (raw) => {
        expect(parseInstant(raw)).toBe(reference(raw));
      }),
      { numRuns: 20_000 },
    );
  });

  it('daysInMonth matches the calendar for every month of 1900-2400', () => {
    for (let y = 1900; y <= 2400; y++) for (let m = 1; m <= 12; m++) expect(daysInMonth(y, m)).toBe(new Date(Date.UTC(y, m, 0)).getUTCDate());
  });
});
