import { BILL_ISSUED_SCHEMA, type BillIssuedV1 } from '@surge/billing-contracts/bill-issued.event';
import type { ReadingOutcomeV1 } from '@surge/reading-contracts/reading-outcome.event';
import { ACCOUNT_SNAPSHOT_SCHEMA, type AccountSnapshotV1 } from '@surge/registry-contracts/registry-change.event';
import { SURVEY_ANSWERED_SCHEMA } from '@surge/survey-contracts/survey-event.event';
import { mapRecord } from './timeline-entry.mapper';
import { decodeCursor, encodeCursor, withFlowOutcomes } from './timeline-query.service';
import { timelineQuerySchema } from './timeline-query.schema';
import { FLOW_ACCOUNT_INGESTED_SCHEMA, type FlowAccountIngestedV1 } from '@surge/flow-contracts/flow-account-ingested.event';

const outcome: ReadingOutcomeV1 = {
  schema: 'reading.outcome.v1',
  readingId: 'r-1',
  accountId: 'A-1',
  supplyPointId: '1200000000001',
  meterSerial: 'S1',
  registerId: '1',
  readAt: '2026-03-31T00:00:00.000Z',
  value: '1234',
  channel: 'web',
  status: 'rejected',
  reasonCode: 'NEGATIVE_ADVANCE',
  message: 'Lower than your last reading',
  duplicateOf: null,
  decidedAt: '2026-03-31T08:00:00Z',
  correlationId: 'corr-1',
};

describe('timeline entries from events', () => {
  it('a reading outcome: id from (reading, decision), reason for everyone, correlation id for staff only', () => {
    const m = mapRecord('reading-outcome', JSON.stringify(outcome));
    expect(m.kind).toBe('entry');
    if (m.kind !== 'entry') return;
    expect(m.entry).toMatchObject({ entryId: 'reading:r-1:rejected', kind: 'reading.rejected', family: 'reading', occurredAt: '2026-03-31T08:00:00.000Z', source: 'read-sink', link: { type: 'reading', id: 'r-1' } });
    expect(m.entry.details).toMatchObject({ reasonCode: 'NEGATIVE_ADVANCE', message: 'Lower than your last reading' });
    expect(m.entry.staffNote).toContain('corr-1');
    // The same event mapped twice is the same entry: redelivery and rebuild change nothing.
    expect(mapRecord('reading-outcome', Buffer.from(JSON.stringify(outcome)))).toEqual(m);
  });

  it('a reading decided on review: a second entry, the reviewer\'s note for staff only', () => {
    const reviewed = { ...outcome, status: 'accepted' as const, reasonCode: 'ACCEPTED_ON_REVIEW', decidedAt: '2026-04-01T10:00:00Z', reviewId: 'rv-1', reviewNote: 'photo matches' };
    const m = mapRecord('reading-outcome', JSON.stringify(reviewed));
    expect(m.kind === 'entry' && m.entry).toMatchObject({ entryId: 'reading:r-1:accepted', summary: expect.stringContaining('accepted on review'), details: { reviewed: true } });
    expect(m.kind === 'entry' && m.entry.staffNote).toMatch(/^Review rv-1: photo matches\. Correlation id corr-1/);
    expect(JSON.stringify(m.kind === 'entry' && m.entry.details)).not.toContain('photo matches');
  });

  it('a bill with its total in pounds and its lines; a correction says so', () => {
    const bill: BillIssuedV1 = {
      schema: BILL_ISSUED_SCHEMA, billId: 'b-1', accountId: 'A-1', kind: 'correction', correctsBillId: 'b-0', periodStart: '2026-01-01', periodEnd: '2026-03-31',
      netPence: '-1000', vatPence: '-50', totalPence: '-1050', estimated: false, issuedAt: '2026-04-01T09:00:00Z',
      lines: [{ lineNo: 1, kind: 'energy', description: 'Energy', periodFrom: '2026-01-01', periodTo: '2026-03-31', amountPence: '-1000', estimated: false }],
    };
    const m = mapRecord('bill', JSON.stringify(bill));
    expect(m.kind === 'entry' && m.entry).toMatchObject({ entryId: 'bill:b-1', kind: 'bill.corrected', summary: 'Correction for 2026-01-01 to 2026-03-31: -£10.50', staffNote: 'Corrects bill b-0' });
  });

  it('a survey answer keeps score and comment', () => {
    const m = mapRecord('survey', JSON.stringify({ schema: SURVEY_ANSWERED_SCHEMA, invitationId: 'i-1', accountId: 'A-1', readingId: 'r-1', score: 2, comment: 'slow', answeredAt: '2026-04-02T10:00:00Z' }));
    expect(m.kind === 'entry' && m.entry).toMatchObject({ entryId: 'survey:i-1:answered', kind: 'survey.answered', details: { score: 2, comment: 'slow' }, staffNote: null });
  });

  it('a registry account snapshot gives its MPANs and serials (highest revision wins later) and an entry; a tariff is not for the timeline', () => {
    const snapshot = {
      schema: ACCOUNT_SNAPSHOT_SCHEMA, revision: '42', accountId: 'A-1', category: 'D', categoryEffectiveFrom: '2020-01-01', domestic: true, vulnerable: false, vatRate: '0.05',
      supplyPoints: [{ supplyPointId: '1200000000001', fuel: 'electricity', supplyStart: '2020-01-01', meters: [{ meterSerial: 'S1', installedOn: '2020-01-01', removedOn: null, registers: [] }] }],
      agreements: [], change: 'account.created', changedAt: '2026-01-01T00:00:00Z',
    } satisfies AccountSnapshotV1;
    const m = mapRecord('registry', JSON.stringify(snapshot));
    expect(m).toMatchObject({ kind: 'identifiers', identifiers: { accountId: 'A-1', revision: 42n, supplyPointIds: ['1200000000001'], meterSerials: ['S1'] }, entry: { entryId: 'registry:A-1:42' } });
    expect(mapRecord('registry', JSON.stringify({ schema: 'registry.tariff.v1', tariffId: 't' }))).toEqual({ kind: 'skip', reason: 'not-for-timeline' });
  });

  it('malformed values are skipped, never thrown (a partition must not stall)', () => {
    for (const [topic, value] of [
      ['reading-outcome', 'not json'],
      ['reading-outcome', JSON.stringify({ ...outcome, accountId: 'has space' })],
      ['reading-outcome', JSON.stringify({ ...outcome, decidedAt: 'yesterday' })],
      ['bill', JSON.stringify({ schema: 'bill.issued.v1' })],
      ['survey', '[]'],
      ['registry', 'null'],
    ] as const) {
      expect(mapRecord(topic, value)).toEqual({ kind: 'skip', reason: 'malformed' });
    }
  });
});

describe('timeline cursor', () => {
  it('round-trips and refuses anything it did not write', () => {
    expect(decodeCursor(encodeCursor(1_700_000_000_000, 'bill:b-1'))).toEqual({ occurredAtMs: 1_700_000_000_000, entryId: 'bill:b-1' });
    for (const bad of ['', 'xyz', Buffer.from('1e300|bill:x').toString('base64url'), Buffer.from('12|drop table').toString('base64url')]) {
      expect(() => decodeCursor(bad)).toThrow(expect.objectContaining({ code: 'INVALID_CURSOR' }));
    }
  });

  it('a cursor after a flow entry of an account with a 128-character id is one the query takes', () => {
    const cursor = encodeCursor(1_700_000_000_000, `flow:0b5c0d6e-1f2a-5b3c-8d4e-5f6a7b8c9d0e:${'a'.repeat(128)}`);
    expect(timelineQuerySchema.safeParse({ cursor }).success).toBe(true);
    expect(decodeCursor(cursor).entryId).toContain('a'.repeat(128));
  });

  it('pages on past a flexibility or an industry flow entry (a page may end on one)', () => {
    for (const id of ['flex:dispatch:EV1:ACC-1', 'flow:0b5c0d6e-1f2a-5b3c-8d4e-5f6a7b8c9d0e:ACC-1']) {
      expect(decodeCursor(encodeCursor(1_700_000_000_000, id))).toEqual({ occurredAtMs: 1_700_000_000_000, entryId: id });
    }
  });
});

describe('industry flows on the timeline', () => {
  const flowId = '0b5c0d6e-1f2a-5b3c-8d4e-5f6a7b8c9d0e';
  const ingested: FlowAccountIngestedV1 = {
    schema: FLOW_ACCOUNT_INGESTED_SCHEMA,
    eventId: `${flowId}:A-1`,
    flowId,
    flowType: 'D0010',
    fileId: 'F000123',
    sender: { role: 'D', mpid: 'UDMS' },
    accountId: 'A-1',
    readings: 3,
    supplyPointIds: ['1200000000001'],
    receivedAt: '2026-03-31T07:00:00Z',
    processedAt: '2026-03-31T07:00:04Z',
  };

  it('a flow that carried readings for the account: file id, sender and count, linked to the flow, at its receipt; the same event twice is the same entry', () => {
    const m = mapRecord('industry-flow', JSON.stringify(ingested));
    expect(m.kind).toBe('entry');
    if (m.kind !== 'entry') return;
    expect(m.entry).toMatchObject({
      entryId: `flow:${flowId}:A-1`,
      accountId: 'A-1',
      kind: 'flow.ingested',
      family: 'flow',
      source: 'flow-intake',
      occurredAt: '2026-03-31T07:00:00.000Z',
      summary: 'Industry flow F000123 from D UDMS: 3 readings',
      link: { type: 'industry-flow', id: flowId, href: `/v1/industry/flows/${flowId}` },
      details: { fileId: 'F000123', sender: { role: 'D', mpid: 'UDMS' }, readings: 3 },
    });
    expect(mapRecord('industry-flow', Buffer.from(JSON.stringify(ingested)))).toEqual(m);
  });

  it('the page adds what read-sink decided about the flow\'s readings', () => {
    const m = mapRecord('industry-flow', JSON.stringify(ingested));
    if (m.kind !== 'entry') throw new Error('not an entry');
    const stored = { ...m.entry, occurredAtMs: Date.parse(m.entry.occurredAt) };
    expect(withFlowOutcomes(stored, { accepted: 1, held: 1, rejected: 0 })).toMatchObject({
      summary: 'Industry flow F000123 from D UDMS: 3 readings (1 accepted, 1 held for review, 0 rejected, 1 not decided yet)',
      details: { outcomes: { accepted: 1, held: 1, rejected: 0, undecided: 1 } },
    });
    expect(withFlowOutcomes(stored, { accepted: 2, held: 0, rejected: 1 }).summary).toBe('Industry flow F000123 from D UDMS: 3 readings (2 accepted, 0 held for review, 1 rejected)');
  });

  it('a reading from a flow says its channel and names its flow; a website reading says its channel and names none', () => {
    const fromFlow = mapRecord('reading-outcome', JSON.stringify({ ...outcome, channel: 'd0010', status: 'accepted', reasonCode: null, message: null, correlationId: `flow-${flowId}` }));
    expect(fromFlow.kind === 'entry' && fromFlow.entry).toMatchObject({ summary: 'Reading 1234 on meter S1 register 1 (D0010 flow) accepted', details: { channel: 'd0010', flowId } });
    const web = mapRecord('reading-outcome', JSON.stringify(outcome));
    expect(web.kind === 'entry' && web.entry.summary).toBe('Reading 1234 on meter S1 register 1 (website) rejected: NEGATIVE_ADVANCE');
    expect(web.kind === 'entry' && 'flowId' in web.entry.details).toBe(false);
  });

  it('a malformed flow event is skipped', () => {
    for (const bad of ['nope', JSON.stringify({ ...ingested, readings: 0 }), JSON.stringify({ ...ingested, accountId: 'has space' }), JSON.stringify({ ...ingested, schema: 'x' })]) {
      expect(mapRecord('industry-flow', bad)).toEqual({ kind: 'skip', reason: 'malformed' });
    }
  });
});

describe('flexibility facts on the timeline', () => {
  const at = '2022-04-12T17:45:00.000Z';
  const dispatch = {
    schema: 'flex.dispatch.v1',
    dispatchId: 'EV1:ACC-1',
    eventId: 'EV1',
    programmeId: 'P1',
    accountId: 'ACC-1',
    windowStart: '2022-04-12T17:00:00.000Z',
    windowEnd: '2022-04-12T18:00:00.000Z',
    decidedAt: at,
    devices: [
      { deviceId: 'd1', kind: 'dryer', action: 'dispatch', reason: 'allowed', preferenceVersion: 1, window: null, resumeAt: '2022-04-12T17:45:00.000Z', explanation: 'Dryer paused' },
      { deviceId: 'd2', kind: 'stove', action: 'protect', reason: 'preference', preferenceVersion: 2, window: { mode: 'protect', from: '17:00', to: '20:00' }, resumeAt: null, explanation: 'Dinner uninterrupted' },
    ],
  };

  it('shows which devices fired and which were protected, with the preference that protected them', () => {
    const r = mapRecord('flexibility', JSON.stringify(dispatch));
    expect(r.kind).toBe('entry');
    if (r.kind !== 'entry') return;
    expect(r.entry).toMatchObject({ entryId: 'flex:dispatch:EV1:ACC-1', kind: 'flexibility.dispatched', family: 'flexibility', source: 'flexibility', accountId: 'ACC-1' });
    expect(r.entry.summary).toContain('dispatched dryer');
    expect(r.entry.summary).toContain('protected stove');
    expect((r.entry.details.devices as { preferenceVersion: number }[])[1]!.preferenceVersion).toBe(2);
  });

  it('keeps the words the member was told and what she earned, once per event however often it is redelivered', () => {
    const told = mapRecord(
      'flexibility',
      JSON.stringify({ schema: 'flex.notification.v1', notificationId: 'EV1:ACC-1:start', eventId: 'EV1', accountId: 'ACC-1', moment: 'start', text: 'Battery dispatching now. Dryer paused; will resume at 6:45. Dinner uninterrupted.', sentAt: at }),
    );
    expect(told.kind === 'entry' && told.entry.summary).toContain('Dinner uninterrupted.');
    const earned = {
      schema: 'flex.earned-value.v1',
      creditId: 'EV1:ACC-1',
      eventId: 'EV1',
      programmeId: 'P1',
      programmeName: 'Evening peak',
      accountId: 'ACC-1',
      category: 'C',
      windowStart: dispatch.windowStart,
      windowEnd: dispatch.windowEnd,
      baselineKwh: '6.0',
      actualKwh: '1.8',
      deliveredKwh: '4.2',
      pricePencePerKwh: '57.14',
      earnedPence: '240',
      source: 'device-report',
      settledAt: '2022-04-12T19:00:00.000Z',
    };
    const first = mapRecord('flexibility', JSON.stringify(earned));
    const again = mapRecord('flexibility', Buffer.from(JSON.stringify(earned)));
    expect(first).toEqual(again);
    expect(first.kind === 'entry' && first.entry.summary).toBe('Contributed 4.2 kWh in Evening peak: earned £2.40, credited on the next bill');
    expect(first.kind === 'entry' && first.entry.entryId).toBe('flex:earned:EV1:ACC-1');
  });

  it('skips a record that is none of the four facts', () => {
    expect(mapRecord('flexibility', JSON.stringify({ schema: 'flex.unknown.v1', accountId: 'ACC-1' }))).toEqual({ kind: 'skip', reason: 'malformed' });
    expect(mapRecord('flexibility', 'not json')).toEqual({ kind: 'skip', reason: 'malformed' });
  });
});
