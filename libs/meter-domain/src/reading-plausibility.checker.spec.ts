import fc from 'fast-check';
import type { ReadingSource } from './reading.model';
import {
  assessReading,
  type HistoricReading,
  type PlausibilityContext,
  type PlausibilityOutcome,
} from './reading-plausibility.checker';
import { MeterDecimal } from './reading-value.parser';

const DAY = 86_400_000;
const T0 = Date.UTC(2022, 0, 1); // GMT, so UK dates in messages equal UTC dates
const iso = (days: number): string => new Date(T0 + days * DAY).toISOString();
const h = (readingId: string, days: number, value: string, source: ReadingSource = 'C'): HistoricReading => ({
  readingId,
  readAt: iso(days),
  value,
  source,
});
const at = (days: number, value: string, source: ReadingSource = 'C') => ({ readAt: iso(days), value, source });
const ctx = (history: HistoricReading[], extra: Partial<PlausibilityContext> = {}): PlausibilityContext => ({
  digits: 5,
  history,
  ...extra,
});

describe('assessReading', () => {
  describe('first reading and plain advances', () => {
    it('accepts a first reading with no advance', () => {
      expect(assessReading(at(0, '01000'), ctx([]))).toEqual({ status: 'accepted', backdated: false, rolledOver: false, flags: [] });
    });

    it('accepts a forward reading and computes the advance exactly', () => {
      expect(assessReading(at(30, '1200.3'), ctx([h('r1', 0, '1000.1')]))).toEqual({
        status: 'accepted',
        backdated: false,
        advance: '200.2',
        rolledOver: false,
        flags: [],
      });
    });

    it('measures from the latest earlier reading, whatever order history is in', () => {
      const history = [h('r3', 60, '1500'), h('r1', 0, '1000'), h('r2', 30, '1200')];
      expect(assessReading(at(90, '1600'), ctx(history)).advance).toBe('100');
    });
  });

  describe('the same reading twice', () => {
    const history = [h('r1', 0, '1000'), h('r2', 30, '1200')];

    it('is one reading: accepted with duplicateOf, nothing else computed', () => {
      const out = assessReading(at(30, '1200'), ctx(history));
      expect(out).toMatchObject({ status: 'accepted', duplicateOf: 'r2', backdated: false, rolledOver: false, flags: [] });
      expect(out.advance).toBeUndefined();
      expect(out.message).toContain('already have this reading');
    });

    it('matches the instant and the number, not the text', () => {
      const out = assessReading({ readAt: '2022-01-31T01:00:00+01:00', value: '01200.0', source: 'X' }, ctx(history));
      expect(out.duplicateOf).toBe('r2');
    });

    it('a repeat of an older reading is marked backdated', () => {
      expect(assessReading(at(0, '1000'), ctx(history))).toMatchObject({ duplicateOf: 'r1', backdated: true });
    });

    it('wins over the supply start check (it is already stored)', () => {
      const out = assessReading(at(0, '1000'), ctx(history, { supplyStartDate: '2022-01-15' }));
      expect(out.duplicateOf).toBe('r1');
    });

    it('picks the same duplicate whatever the history order (lowest readingId)', () => {
      const twins = [h('b', 0, '1000'), h('a', 0, '1000.0')];
      expect(assessReading(at(0, '1000'), ctx(twins)).duplicateOf).toBe('a');
      expect(assessReading(at(0, '1000'), ctx([...twins].reverse())).duplicateOf).toBe('a');
    });
  });

  it('rejects a different value at the same instant, never overwriting', () => {
    const out = assessReading(at(30, '1250'), ctx([h('r1', 0, '1000'), h('r2', 30, '1200')]));
    expect(out).toMatchObject({ status: 'rejected', reasonCode: 'CONFLICTS_WITH_EXISTING_READING', backdated: false });
    expect(out.industryCode).toBeUndefined();
    expect(out.message).toContain('1200');
  });

  describe('supply start', () => {
    it('rejects a reading before the supply started', () => {
      const out = assessReading(at(9, '1000'), ctx([], { supplyStartDate: '2022-01-11' }));
      expect(out).toMatchObject({ status: 'rejected', reasonCode: 'BEFORE_SUPPLY_START' });
      expect(out.message).toContain('2022-01-10');
      expect(out.message).toContain('2022-01-11');
    });

    it('a supply start date begins at 00:00 UK time, so 23:30 UTC in summer is already the start day', () => {
      const reading = { readAt: '2022-03-31T23:30:00Z', value: '1000', source: 'A' as const };
      expect(assessReading(reading, ctx([], { supplyStartDate: '2022-04-01' })).status).toBe('accepted');
      const earlier = { ...reading, readAt: '2022-03-31T22:59:59Z' };
      expect(assessReading(earlier, ctx([], { supplyStartDate: '2022-04-01' })).reasonCode).toBe('BEFORE_SUPPLY_START');
    });

    it('accepts an instant as the supply start', () => {
      expect(assessReading(at(10, '1'), ctx([], { supplyStartDate: iso(10) })).status).toBe('accepted');
      expect(assessReading(at(9.9, '1'), ctx([], { supplyStartDate: iso(10) })).status).toBe('rejected');
    });
  });

  describe('negative advance', () => {
    it('is rejected with industry code 03 and a message naming the previous reading', () => {
      const out = assessReading(at(30, '1100'), ctx([h('r1', 0, '1200')]));
      expect(out).toMatchObject({ status: 'rejected', reasonCode: 'NEGATIVE_ADVANCE', industryCode: '03' });
      expect(out.message).toContain('lower than the previous reading of 1200 on 2022-01-01');
    });

    describe('unless the previous reading was an estimate', () => {
      const history = [h('a1', 0, '1000', 'R'), h('e1', 30, '1500', 'D')];

      it('and the new one is at or above the last actual reading: accepted, measured from the actual', () => {
        expect(assessReading(at(40, '1200'), ctx(history))).toEqual({
          status: 'accepted',
          backdated: false,
          advance: '200',
          rolledOver: false,
          flags: ['PREVIOUS_ESTIMATE_TOO_HIGH'],
        });
        expect(assessReading(at(40, '1000'), ctx(history)).advance).toBe('0');
      });

      it('but not when it is below the last actual reading', () => {
        const out = assessReading(at(40, '900'), ctx(history));
        expect(out).toMatchObject({ status: 'rejected', reasonCode: 'NEGATIVE_ADVANCE', industryCode: '03' });
        expect(out.message).toContain('your last actual reading of 1000');
        expect(out.flags).not.toContain('PREVIOUS_ESTIMATE_TOO_HIGH');
      });

      it('skips a run of estimates back to the last actual', () => {
        const run = [...history, h('e2', 35, '1800', 'D')];
        expect(assessReading(at(40, '1200'), ctx(run))).toMatchObject({ status: 'accepted', advance: '200' });
      });

      it('with no actual reading at all, the estimate was simply too high', () => {
        expect(assessReading(at(40, '100'), ctx([h('e1', 0, '1500', 'D')]))).toEqual({
          status: 'accepted',
          backdated: false,
          rolledOver: false,
          flags: ['PREVIOUS_ESTIMATE_TOO_HIGH'],
        });
      });

      it('above an estimate that was itself below the last actual is still negative consumption', () => {
        const low = [h('a1', 0, '1000', 'R'), h('e1', 30, '900', 'D')];
        expect(assessReading(at(40, '950'), ctx(low)).reasonCode).toBe('NEGATIVE_ADVANCE');
      });

      it('above the estimate, the advance is still measured from the last actual', () => {
        expect(assessReading(at(40, '1600'), ctx(history))).toMatchObject({ status: 'accepted', advance: '600', flags: [] });
      });
    });

    describe('unless the register rolled over', () => {
      it('with an EAC: accepted when the implied advance is one we would accept without a rollover', () => {
        // 30 days at 2,700 a year: expected 221.8; 99900 -> 50 implies 150.
        expect(assessReading(at(30, '00050'), ctx([h('r1', 0, '99900')], { estimatedAnnualConsumption: '2700' }))).toEqual({
          status: 'accepted',
          backdated: false,
          advance: '150',
          rolledOver: true,
          flags: [],
        });
      });

      it('with an EAC: twice the expected advance (where an ordinary advance would be held) is the inclusive limit', () => {
        // 10 days at 3,652.5 a year: expected exactly 100, so a rollover may imply up to 200.
        const c = ctx([h('r1', 0, '99950')], { estimatedAnnualConsumption: '3652.5' });
        expect(assessReading(at(10, '150'), c)).toMatchObject({ status: 'accepted', rolledOver: true, advance: '200' });
        expect(assessReading(at(10, '150.1'), c)).toMatchObject({ status: 'rejected', reasonCode: 'NEGATIVE_ADVANCE' });
      });

      it('a genuine rollover is judged like the same consumption without one (issue 13: 99950 then 150 over 20 days)', () => {
        // 20 days at 2,700 a year: expected 147.8. The same 200 units without a rollover is accepted, so is this.
        const c = ctx([h('r1', 0, '99950')], { estimatedAnnualConsumption: '2700' });
        expect(assessReading(at(20, '150'), c)).toMatchObject({ status: 'accepted', rolledOver: true, advance: '200' });
        expect(assessReading(at(20, '10200'), ctx([h('r1', 0, '10000')], { estimatedAnnualConsumption: '2700' }))).toMatchObject({ status: 'accepted', advance: '200', rolledOver: false });
      });

      it('a negative advance that could be a rollover says so, with the consumption it would mean', () => {
        const out = assessReading(at(20, '5000'), ctx([h('r1', 0, '99950')], { estimatedAnnualConsumption: '2700' }));
        expect(out).toMatchObject({ status: 'rejected', reasonCode: 'NEGATIVE_ADVANCE', rolledOver: false });
        expect(out.message).toContain('went past their highest value and started again from zero, that would mean 5050 units used');
      });

      it('with an EAC: a large implied advance is a negative advance, not a rollover', () => {
        const out = assessReading(at(30, '50'), ctx([h('r1', 0, '99500')], { estimatedAnnualConsumption: '2700' }));
        expect(out).toMatchObject({ status: 'rejected', reasonCode: 'NEGATIVE_ADVANCE', industryCode: '03', rolledOver: false });
      });

      it('without an EAC: plausible up to 10% of the register range', () => {
        const c = ctx([h('r1', 0, '95000')]);
        expect(assessReading(at(30, '5000'), c)).toMatchObject({ status: 'accepted', rolledOver: true, advance: '10000' });
        expect(assessReading(at(30, '5000.1'), c).reasonCode).toBe('NEGATIVE_ADVANCE');
        const fourDials = ctx([h('r1', 0, '9500')], { digits: 4 });
        expect(assessReading(at(30, '500'), fourDials)).toMatchObject({ rolledOver: true, advance: '1000' });
        expect(assessReading(at(30, '501'), fourDials).reasonCode).toBe('NEGATIVE_ADVANCE');
      });

      it('rolls over from the last actual when the previous reading was an estimate', () => {
        const history = [h('a1', 0, '99990', 'R'), h('e1', 20, '99999', 'D')];
        expect(assessReading(at(30, '10'), ctx(history))).toMatchObject({ status: 'accepted', rolledOver: true, advance: '20' });
      });

      it('an advance of more than twice expected after a rollover is impossible by construction, so never held', () => {
        const out = assessReading(at(30, '100'), ctx([h('r1', 0, '99990')], { estimatedAnnualConsumption: '2700' }));
        expect(out).toMatchObject({ status: 'accepted', advance: '110', rolledOver: true });
      });
    });

    describe('unless the meter was exchanged in between', () => {
      it('accepts with METER_EXCHANGE (industry 20) and no advance across meters', () => {
        const out = assessReading(at(30, '00010'), ctx([h('r1', 0, '54321')], { meterExchangedAt: iso(20) }));
        expect(out).toEqual({ status: 'accepted', industryCode: '20', backdated: false, rolledOver: false, flags: ['METER_EXCHANGE'] });
      });

      it('never compares across meters, even when the value went up', () => {
        const out = assessReading(at(30, '99000'), ctx([h('r1', 0, '10')], { meterExchangedAt: '2022-01-21', estimatedAnnualConsumption: '2700' }));
        expect(out).toMatchObject({ status: 'accepted', industryCode: '20', flags: ['METER_EXCHANGE'] });
        expect(out.advance).toBeUndefined();
      });

      it('compares normally once the new meter has a reading; a reading at the exchange instant is the new meter', () => {
        const history = [h('old', 0, '54321'), h('install', 20, '0', 'I')];
        const out = assessReading(at(30, '80'), ctx(history, { meterExchangedAt: iso(20) }));
        expect(out).toEqual({ status: 'accepted', backdated: false, advance: '80', rolledOver: false, flags: [] });
        expect(assessReading(at(30, '0'), ctx([h('old', 0, '54321')], { meterExchangedAt: iso(30) })).flags).toEqual(['METER_EXCHANGE']);
      });

      it('the last actual before an estimate must be on the same meter', () => {
        const history = [h('old', 0, '54321', 'R'), h('est', 25, '300', 'D')];
        const out = assessReading(at(30, '100'), ctx(history, { meterExchangedAt: iso(20) }));
        expect(out).toMatchObject({ status: 'accepted', flags: ['PREVIOUS_ESTIMATE_TOO_HIGH'] });
        expect(out.advance).toBeUndefined();
      });

      it('an old meter reading beyond the new dial count does not break anything', () => {
        const out = assessReading(at(30, '50'), ctx([h('old', 0, '654321')], { meterExchangedAt: iso(20) }));
        expect(out.status).toBe('accepted');
        // Without the exchange, a 6-digit value on a 5-dial register cannot roll over: negative advance.
        expect(assessReading(at(30, '50'), ctx([h('old', 0, '654321')])).reasonCode).toBe('NEGATIVE_ADVANCE');
      });
    });
  });

  describe('advance more than twice the expected advance', () => {
    // 30 days at 2,700 a year: expected 221.77, twice that 443.53.
    const c = ctx([h('r1', 0, '1000')], { estimatedAnnualConsumption: '2700' });

    it('is accepted up to twice expected', () => {
      expect(assessReading(at(30, '1443.5'), c)).toMatchObject({ status: 'accepted', advance: '443.5' });
    });

    it('is held (industry 05) above it, asking for a photo', () => {
      const out = assessReading(at(30, '1443.6'), c);
      expect(out).toMatchObject({
        status: 'held',
        reasonCode: 'ADVANCE_EXCEEDS_TWICE_EXPECTED',
        industryCode: '05',
        advance: '443.6',
        rolledOver: false,
      });
      expect(out.message).toMatch(/443\.6 units used since your reading of 1000 on 2022-01-01/);
      expect(out.message).toMatch(/221\.8/);
      expect(out.message).toMatch(/photo of your meter/);
    });

    it('scales with fractional days', () => {
      // 12 hours at 3,652.5 a year: expected 5, limit 10.
      const half = ctx([h('r1', 0, '1000')], { estimatedAnnualConsumption: '3652.5' });
      expect(assessReading(at(0.5, '1010'), half).status).toBe('accepted');
      expect(assessReading(at(0.5, '1010.1'), half).status).toBe('held');
    });

    it('is not checked without an EAC', () => {
      expect(assessReading(at(30, '90000'), ctx([h('r1', 0, '1000')])).status).toBe('accepted');
    });

    it('decides exactly as the decimal comparison at and around the limit (the double fast path defers near a tie)', () => {
      // The reference: the decimal arithmetic the check always used (EAC x ms / ms a day / 365.25, 40 digits, times 2).
      const limitOf = (eac: string, ms: number) => new MeterDecimal(eac).times(ms).div(DAY).div('365.25').times(2);
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 500_000 }),
          fc.integer({ min: 0, max: 9 }),
          fc.integer({ min: 1, max: 400 * 24 * 3600 }),
          fc.integer({ min: -3, max: 3 }),
          (eacWhole, eacTenth, seconds, nudge) => {
            const eac = `${eacWhole}.${eacTenth}`;
            const ms = seconds * 1000;
            // The advance nearest the limit in tenths, nudged either side: a reading that sits on the line.
            const advance = limitOf(eac, ms).toDecimalPlaces(1).plus(new MeterDecimal(nudge).div(10));
            if (advance.lte(0) || advance.gte(999_999_000)) return;
            const history = [h('r1', 0, '0.0', 'R')];
            const reading = { readAt: new Date(T0 + ms).toISOString(), value: advance.toFixed(1), source: 'C' as const };
            const out = assessReading(reading, ctx(history, { digits: 10, estimatedAnnualConsumption: eac }));
            expect(out.status).toBe(advance.gt(limitOf(eac, ms)) ? 'held' : 'accepted');
          },
        ),
        { numRuns: 3000 },
      );
      // Exactly on the line (twice expected is 10 here): accepted; a tenth above it: held.
      const exact = ctx([h('r1', 0, '1000')], { estimatedAnnualConsumption: '1826.25' });
      expect(assessReading(at(1, '1010'), exact).status).toBe('accepted');
      expect(assessReading(at(1, '1010.1'), exact).status).toBe('held');
    });

    it('an EAC that is not a positive decimal is ignored and flagged every time it is met (parsed EACs are remembered)', () => {
      for (const bad of ['0', '0.0', 'abc', '-5', '']) {
        for (let i = 0; i < 2; i++) {
          const out = assessReading(at(30, '90000'), ctx([h('r1', 0, '1000')], { estimatedAnnualConsumption: bad }));
          expect(out).toMatchObject({ status: 'accepted', flags: ['IGNORED_INVALID_EAC'] });
        }
      }
    });

    it('is checked from the last actual reading when the previous one was an estimate', () => {
      // Estimate too low: 700 in 4 days looks huge, but 800 in 63 days from the actual is within 2x (931.5).
      const history = [h('a1', 0, '1000', 'R'), h('e1', 59, '1100', 'D')];
      const out = assessReading(at(63, '1800'), ctx(history, { estimatedAnnualConsumption: '2700' }));
      expect(out).toMatchObject({ status: 'accepted', advance: '800' });
    });
  });

  describe('zero advance', () => {
    it('over 90 days or more is accepted and flagged (industry 27)', () => {
      expect(assessReading(at(90, '1000'), ctx([h('r1', 0, '1000')]))).toEqual({
        status: 'accepted',
        industryCode: '27',
        backdated: false,
        advance: '0',
        rolledOver: false,
        flags: ['ZERO_ADVANCE'],
      });
    });

    it('over a shorter period is not flagged', () => {
      expect(assessReading(at(89.9, '1000'), ctx([h('r1', 0, '1000')]))).toMatchObject({ status: 'accepted', flags: [] });
    });

    it('honours zeroAdvanceFlagDays', () => {
      const out = assessReading(at(30, '1000.0'), ctx([h('r1', 0, '01000')]), { zeroAdvanceFlagDays: 30 });
      expect(out.flags).toEqual(['ZERO_ADVANCE']);
    });

    it('falls back to 90 days for a nonsense option', () => {
      expect(assessReading(at(30, '1000'), ctx([h('r1', 0, '1000')]), { zeroAdvanceFlagDays: -1 }).flags).toEqual([]);
      expect(assessReading(at(90, '1000'), ctx([h('r1', 0, '1000')]), { zeroAdvanceFlagDays: Number.NaN }).flags).toEqual([
        'ZERO_ADVANCE',
      ]);
    });
  });

  describe('backdated readings', () => {
    const history = [h('r1', 0, '1000'), h('r2', 60, '1300')];

    it('between two readings: accepted, backdated, measured from the one before', () => {
      expect(assessReading(at(30, '1150'), ctx(history))).toEqual({
        status: 'accepted',
        backdated: true,
        advance: '150',
        rolledOver: false,
        flags: [],
      });
    });

    it('must not leave the next reading with a negative advance', () => {
      const out = assessReading(at(30, '1400'), ctx(history));
      expect(out).toMatchObject({ status: 'rejected', reasonCode: 'NEGATIVE_ADVANCE', industryCode: '03', backdated: true });
      expect(out.message).toContain('higher than a later reading of 1300 on 2022-03-02');
    });

    it('is still checked against the reading before it', () => {
      expect(assessReading(at(30, '900'), ctx(history))).toMatchObject({ status: 'rejected', reasonCode: 'NEGATIVE_ADVANCE', backdated: true });
    });

    it('before all history: only the next reading constrains it', () => {
      expect(assessReading(at(-30, '900'), ctx(history))).toEqual({ status: 'accepted', backdated: true, rolledOver: false, flags: [] });
      expect(assessReading(at(-30, '1100'), ctx(history)).reasonCode).toBe('NEGATIVE_ADVANCE');
    });

    it('an actual reading above a later estimate: accepted, the estimate flagged, checked against the next actual', () => {
      const withEstimate = [h('a1', 0, '1000', 'R'), h('e1', 60, '1100', 'D'), h('a2', 90, '1600', 'R')];
      expect(assessReading(at(30, '1200'), ctx(withEstimate))).toMatchObject({
        status: 'accepted',
        backdated: true,
        advance: '200',
        flags: ['NEXT_ESTIMATE_TOO_LOW'],
      });
      const out = assessReading(at(30, '1700'), ctx(withEstimate));
      expect(out).toMatchObject({ status: 'rejected', reasonCode: 'NEGATIVE_ADVANCE' });
      expect(out.message).toContain('1600');
    });

    it('an estimate above a later actual reading is rejected', () => {
      expect(assessReading(at(30, '1400', 'D'), ctx(history)).reasonCode).toBe('NEGATIVE_ADVANCE');
    });

    it('allows a rollover between it and the next reading', () => {
      const rolled = [h('r1', 0, '99000'), h('r2', 60, '500')];
      expect(assessReading(at(30, '99500'), ctx(rolled))).toMatchObject({ status: 'accepted', advance: '500', rolledOver: false, backdated: true });
      expect(assessReading(at(30, '200'), ctx(rolled))).toMatchObject({ status: 'accepted', advance: '1200', rolledOver: true, backdated: true });
    });

    it('is held when it would make the advance to the next reading more than twice expected', () => {
      const c = ctx([h('r1', 0, '1000'), h('r2', 60, '1400')], { estimatedAnnualConsumption: '2700' });
      const out = assessReading(at(59, '1001'), c);
      expect(out).toMatchObject({ status: 'held', reasonCode: 'ADVANCE_EXCEEDS_TWICE_EXPECTED', industryCode: '05', advance: '1', backdated: true });
      expect(out.message).toContain('your later reading of 1400 on 2022-03-02 would mean 399 units');
    });

    it('a rejection against the next reading outranks a hold against the previous one', () => {
      const c = ctx([h('r1', 0, '1000'), h('r2', 60, '1400')], { estimatedAnnualConsumption: '2700' });
      expect(assessReading(at(1, '1500'), c).status).toBe('rejected');
    });

    it('is not compared with a next reading on another meter', () => {
      const out = assessReading(at(10, '5000'), ctx([h('r1', 0, '1000'), h('new', 30, '3')], { meterExchangedAt: iso(20) }));
      expect(out).toMatchObject({ status: 'accepted', advance: '4000', industryCode: '20', flags: ['METER_EXCHANGE'], backdated: true });
    });
  });

  describe('input it should never see, handled without throwing', () => {
    it.each([
      [{ readAt: '2022-01-01', value: '1', source: 'C' }, 'INVALID_READ_AT', undefined],
      [{ readAt: iso(0), value: '-1', source: 'C' }, 'INVALID_VALUE', undefined],
      [{ readAt: iso(0), value: '1.25', source: 'C' }, 'INVALID_VALUE', undefined],
      [{ readAt: iso(0), value: '1', source: 'Q' }, 'INVALID_SOURCE', undefined],
      [{ readAt: iso(0), value: '100000', source: 'C' }, 'VALUE_EXCEEDS_REGISTER_DIGITS', '11'],
    ])('%p -> %s', (reading, reasonCode, industryCode) => {
      const out = assessReading(reading as never, ctx([]));
      expect(out).toMatchObject({ status: 'rejected', reasonCode });
      expect(out.industryCode).toBe(industryCode);
      expect(out.message).toBeTruthy();
    });

    it.each([0, 13, 4.5, Number.NaN])('rejects a register with %p digits (industry 11)', (digits) => {
      expect(assessReading(at(0, '1'), ctx([], { digits }))).toMatchObject({ status: 'rejected', reasonCode: 'INVALID_REGISTER_DIGITS', industryCode: '11' });
    });

    it('ignores and flags malformed history entries', () => {
      const history = [h('r1', 0, '1000'), { readingId: 'bad', readAt: 'x', value: '5', source: 'C' }, null, { readingId: 'v', readAt: iso(1), value: '-3', source: 'C' }] as HistoricReading[];
      expect(assessReading(at(30, '1100'), ctx(history))).toMatchObject({ status: 'accepted', advance: '100', flags: ['IGNORED_MALFORMED_HISTORY'] });
    });

    it('ignores and flags malformed context values', () => {
      const out = assessReading(
        at(30, '1100'),
        ctx([h('r1', 0, '1000')], { supplyStartDate: 'soon', meterExchangedAt: '2022-13-01', estimatedAnnualConsumption: '0' }),
      );
      expect(out).toMatchObject({ status: 'accepted', advance: '100' });
      expect(out.flags).toEqual(['IGNORED_INVALID_EAC', 'IGNORED_INVALID_METER_EXCHANGE', 'IGNORED_INVALID_SUPPLY_START']);
      expect(assessReading(at(30, '1100'), ctx([h('r1', 0, '1000')], { estimatedAnnualConsumption: '2,700' })).flags).toEqual([
        'IGNORED_INVALID_EAC',
      ]);
    });

    it('treats a missing history as empty', () => {
      expect(assessReading(at(0, '1'), { digits: 5 } as never).status).toBe('accepted');
    });
  });
});

describe('assessReading properties', () => {
  const sources = fc.constantFrom<ReadingSource>('C', 'R', 'X', 'D', 'A', 'Z', 'F', 'I');
  // Instants on a coarse 6-hour grid, so same-instant duplicates and conflicts come up often.
  const slot = fc.integer({ min: 0, max: 60 });
  const slotIso = (n: number) => new Date(T0 + n * 6 * 3_600_000).toISOString();
  const valueFor = (digits: number) => fc.integer({ min: 0, max: 10 ** digits * 10 - 1 }).map((n) => new MeterDecimal(n).div(10).toFixed());

  const scenario = fc.integer({ min: 3, max: 6 }).chain((digits) =>
    fc.record({
      digits: fc.constant(digits),
      history: fc.uniqueArray(
        fc.record({ id: fc.integer({ min: 0, max: 999 }), slot, value: valueFor(digits), source: sources }),
        { maxLength: 12, selector: (r) => r.id },
      ),
      reading: fc.record({ slot, value: valueFor(digits), source: sources }),
      eac: fc.option(fc.constantFrom('500', '2700', '11500', '0.5'), { nil: undefined }),
      exchange: fc.option(slot, { nil: undefined }),
      supplyStart: fc.option(slot, { nil: undefined }),
    }),
  );

  type Scenario = typeof scenario extends fc.Arbitrary<infer S> ? S : never;
  const toArgs = (s: Scenario) => ({
    reading: { readAt: slotIso(s.reading.slot), value: s.reading.value, source: s.reading.source },
    context: {
      digits: s.digits,
      history: s.history.map((r) => ({ readingId: `r${r.id}`, readAt: slotIso(r.slot), value: r.value, source: r.source })),
      ...(s.eac !== undefined ? { estimatedAnnualConsumption: s.eac } : {}),
      ...(s.exchange !== undefined ? { meterExchangedAt: slotIso(s.exchange) } : {}),
      ...(s.supplyStart !== undefined ? { supplyStartDate: slotIso(s.supplyStart) } : {}),
    } as PlausibilityContext,
  });

  const wellFormed = (out: PlausibilityOutcome, digits: number) => {
    expect(['accepted', 'rejected', 'held']).toContain(out.status);
    expect(out.flags).toEqual([...new Set(out.flags)].sort());
    if (out.status !== 'accepted') {
      expect(out.reasonCode).toMatch(/^[A-Z_]+$/);
      expect(out.message).toBeTruthy();
    }
    if (out.duplicateOf !== undefined) expect(out.status).toBe('accepted');
    if (out.rolledOver) expect(out.advance).toBeDefined();
    if (out.advance !== undefined) {
      const adv = new MeterDecimal(out.advance);
      expect(adv.gte(0) && adv.lt(new MeterDecimal(10).pow(digits))).toBe(true);
    }
  };

  it('never throws, and always returns a well-formed outcome', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { reading, context } = toArgs(s);
        wellFormed(assessReading(reading, context), s.digits);
      }),
      { numRuns: 150 },
    );
  });

  it('never throws on arbitrary junk either', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), fc.anything(), (reading, context, options) => {
        const out = assessReading(reading as never, context as never, options as never);
        expect(['accepted', 'rejected', 'held']).toContain(out.status);
      }),
      { numRuns: 100 },
    );
  });

  it('is deterministic and independent of history order', () => {
    const withPermutation = scenario.chain((s) =>
      fc.tuple(fc.constant(s), fc.shuffledSubarray(s.history, { minLength: s.history.length, maxLength: s.history.length })),
    );
    fc.assert(
      fc.property(withPermutation, ([s, permuted]) => {
        const { reading, context } = toArgs(s);
        const first = assessReading(reading, context);
        expect(assessReading(reading, context)).toEqual(first);
        const other = toArgs({ ...s, history: permuted });
        expect(other.context.history.map((r) => r.readingId).sort()).toEqual(context.history.map((r) => r.readingId).sort());
        expect(assessReading(reading, other.context)).toEqual(first);
        expect(assessReading(reading, { ...context, history: [...context.history].reverse() })).toEqual(first);
      }),
      { numRuns: 100 },
    );
  });

  it('resubmitting an accepted reading is always recognised as a duplicate', () => {
    fc.assert(
      fc.property(
        scenario.filter((s) => s.history.length > 0),
        fc.nat(),
        (s, pick) => {
          const { context } = toArgs(s);
          const original = context.history[pick % context.history.length]!;
          // Same instant and number, written differently.
          const again = { readAt: new Date(Date.parse(original.readAt) + 3_600_000).toISOString().replace('Z', '+01:00').replace(/\.\d{3}/, ''), value: `0${original.value}`, source: original.source };
          const out = assessReading(again, context);
          expect(out.status).toBe('accepted');
          const dup = context.history.find((r) => r.readingId === out.duplicateOf)!;
          expect(Date.parse(dup.readAt)).toBe(Date.parse(original.readAt));
          expect(new MeterDecimal(dup.value).eq(original.value)).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('a later reading at or above the last one, with no EAC or exchange, is accepted with the plain difference', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 0, max: 5000 }),
        (steps, extra) => {
          let total = 0;
          const history = steps.map((step, i) => h(`r${i}`, i * 10, String((total += step))));
          const out = assessReading(at(steps.length * 10, String(total + extra)), ctx(history, { digits: 6 }));
          expect(out.status).toBe('accepted');
          expect(out.advance).toBe(String(extra));
          expect(out.rolledOver).toBe(false);
        },
      ),
    );
  });

  it('a lower later reading is either a small rollover or rejected as negative', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 99999 }), fc.integer({ min: 0, max: 99998 }), (prev, next) => {
        fc.pre(next < prev);
        const out = assessReading(at(30, String(next)), ctx([h('r1', 0, String(prev))]));
        if (out.status === 'accepted') {
          expect(out.rolledOver).toBe(true);
          expect(Number(out.advance)).toBe(100000 - prev + next);
          expect(Number(out.advance)).toBeLessThanOrEqual(10000);
        } else {
          expect(out).toMatchObject({ status: 'rejected', reasonCode: 'NEGATIVE_ADVANCE', industryCode: '03' });
          expect(100000 - prev + next).toBeGreaterThan(10000);
        }
      }),
    );
  });
});
