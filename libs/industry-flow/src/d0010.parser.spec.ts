import fc from 'fast-check';
import { type D0010FileModel, type D0010GroupModel, generateD0010Lines, mpanCoreFrom, renderD0010 } from '../../../benchmarks/d0010-file.generator';
import { flowLinesOf } from './flow-line.splitter';
import { formatFlowDateTime, parseFlowDateTime } from './flow-date-time.parser';
import type { D0010Event, D0010Reading } from './d0010.events';
import { parseD0010 } from './d0010.parser';
import { READING_TYPES, type D0010ReadingType } from './d0010-reading-type.mapping';
import { validateD0010Structure } from './d0010-structure.validator';

const HEADER = 'ZHV|F000000001|D0010002|D|UDMS|X|SRGE|20220401093000||||OPER|';
const MPAN_A = '1200023305967';
const MPAN_B = '1900001059816';
/** MPAN_A with its last digit changed: fails the check digit. */
const MPAN_BAD = '1200023305968';

function d0010(...body: string[]): string {
  const records = body.filter((l) => l.trim().length > 0).length;
  const groups = body.filter((l) => l.startsWith('026|')).length;
  return `${[HEADER, ...body, `ZPT|F000000001|${records}||${groups}|20220401094500|`].join('\n')}\n`;
}

async function events(text: string, options?: Parameters<typeof parseD0010>[1]): Promise<D0010Event[]> {
  const out: D0010Event[] = [];
  for await (const e of parseD0010(flowLinesOf(text), options)) out.push(e);
  return out;
}

const readingsOf = (es: D0010Event[]): D0010Reading[] => es.flatMap((e) => (e.kind === 'reading' ? [e.reading] : []));
const rejectionsOf = (es: D0010Event[]) => es.filter((e) => e.kind === 'groupRejected');
const reading = (register = 'S', at = '20220331000000', value = '56311.0', flag = 'T', method = 'N') => `030|${register}|${at}|${value}|||${flag}|${method}|`;
const groupB = [`026|${MPAN_B}|V|`, '028|S95105287|R|', reading('S', '20220331000000', '100.0')];

describe('parseD0010: readings', () => {
  it('yields header, group, meter, readings and trailer in file order, with and without 032', async () => {
    const es = await events(d0010(`026|${MPAN_A}|V|`, '028|F75A 00802|R|', reading('DY'), '032||V|', reading('NT', '20220331000000', '1641.5'), ...groupB));
    expect(es.map((e) => e.kind)).toEqual(['header', 'group', 'meter', 'reading', 'reading', 'group', 'meter', 'reading', 'trailer']);
    const [first, second, third] = readingsOf(es);
    expect(first).toEqual({
      line: 4,
      mpanCore: MPAN_A,
      meterId: 'F75A 00802',
      registerId: 'DY',
      // 31 March 2022 was in British Summer Time (from 27 March): local midnight is 23:00 UTC the day before.
      readAt: '2022-03-30T23:00:00.000Z',
      readAtLocal: '20220331000000',
      value: '56311.0',
      readingType: 'R',
      source: 'R',
      estimated: false,
      readingFlag: 'T',
      readingMethod: 'N',
      validation: { line: 5, reasonCode: '', status: 'V' },
      siteVisits: [],
    });
    expect(second).toMatchObject({ line: 6, registerId: 'NT', value: '1641.5' });
    expect(second).not.toHaveProperty('validation');
    expect(third).toMatchObject({ mpanCore: MPAN_B, line: 9 });
    expect(es.at(-1)).toMatchObject({
      kind: 'trailer',
      trailer: { recordCount: 8, flowCount: 2 },
      summary: { groupsAccepted: 2, groupsRejected: 0, readings: 3, readingsRejected: 0, estimated: 0, heldForReview: 0 },
    });
  });

  it('reads UK clock time: BST readings are an hour before the written time in UTC', async () => {
    const es = await events(d0010(`026|${MPAN_A}|V|`, '028|M1|R|', reading('S', '20220401000000'), reading('S', '20220301000000'), reading('S', '20221030013000')));
    expect(readingsOf(es).map((r) => r.readAt)).toEqual(['2022-03-31T23:00:00.000Z', '2022-03-01T00:00:00.000Z', '2022-10-30T00:30:00.000Z']);
  });

  it('keeps maximum demand resets, the reading method and site visits', async () => {
    const es = await events(d0010(`026|${MPAN_A}|V|`, '027|01|gate locked|', '028|M1|R|', '029|02|meter in cellar|', '030|S|20220331000000|5.0|20220301000000|1|T|P|', '033|03||'));
    const group = es.find((e) => e.kind === 'group');
    const meter = es.find((e) => e.kind === 'meter');
    expect(group).toMatchObject({ siteVisits: [{ line: 3, checkCode: '01', text: 'gate locked' }], readings: 1 });
    expect(meter).toMatchObject({ siteVisits: [{ line: 5, checkCode: '02', text: 'meter in cellar' }] });
    expect(readingsOf(es)[0]).toMatchObject({ mdResetAt: '2022-03-01T00:00:00.000Z', mdResetCount: 1, readingMethod: 'P', siteVisits: [{ line: 7, checkCode: '03', text: '' }] });
  });
});

describe('the example in docs/industry-flows.md', () => {
  it('yields what the docs say it yields', async () => {
    const example = [
      'ZHV|F000000001|D0010002|D|UDMS|X|SRGE|20220401093000||||OPER|',
      '026|1200023305967|V|',
      '028|F75A 00802|R|',
      '030|S|20220331000000|56311.0|||T|N|',
      '026|1900001059816|V|',
      '028|S95105287|D|',
      '030|DY|20220331000000|81641.0|||T|N|',
      '032|05|F|',
      '030|NT|20220331000000|1641.0|||T|N|',
      'ZPT|F000000001|8||2|20220401094500|',
    ].join('\n');
    const rs = readingsOf(await events(example));
    expect(rs.map((r) => [r.mpanCore, r.registerId, r.value, r.source, r.estimated, r.review?.reasonCode, r.review?.industryCode, r.readAt])).toEqual([
      [MPAN_A, 'S', '56311.0', 'R', false, undefined, undefined, '2022-03-30T23:00:00.000Z'],
      [MPAN_B, 'DY', '81641.0', 'D', true, 'ADVANCE_EXCEEDS_TWICE_EXPECTED', '05', '2022-03-30T23:00:00.000Z'],
      [MPAN_B, 'NT', '1641.0', 'D', true, undefined, undefined, '2022-03-30T23:00:00.000Z'],
    ]);
  });
});

describe('parseD0010: sources and estimates', () => {
  it.each([
    ['C', 'C', false],
    ['R', 'R', false],
    ['X', 'X', false],
    ['D', 'D', true],
    ['A', 'A', false],
    ['Z', 'Z', false],
    ['F', 'F', false],
    ['I', 'I', false],
    ['O', 'D', true],
    ['Q', 'D', true],
    ['M', 'R', false],
    ['P', 'X', false],
    ['S', 'R', false],
    ['T', 'R', false],
    ['U', 'R', false],
    ['V', 'A', false],
    ['Y', 'A', false],
  ])('reading type %s is source %s, estimated %s', async (type, source, estimated) => {
    const [r] = readingsOf(await events(d0010(`026|${MPAN_A}|V|`, `028|M1|${type}|`, reading())));
    expect(r).toMatchObject({ readingType: type, source, estimated });
    expect(r).not.toHaveProperty('review');
  });

  it('marks every reading the platform treats as an estimate with source D, and only those', () => {
    for (const [code, m] of Object.entries(READING_TYPES)) expect([code, m.estimated]).toEqual([code, m.source === 'D']);
  });

  it('counts estimates in the summary', async () => {
    const es = await events(d0010(`026|${MPAN_A}|V|`, '028|M1|D|', reading('DY'), reading('NT'), ...groupB));
    expect(es.at(-1)).toMatchObject({ summary: { readings: 3, estimated: 2 } });
  });
});

describe('parseD0010: held for review', () => {
  const one = async (...body: string[]) => readingsOf(await events(d0010(...body)))[0]!;

  it('holds a reading the sender flagged suspect (flag F)', async () => {
    expect((await one(`026|${MPAN_A}|V|`, '028|M1|R|', reading('S', '20220331000000', '1.0', 'F'))).review).toEqual({
      reasonCode: 'SUSPECT_READING',
      message: expect.stringContaining('suspect'),
    });
  });

  it.each([
    ['03', 'NEGATIVE_ADVANCE'],
    ['05', 'ADVANCE_EXCEEDS_TWICE_EXPECTED'],
    ['11', 'VALUE_EXCEEDS_REGISTER_DIGITS'],
    ['20', 'METER_EXCHANGE'],
    ['27', 'ZERO_ADVANCE'],
    ['99', 'SENDER_VALIDATION_FAILED'],
  ])('holds a reading whose 032 failed with industry code %s as %s', async (code, reasonCode) => {
    const r = await one(`026|${MPAN_A}|V|`, '028|M1|R|', reading(), `032|${code}|F|`);
    expect(r.review).toMatchObject({ reasonCode, industryCode: code });
    expect(r.review!.message).toContain('line 5');
  });

  it('holds a withdrawn reading (type W), an estimate that is never an actual', async () => {
    expect(await one(`026|${MPAN_A}|V|`, '028|M1|W|', reading())).toMatchObject({ source: 'D', estimated: true, review: { reasonCode: 'READING_WITHDRAWN' } });
  });

  it('holds the readings of a supply point whose BSC validation failed (026 status F)', async () => {
    expect((await one(`026|${MPAN_A}|F|`, '028|M1|R|', reading())).review).toMatchObject({ reasonCode: 'SUPPLY_POINT_VALIDATION_FAILED' });
  });

  it('does not hold a reading whose 032 passed or was not validated, or of a not-validated supply point', async () => {
    const es = await events(d0010(`026|${MPAN_A}|U|`, '028|M1|R|', reading('DY'), '032|05|V|', reading('NT'), '032||U|'));
    expect(readingsOf(es).map((r) => r.review)).toEqual([undefined, undefined]);
    expect(es.at(-1)).toMatchObject({ summary: { heldForReview: 0 } });
  });

  it('counts held readings in the summary', async () => {
    const es = await events(d0010(`026|${MPAN_A}|V|`, '028|M1|R|', reading('DY', '20220331000000', '1.0', 'F'), reading('NT'), '032|03|F|', reading('S')));
    expect(es.at(-1)).toMatchObject({ summary: { readings: 3, heldForReview: 2 } });
  });
});

describe('parseD0010: a bad group is rejected alone', () => {
  async function rejected(...bad: string[]) {
    const es = await events(d0010(...groupB, ...bad, ...groupB));
    const rejections = rejectionsOf(es);
    expect(rejections).toHaveLength(1);
    // The groups around it are processed; nothing of the bad group is yielded.
    expect(readingsOf(es).map((r) => r.mpanCore)).toEqual([MPAN_B, MPAN_B]);
    expect(es.filter((e) => e.kind === 'group')).toHaveLength(2);
    return rejections[0] as Extract<D0010Event, { kind: 'groupRejected' }>;
  }

  it('rejects a group whose MPAN fails its check digit, naming the line', async () => {
    const r = await rejected(`026|${MPAN_BAD}|V|`, '028|M1|R|', reading());
    expect(r).toMatchObject({ line: 5, groupLine: 5, mpanCore: MPAN_BAD, reasonCode: 'INVALID_MPAN_CORE', readingsRejected: 1 });
    expect(r.message).toMatch(/^line 5: .*check digit/);
  });

  it.each([
    ['not 13 digits', '12000233059'],
    ['an unknown distributor', mpanCoreFrom(10, 1).replace(/^10/, '99')],
    ['a placeholder', '1000000000000'],
  ])('rejects an MPAN core that is %s', async (_what, mpan) => {
    expect(await rejected(`026|${mpan}|V|`, '028|M1|R|', reading())).toMatchObject({ reasonCode: 'INVALID_MPAN_CORE' });
  });

  it('rejects the whole group for a bad reading, including the readings before it', async () => {
    const r = await rejected(`026|${MPAN_A}|V|`, '028|M1|R|', reading('DY'), reading('NT', '20220230000000'), reading('S'));
    expect(r).toMatchObject({ line: 8, groupLine: 5, reasonCode: 'INVALID_READ_AT', readingsRejected: 3 });
    expect(r.message).toContain('20220230000000');
  });

  it.each([
    ['an impossible date', '20220230000000'],
    ['a malformed date', '2022-03-31'],
    ['an hour the clocks skip', '20220327013000'],
    ['a year before 2000', '19990101000000'],
  ])('rejects %s', async (_what, at) => {
    expect(await rejected(`026|${MPAN_A}|V|`, '028|M1|R|', reading('S', at))).toMatchObject({ line: 7, reasonCode: 'INVALID_READ_AT' });
  });

  it.each([
    ['12a.4', 'INVALID_VALUE'],
    ['', 'INVALID_VALUE'],
    ['-5.0', 'INVALID_VALUE'],
    ['1.', 'INVALID_VALUE'],
    ['.5', 'INVALID_VALUE'],
    ['1e5', 'INVALID_VALUE'],
    ['123456789.0', 'VALUE_BEYOND_FORMAT'],
    ['123456789', 'VALUE_BEYOND_FORMAT'],
    ['1.25', 'VALUE_BEYOND_FORMAT'],
  ])('rejects the value "%s" as %s', async (value, reasonCode) => {
    expect(await rejected(`026|${MPAN_A}|V|`, '028|M1|R|', reading('S', '20220331000000', value))).toMatchObject({ line: 7, reasonCode });
  });

  it('accepts the largest NUM(9,1) value', async () => {
    const es = await events(d0010(`026|${MPAN_A}|V|`, '028|M1|R|', reading('S', '20220331000000', '99999999.9')));
    expect(readingsOf(es)[0]?.value).toBe('99999999.9');
  });

  it('rejects a reading without its register id', async () => {
    expect(await rejected(`026|${MPAN_A}|V|`, '028|M1|R|', reading(''))).toMatchObject({ line: 7, reasonCode: 'MISSING_REGISTER_ID' });
  });

  it('rejects a meter without register readings, and a group without a meter', async () => {
    expect(await rejected(`026|${MPAN_A}|V|`, '028|M1|R|', '028|M2|R|', reading())).toMatchObject({ line: 6, reasonCode: 'NO_REGISTER_READINGS' });
    expect(await rejected(`026|${MPAN_A}|V|`, '028|M1|R|')).toMatchObject({ line: 6, reasonCode: 'NO_REGISTER_READINGS' });
    expect(await rejected(`026|${MPAN_A}|V|`)).toMatchObject({ line: 5, reasonCode: 'NO_METER', readingsRejected: 0 });
  });

  it.each([
    [[`026|${MPAN_A}|Q|`, '028|M1|R|', reading()], 5, 'INVALID_BSC_VALIDATION_STATUS'],
    [[`026|${MPAN_A}|`, '028|M1|R|', reading()], 5, 'MALFORMED_RECORD'],
    [[`026|${MPAN_A}|V|`, '028|M1|B|', reading()], 6, 'INVALID_READING_TYPE'],
    [[`026|${MPAN_A}|V|`, '028|ELEVENCHARS|R|', reading()], 6, 'INVALID_METER_ID'],
    [[`026|${MPAN_A}|V|`, '028||R|', reading()], 6, 'INVALID_METER_ID'],
    [[`026|${MPAN_A}|V|`, '028|M1|R|', reading('ABC')], 7, 'INVALID_REGISTER_ID'],
    [[`026|${MPAN_A}|V|`, '028|M1|R|', reading('S', '20220331000000', '1.0', 'X')], 7, 'INVALID_READING_FLAG'],
    [[`026|${MPAN_A}|V|`, '028|M1|R|', reading('S', '20220331000000', '1.0', 'T', 'Q')], 7, 'INVALID_READING_METHOD'],
    [[`026|${MPAN_A}|V|`, '028|M1|R|', '030|S|20220331000000|1.0|2022|1|T|N|'], 7, 'INVALID_MD_RESET'],
    [[`026|${MPAN_A}|V|`, '028|M1|R|', '030|S|20220331000000|1.0||x|T|N|'], 7, 'INVALID_MD_RESET'],
    [[`026|${MPAN_A}|V|`, '028|M1|R|', '030|S|20220331000000|1.0|||T|'], 7, 'MALFORMED_RECORD'],
    [[`026|${MPAN_A}|V|`, '028|M1|R|', reading(), '032||F|'], 8, 'INVALID_VALIDATION_RESULT'],
    [[`026|${MPAN_A}|V|`, '028|M1|R|', reading(), '032|05|P|'], 8, 'INVALID_VALIDATION_RESULT'],
    [[`026|${MPAN_A}|V|`, '027||no code|', '028|M1|R|', reading()], 6, 'INVALID_SITE_VISIT'],
  ])('rejects %j at line %i as %s', async (body, line, reasonCode) => {
    expect(await rejected(...body)).toMatchObject({ line, reasonCode });
  });

  it('rejects a group larger than the bound, without buffering it', async () => {
    const many = Array.from({ length: 50 }, () => reading());
    const r = await events(d0010(`026|${MPAN_A}|V|`, '028|M1|R|', ...many), { maxGroupRecords: 20 });
    expect(rejectionsOf(r)).toEqual([expect.objectContaining({ line: 22, reasonCode: 'GROUP_TOO_LARGE', readingsRejected: 50 })]);
  });

  it('counts rejected groups and readings in the summary', async () => {
    const es = await events(d0010(...groupB, `026|${MPAN_BAD}|V|`, '028|M1|R|', reading('DY'), reading('NT')));
    expect(es.at(-1)).toMatchObject({ summary: { groupsAccepted: 1, groupsRejected: 1, readings: 1, readingsRejected: 2 } });
  });
});

// ---------------------------------------------------------------- property: generated files parse back
const codes = Object.keys(READING_TYPES) as D0010ReadingType[];
const text = fc.stringMatching(/^[A-Za-z0-9 ]{0,20}$/);
const visits = fc.array(fc.record({ checkCode: fc.stringMatching(/^[0-9]{1,2}$/), text }), { maxLength: 2 });
// Whole seconds from 2000 to 2105, written as UK clock time (so never the skipped spring hour).
const localTime = fc.integer({ min: Date.UTC(2000, 0, 1, 1) / 1000, max: Date.UTC(2105, 11, 31) / 1000 }).map((s) => formatFlowDateTime(s * 1000));
const value = fc.tuple(fc.integer({ min: 0, max: 99_999_999 }), fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined })).map(([i, d]) => (d === undefined ? `${i}` : `${i}.${d}`));
const validation = fc.oneof(
  fc.record({ reasonCode: fc.constantFrom('03', '05', '11', '20', '27', '01', '99'), status: fc.constant('F' as const) }),
  fc.record({ reasonCode: fc.constantFrom('', '05'), status: fc.constantFrom('V' as const, 'U' as const) }),
);
const readingModel = fc.record(
  {
    registerId: fc.constantFrom('S', '01', 'DY', 'NT', 'A1', 'TO'),
    readAtLocal: localTime,
    value,
    mdResetAt: localTime,
    mdResetCount: fc.integer({ min: 0, max: 99 }).map(String),
    readingFlag: fc.constantFrom('T' as const, 'F' as const),
    readingMethod: fc.constantFrom('N' as const, 'P' as const),
    validation,
    siteVisits: visits,
  },
  { requiredKeys: ['registerId', 'readAtLocal', 'value', 'readingFlag', 'readingMethod'] },
);
const group: fc.Arbitrary<D0010GroupModel> = fc.record(
  {
    mpanCore: fc.tuple(fc.integer({ min: 10, max: 23 }), fc.integer({ min: 0, max: 9_999_999_999 })).map(([d, s]) => mpanCoreFrom(d, s)),
    bscValidationStatus: fc.constantFrom('V' as const, 'U' as const, 'F' as const),
    siteVisits: visits,
    meters: fc.array(
      fc.record(
        { meterId: fc.stringMatching(/^[A-Z0-9]{1,10}$/), readingType: fc.constantFrom(...codes), siteVisits: visits, readings: fc.array(readingModel, { minLength: 1, maxLength: 4 }) },
        { requiredKeys: ['meterId', 'readingType', 'readings'] },
      ),
      { minLength: 1, maxLength: 3 },
    ),
  },
  { requiredKeys: ['mpanCore', 'bscValidationStatus', 'meters'] },
);
const file: fc.Arbitrary<D0010FileModel> = fc.record({ fileId: fc.stringMatching(/^[A-Z0-9]{1,10}$/), created: localTime, groups: fc.array(group, { maxLength: 6 }) });

describe('parseD0010: generated valid files parse back to what was generated', () => {
  it('pass 1 passes them and pass 2 yields every group, meter and reading as written', async () => {
    await fc.assert(
      fc.asyncProperty(file, async (model) => {
        const text = `${[...renderD0010(model)].join('\n')}\n`;
        const structure = await validateD0010Structure(flowLinesOf(text));
        expect(structure).toMatchObject({ ok: true, groups: model.groups.length, header: { fileId: model.fileId } });
        const es = await events(text);
        expect(rejectionsOf(es)).toEqual([]);
        const groups = es.filter((e) => e.kind === 'group');
        expect(groups.map((g) => g.mpanCore)).toEqual(model.groups.map((g) => g.mpanCore));
        const meters = es.filter((e) => e.kind === 'meter');
        expect(meters.map((m) => [m.meterId, m.readingType, m.siteVisits.map((v) => [v.checkCode, v.text])])).toEqual(
          model.groups.flatMap((g) => g.meters.map((m) => [m.meterId, m.readingType, (m.siteVisits ?? []).map((v) => [v.checkCode, v.text])])),
        );
        const expected = model.groups.flatMap((g) =>
          g.meters.flatMap((m) =>
            m.readings.map((r) => {
              const mapping = READING_TYPES[m.readingType as D0010ReadingType];
              const held = m.readingType === 'W' || r.validation?.status === 'F' || r.readingFlag === 'F' || g.bscValidationStatus === 'F';
              const at = parseFlowDateTime(r.readAtLocal);
              return {
                mpanCore: g.mpanCore,
                meterId: m.meterId,
                registerId: r.registerId,
                readAtLocal: r.readAtLocal,
                readAt: at.ok ? new Date(at.ms).toISOString() : 'unparseable',
                value: r.value,
                source: mapping.source,
                estimated: mapping.estimated,
                readingFlag: r.readingFlag,
                readingMethod: r.readingMethod,
                mdResetCount: r.mdResetCount === undefined ? undefined : Number(r.mdResetCount),
                validation: r.validation ? [r.validation.reasonCode, r.validation.status] : undefined,
                siteVisits: (r.siteVisits ?? []).map((v) => [v.checkCode, v.text]),
                held,
              };
            }),
          ),
        );
        expect(
          readingsOf(es).map((r) => ({
            mpanCore: r.mpanCore,
            meterId: r.meterId,
            registerId: r.registerId,
            readAtLocal: r.readAtLocal,
            readAt: r.readAt,
            value: r.value,
            source: r.source,
            estimated: r.estimated,
            readingFlag: r.readingFlag,
            readingMethod: r.readingMethod,
            mdResetCount: r.mdResetCount,
            validation: r.validation ? [r.validation.reasonCode, r.validation.status] : undefined,
            siteVisits: r.siteVisits.map((v) => [v.checkCode, v.text]),
            held: r.review !== undefined,
          })),
        ).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});

describe('the benchmark generator (benchmarks/d0010-file.generator.ts)', () => {
  it.each([1, 2, 3, 1000])('writes a valid file of exactly %i readings', async (n) => {
    const text = `${[...generateD0010Lines({ readings: n })].join('\n')}\n`;
    expect(await validateD0010Structure(flowLinesOf(text))).toMatchObject({ ok: true });
    const es = await events(text);
    expect(es.at(-1)).toMatchObject({ kind: 'trailer', summary: { readings: n, groupsRejected: 0 } });
  });
});
