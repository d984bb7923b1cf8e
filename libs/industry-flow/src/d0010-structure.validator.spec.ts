import { flowLinesOf, splitFlowLines } from './flow-line.splitter';
import { parseD0010 } from './d0010.parser';
import { D0010StructureError } from './d0010-structure.tracker';
import { validateD0010Structure } from './d0010-structure.validator';

const HEADER = 'ZHV|F000000001|D0010002|D|UDMS|X|SRGE|20220401093000||||OPER|';
const MPAN_A = '1200023305967';
const MPAN_B = '1900001059816';

/** A file of these body records with a correct header and trailer. */
function d0010(...body: string[]): string {
  const records = body.filter((l) => l.trim().length > 0).length;
  const groups = body.filter((l) => l.startsWith('026|')).length;
  return `${[HEADER, ...body, `ZPT|F000000001|${records}||${groups}|20220401094500|`].join('\n')}\n`;
}

const validate = (text: string) => validateD0010Structure(flowLinesOf(text));

async function refusal(text: string) {
  const result = await validate(text);
  if (result.ok) throw new Error('expected the file to be refused');
  return result.problem;
}

const GROUP_A = [`026|${MPAN_A}|V|`, '028|F75A 00802|R|', '030|S|20220331000000|56311.0|||T|N|'];
const GROUP_B = [`026|${MPAN_B}|V|`, '028|S95105287|D|', '030|DY|20220331000000|81641.0|||T|N|', '032|05|F|', '030|NT|20220331000000|1641.0|||T|N|'];

describe('validateD0010Structure (pass 1)', () => {
  it('passes a file without 032 records and reports its header, trailer and counts', async () => {
    const result = await validate(d0010(...GROUP_A));
    expect(result).toMatchObject({
      ok: true,
      records: 3,
      groups: 1,
      header: { line: 1, fileId: 'F000000001', flowVersion: 'D0010002', fromRole: 'D', fromMpid: 'UDMS', toRole: 'X', toMpid: 'SRGE', testDataFlag: 'OPER', createdAt: '2022-04-01T08:30:00.000Z' },
      trailer: { line: 5, fileId: 'F000000001', recordCount: 3, flowCount: 1 },
    });
  });

  it('passes a file with 032 validation results and site visits at each level', async () => {
    const result = await validate(d0010(`026|${MPAN_A}|V|`, '027|01|gate locked|', '028|M1|R|', '029|02||', '030|S|20220331000000|1.0|||T|P|', '032|03|F|', '033|03|dog|', '033|04||', ...GROUP_B));
    expect(result).toMatchObject({ ok: true, records: 13, groups: 2 });
  });

  it('passes CRLF line ends, blank lines (not counted) and extra trailing empty fields', async () => {
    const text = d0010('', ...GROUP_A, '   ', '026|1900001059816|V| | |', '028|M2|C|', '030|S|20220331000000|2.0|||T|N|||').replace(/\n/g, '\r\n');
    expect(await validate(text)).toMatchObject({ ok: true, records: 6, groups: 2 });
  });

  it('passes a header and trailer with no groups', async () => {
    expect(await validate(d0010())).toMatchObject({ ok: true, records: 0, groups: 0 });
  });

  it.each([
    ['another flow', 'ZHV|F000000001|D0086001|D|UDMS|X|SRGE|20220401093000||||OPER|', 'NOT_D0010'],
    ['another D0010 version', 'ZHV|F000000001|D0010001|D|UDMS|X|SRGE|20220401093000||||OPER|', 'UNSUPPORTED_FLOW_VERSION'],
    ['a header without its creation time', 'ZHV|F000000001|D0010002|D|UDMS|X|SRGE|', 'MALFORMED_HEADER'],
    ['a header with an impossible creation time', 'ZHV|F000000001|D0010002|D|UDMS|X|SRGE|20220231093000||||OPER|', 'MALFORMED_HEADER'],
    ['a header without a file id', 'ZHV||D0010002|D|UDMS|X|SRGE|20220401093000||||OPER|', 'MALFORMED_HEADER'],
  ])('refuses %s on line 1', async (_what, header, reasonCode) => {
    const problem = await refusal(d0010(...GROUP_A).replace(HEADER, header));
    expect(problem).toMatchObject({ line: 1, reasonCode });
    expect(problem.message.length).toBeGreaterThan(10);
  });

  it('refuses a file that is not a D0010 flow at all', async () => {
    expect(await refusal('MPAN,serial,reading\n1200023305967,F75A,56311\n')).toMatchObject({ line: 1, reasonCode: 'MALFORMED_RECORD' });
    expect(await refusal('026|1200023305967|V|\n')).toMatchObject({ line: 1, reasonCode: 'MISSING_HEADER' });
  });

  it('refuses an empty file', async () => {
    expect(await refusal('')).toMatchObject({ reasonCode: 'EMPTY_FILE' });
    expect(await refusal('\n\n')).toMatchObject({ reasonCode: 'EMPTY_FILE' });
  });

  it('refuses a truncated file, naming the cut line', async () => {
    const whole = d0010(...GROUP_A, ...GROUP_B);
    const cut = whole.slice(0, whole.indexOf('81641.0') + 3);
    expect(await refusal(cut)).toMatchObject({ line: 7, reasonCode: 'TRUNCATED' });
  });

  it('refuses a file cut at a line end (no trailer)', async () => {
    const whole = d0010(...GROUP_A, ...GROUP_B);
    const cut = whole.slice(0, whole.indexOf('ZPT|'));
    expect(await refusal(cut)).toMatchObject({ line: 9, reasonCode: 'MISSING_TRAILER' });
  });

  it('refuses a record without its closing "|" in the middle of the file', async () => {
    const text = d0010(...GROUP_A, ...GROUP_B).replace('028|S95105287|D|', '028|S95105287|D');
    expect(await refusal(text)).toMatchObject({ line: 6, reasonCode: 'MALFORMED_RECORD' });
  });

  it('refuses a record longer than any D0010 record', async () => {
    const text = d0010(...GROUP_A, `033|01|${'x'.repeat(2000)}|`);
    expect(await refusal(text)).toMatchObject({ line: 5, reasonCode: 'MALFORMED_RECORD' });
  });

  it('refuses trailer counts that disagree with the file', async () => {
    const base = d0010(...GROUP_A, ...GROUP_B);
    expect(await refusal(base.replace('ZPT|F000000001|8||2|', 'ZPT|F000000001|9||2|'))).toMatchObject({ line: 10, reasonCode: 'RECORD_COUNT_MISMATCH' });
    expect(await refusal(base.replace('ZPT|F000000001|8||2|', 'ZPT|F000000001|8||3|'))).toMatchObject({ line: 10, reasonCode: 'FLOW_COUNT_MISMATCH' });
    expect(await refusal(base.replace('ZPT|F000000001|8||2|', 'ZPT|F000000001|eight||2|'))).toMatchObject({ line: 10, reasonCode: 'MALFORMED_TRAILER' });
    // A record lost in transfer shows as a count mismatch even when the structure still parses.
    expect(await refusal(base.replace('030|NT|20220331000000|1641.0|||T|N|\n', ''))).toMatchObject({ reasonCode: 'RECORD_COUNT_MISMATCH' });
  });

  it('refuses a trailer naming another file id', async () => {
    const text = d0010(...GROUP_A).replace('ZPT|F000000001|', 'ZPT|F000000002|');
    const problem = await refusal(text);
    expect(problem).toMatchObject({ line: 5, reasonCode: 'FILE_ID_MISMATCH' });
    expect(problem.message).toContain('F000000002');
  });

  it('refuses an unknown record type, naming its line', async () => {
    expect(await refusal(d0010(...GROUP_A, '031|S|1|'))).toMatchObject({ line: 5, reasonCode: 'UNKNOWN_RECORD' });
  });

  it.each([
    ['a 030 straight after a 026', [`026|${MPAN_A}|V|`, '030|S|20220331000000|1.0|||T|N|'], 3],
    ['a 028 before any 026', ['028|M1|R|', '030|S|20220331000000|1.0|||T|N|'], 2],
    ['a 032 after a 028', [`026|${MPAN_A}|V|`, '028|M1|R|', '032|05|F|'], 4],
    ['a second 032 for one reading', [...GROUP_A, '032|05|F|', '032|03|F|'], 6],
    ['a 027 after the group\u2019s meter', [...GROUP_A, '027|01||'], 5],
    ['a 029 after a reading', [...GROUP_A, '029|01||'], 5],
    ['a second header', [...GROUP_A, HEADER], 5],
  ])('refuses a record out of place: %s', async (_what, body, line) => {
    const problem = await refusal(d0010(...(body as string[])));
    expect(problem).toMatchObject({ line, reasonCode: 'RECORD_OUT_OF_PLACE' });
    expect(problem.message).toMatch(/expected/);
  });

  it('refuses records after the trailer', async () => {
    expect(await refusal(`${d0010(...GROUP_A)}${GROUP_A[0]}\n`)).toMatchObject({ line: 6, reasonCode: 'DATA_AFTER_TRAILER' });
  });

  it('reads a file streamed in arbitrary chunks the same as from memory', async () => {
    const text = d0010(...GROUP_A, ...GROUP_B);
    const chunks = text.match(/[\s\S]{1,7}/g)!;
    expect(await validateD0010Structure(splitFlowLines(chunks))).toEqual(await validate(text));
  });
});

describe('parseD0010 (pass 2) on a file pass 1 refuses', () => {
  it('throws D0010StructureError with the line and reason instead of yielding past the problem', async () => {
    const text = d0010(...GROUP_A, ...GROUP_B).replace('ZPT|F000000001|8||2|', 'ZPT|F000000001|7||2|');
    const seen: string[] = [];
    let error: unknown;
    try {
      for await (const e of parseD0010(flowLinesOf(text))) seen.push(e.kind);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(D0010StructureError);
    expect((error as D0010StructureError).problem).toMatchObject({ line: 10, reasonCode: 'RECORD_COUNT_MISMATCH' });
    expect(seen).not.toContain('trailer');
  });

  it('throws on a truncated file', async () => {
    const whole = d0010(...GROUP_A);
    await expect(async () => {
      for await (const _ of parseD0010(flowLinesOf(whole.slice(0, whole.length - 10)))) void _;
    }).rejects.toMatchObject({ problem: { reasonCode: 'TRUNCATED' } });
  });
});

describe('batched input (one batch of lines per chunk read)', () => {
  it('validates and parses the same from batches as from single lines', async () => {
    const text = d0010(...GROUP_A, ...GROUP_B);
    const chunks = text.match(/[\s\S]{1,11}/g)!;
    const { splitFlowLineBatches } = await import('./flow-line.splitter');
    const { parseD0010Batches } = await import('./d0010.parser');
    expect(await validateD0010Structure(splitFlowLineBatches(chunks))).toEqual(await validate(text));
    const fromBatches = [];
    for await (const batch of parseD0010Batches(splitFlowLineBatches(chunks))) fromBatches.push(...batch);
    const fromLines = [];
    for await (const e of parseD0010(flowLinesOf(text))) fromLines.push(e);
    expect(fromBatches).toEqual(fromLines);
    expect(fromLines.filter((e) => e.kind === 'reading')).toHaveLength(3);
  });
});
