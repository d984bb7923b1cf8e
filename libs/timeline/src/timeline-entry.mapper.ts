import { decodeBillIssued, type BillIssuedV1 } from '@surge/billing-contracts/bill-issued.event';
import { decodeFlowAccountIngested, type FlowAccountIngestedV1 } from '@surge/flow-contracts/flow-account-ingested.event';
import type { ReadingOutcomeV1 } from '@surge/reading-contracts/reading-outcome.event';
import { ACCOUNT_SNAPSHOT_SCHEMA, type AccountSnapshotV1 } from '@surge/registry-contracts/registry-change.event';
import { decodeSurveyEvent, SURVEY_ANSWERED_SCHEMA, type SurveyEventV1 } from '@surge/survey-contracts/survey-event.event';
import {
  DISPATCH_SCHEMA,
  EARNED_VALUE_SCHEMA,
  MEMBERSHIP_SCHEMA,
  NOTIFICATION_SCHEMA,
  dispatchRecordV1,
  earnedValueV1,
  membershipV1,
  notificationV1,
  type DispatchRecordV1,
  type EarnedValueV1,
  type MembershipV1,
  type NotificationV1,
} from '@surge/flexibility-contracts/flexibility.events';
import type { AccountIdentifiers, TimelineEntry } from './timeline-entry.model';

/** Which contract a topic carries (the app maps its resolved topic names onto these). */
export type TimelineTopicKind = 'reading-outcome' | 'bill' | 'survey' | 'registry' | 'flexibility' | 'industry-flow';

export type MappedRecord =
  | { readonly kind: 'entry'; readonly entry: TimelineEntry }
  | { readonly kind: 'identifiers'; readonly identifiers: AccountIdentifiers; readonly entry: TimelineEntry | null }
  | { readonly kind: 'skip'; readonly reason: 'malformed' | 'not-for-timeline' };

const pounds = (pence: string): string => {
  const n = BigInt(pence);
  const sign = n < 0n ? '-' : '';
  const abs = n < 0n ? -n : n;
  return `${sign}£${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
};

const iso = (s: string): string => new Date(Date.parse(s)).toISOString();

const ACCOUNT_ID = /^[A-Za-z0-9._~-]{1,128}$/;

/**
 * Pure: one record's value to what the timeline stores. Malformed values are skipped (the projector counts
 * and logs them) rather than thrown, so one bad record never stalls a partition.
 */
export function mapRecord(topic: TimelineTopicKind, value: Buffer | string): MappedRecord {
  switch (topic) {
    case 'reading-outcome': {
      const e = parseJson<ReadingOutcomeV1>(value);
      if (!e || e.schema !== 'reading.outcome.v1' || !str(e.readingId) || !okAccount(e.accountId) || !okInstant(e.decidedAt)) return { kind: 'skip', reason: 'malformed' };
      if (!['accepted', 'rejected', 'held'].includes(e.status)) return { kind: 'skip', reason: 'malformed' };
      return { kind: 'entry', entry: fromReadingOutcome(e) };
    }
    case 'bill': {
      const e = decodeBillIssued(value);
      if (!e || !okAccount(e.accountId)) return { kind: 'skip', reason: 'malformed' };
      return { kind: 'entry', entry: fromBill(e) };
    }
    case 'survey': {
      const e = decodeSurveyEvent(value);
      if (!e || !okAccount(e.accountId)) return { kind: 'skip', reason: 'malformed' };
      return { kind: 'entry', entry: fromSurvey(e) };
    }
    case 'registry': {
      const e = parseJson<AccountSnapshotV1 | { schema: string }>(value);
      if (!e || typeof e.schema !== 'string') return { kind: 'skip', reason: 'malformed' };
      if (e.schema !== ACCOUNT_SNAPSHOT_SCHEMA) return { kind: 'skip', reason: 'not-for-timeline' }; // tariffs belong to no account
      const a = e as AccountSnapshotV1;
      if (!okAccount(a.accountId) || !/^\d{1,19}$/.test(String(a.revision)) || !Array.isArray(a.supplyPoints)) return { kind: 'skip', reason: 'malformed' };
      return { kind: 'identifiers', identifiers: identifiersOf(a), entry: okInstant(a.changedAt) ? fromRegistry(a) : null };
    }
    case 'flexibility': {
      const e = parseJson<{ schema?: unknown }>(value);
      const entry = e ? fromFlexibility(e) : null;
      if (!entry || !okAccount(entry.accountId) || !okInstant(entry.occurredAt)) return { kind: 'skip', reason: 'malformed' };
      return { kind: 'entry', entry };
    }
    case 'industry-flow': {
      const e = decodeFlowAccountIngested(value);
      if (!e || !okAccount(e.accountId)) return { kind: 'skip', reason: 'malformed' };
      return { kind: 'entry', entry: fromFlowAccountIngested(e) };
    }
  }
}

/**
 * An industry flow that carried readings for the account. Its instant is the flow's receipt (when the sender's
 * readings reached us, the same on every republish), so on the timeline it comes before the decisions about its
 * readings. The summary gives what intake knows; what read-sink decided about those readings (accepted, held,
 * rejected) is counted from the account's own reading entries when a page is read (TimelineQueryService), so it
 * is current after a review and the same after a rebuild.
 */
export function fromFlowAccountIngested(e: FlowAccountIngestedV1): TimelineEntry {
  const sender = `${e.sender.role} ${e.sender.mpid}`;
  return {
    entryId: `flow:${e.flowId}:${e.accountId}`,
    accountId: e.accountId,
    kind: 'flow.ingested',
    family: 'flow',
    occurredAt: iso(e.receivedAt),
    source: 'flow-intake',
    summary: `Industry flow ${e.fileId} from ${sender}: ${e.readings} reading${e.readings === 1 ? '' : 's'}`,
    link: { type: 'industry-flow', id: e.flowId, href: `/v1/industry/flows/${e.flowId}` },
    details: { flowId: e.flowId, flowType: e.flowType, fileId: e.fileId, sender: e.sender, readings: e.readings, supplyPointIds: e.supplyPointIds, processedAt: e.processedAt },
    staffNote: `Flow ${e.flowId}: the flow's status and per-line outcomes are at GET /v1/industry/flows/${e.flowId} (flow-intake, flows:read)`,
  };
}

/** One of the flexibility programme's four facts (libs/flexibility-contracts), by its schema; null when it is none. */
export function fromFlexibility(e: { schema?: unknown }): TimelineEntry | null {
  switch (e.schema) {
    case DISPATCH_SCHEMA: {
      const r = dispatchRecordV1.safeParse(e);
      return r.success ? fromDispatch(r.data) : null;
    }
    case NOTIFICATION_SCHEMA: {
      const r = notificationV1.safeParse(e);
      return r.success ? fromNotification(r.data) : null;
    }
    case EARNED_VALUE_SCHEMA: {
      const r = earnedValueV1.safeParse(e);
      return r.success ? fromEarnedValue(r.data) : null;
    }
    case MEMBERSHIP_SCHEMA: {
      const r = membershipV1.safeParse(e);
      return r.success ? fromMembership(r.data) : null;
    }
    default:
      return null;
  }
}

const flexLink = (eventId: string) => ({ type: 'flex-event' as const, id: eventId, href: `/v1/flex/events/${eventId}` });

function fromDispatch(e: DispatchRecordV1): TimelineEntry {
  const fired = e.devices.filter((d) => d.action === 'dispatch').map((d) => d.kind);
  const protectedDevices = e.devices.filter((d) => d.action === 'protect');
  return {
    entryId: `flex:dispatch:${e.dispatchId}`,
    accountId: e.accountId,
    kind: 'flexibility.dispatched',
    family: 'flexibility',
    occurredAt: iso(e.decidedAt),
    source: 'flexibility',
    summary:
      `Flexibility event ${iso(e.windowStart)} to ${iso(e.windowEnd)}: ${fired.length > 0 ? `dispatched ${fired.join(', ')}` : 'nothing dispatched'}` +
      (protectedDevices.length > 0 ? `; protected ${protectedDevices.map((d) => d.kind).join(', ')}` : ''),
    link: flexLink(e.eventId),
    // Which devices fired and which were protected and why (the preference and its version): what a rep is asked.
    details: { eventId: e.eventId, programmeId: e.programmeId, windowStart: e.windowStart, windowEnd: e.windowEnd, devices: e.devices },
    staffNote: null,
  };
}

function fromNotification(e: NotificationV1): TimelineEntry {
  return {
    entryId: `flex:notification:${e.notificationId}`,
    accountId: e.accountId,
    kind: 'flexibility.notified',
    family: 'flexibility',
    occurredAt: iso(e.sentAt),
    source: 'flexibility',
    summary: `Told at the ${e.moment} of the event: "${e.text}"`,
    link: flexLink(e.eventId),
    details: { eventId: e.eventId, moment: e.moment, text: e.text },
    staffNote: null,
  };
}

function fromEarnedValue(e: EarnedValueV1): TimelineEntry {
  return {
    entryId: `flex:earned:${e.creditId}`,
    accountId: e.accountId,
    kind: 'flexibility.earned',
    family: 'flexibility',
    occurredAt: iso(e.settledAt),
    source: 'flexibility',
    summary: `Contributed ${e.deliveredKwh} kWh in ${e.programmeName}: earned ${pounds(e.earnedPence)}, credited on the next bill`,
    link: flexLink(e.eventId),
    details: {
      eventId: e.eventId,
      creditId: e.creditId,
      baselineKwh: e.baselineKwh,
      actualKwh: e.actualKwh,
      deliveredKwh: e.deliveredKwh,
      pricePencePerKwh: e.pricePencePerKwh,
      earnedPence: e.earnedPence,
      source: e.source,
    },
    staffNote: `Usage from ${e.source}; baseline ${e.baselineKwh} kWh, actual ${e.actualKwh} kWh`,
  };
}

function fromMembership(e: MembershipV1): TimelineEntry {
  const moved = e.categoryFrom && e.categoryTo && e.categoryFrom !== e.categoryTo ? ` (category ${e.categoryFrom} to ${e.categoryTo})` : '';
  return {
    entryId: `flex:membership:${e.membershipEventId}`,
    accountId: e.accountId,
    kind: 'flexibility.enrolled',
    family: 'flexibility',
    occurredAt: iso(e.at),
    source: 'flexibility',
    summary: e.change === 'enrolled' ? `Enrolled in flexibility${moved}` : `Category change requested${moved}: ${e.reason}`,
    link: { type: 'account', id: e.accountId, href: `/v1/accounts/${e.accountId}` },
    details: { change: e.change, categoryFrom: e.categoryFrom, categoryTo: e.categoryTo, reason: e.reason },
    staffNote: null,
  };
}

export function fromReadingOutcome(e: ReadingOutcomeV1): TimelineEntry {
  const decided = e.status === 'accepted' ? 'accepted' : e.status === 'held' ? 'held for review' : 'rejected';
  const what = e.reviewId ? `${decided} on review` : decided;
  const reason = e.reasonCode ? `: ${e.reasonCode}` : '';
  const flowId = flowIdOf(e);
  return {
    // One entry per (reading, decision): a held reading later decided gets a second entry, a redelivery none.
    entryId: `reading:${e.readingId}:${e.status}`,
    accountId: e.accountId,
    kind: `reading.${e.status}`,
    family: 'reading',
    occurredAt: iso(e.decidedAt),
    source: 'read-sink',
    summary: `Reading ${e.value} on meter ${e.meterSerial} register ${e.registerId} (${channelName(e.channel)}) ${what}${reason}`,
    link: { type: 'reading', id: e.readingId, href: `/v1/meter-readings/${e.readingId}` },
    details: {
      readingId: e.readingId,
      status: e.status,
      reasonCode: e.reasonCode,
      message: e.message,
      value: e.value,
      readAt: e.readAt,
      supplyPointId: e.supplyPointId,
      meterSerial: e.meterSerial,
      registerId: e.registerId,
      channel: e.channel,
      ...(flowId ? { flowId } : {}),
      duplicateOf: e.duplicateOf,
      reviewed: e.reviewId !== undefined,
    },
    staffNote: readingStaffNote(e),
  };
}

const CHANNEL_NAMES: Readonly<Record<string, string>> = { web: 'website', app: 'app', collector: 'meter reading collector', d0010: 'D0010 flow' };
const channelName = (channel: string): string => CHANNEL_NAMES[channel] ?? channel;

/** flow-intake names its readings' correlation id `flow-<flowId>` (flow-reading.mapper): the flow a reading came in. */
const FLOW_CORRELATION = /^flow-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
function flowIdOf(e: ReadingOutcomeV1): string | null {
  if (e.channel !== 'd0010' || typeof e.correlationId !== 'string') return null;
  return FLOW_CORRELATION.exec(e.correlationId)?.[1] ?? null;
}

/** Staff only: the reviewer's note when a review decided the reading, and the correlation id to find the request in the logs. */
function readingStaffNote(e: ReadingOutcomeV1): string | null {
  const parts: string[] = [];
  if (e.reviewId) parts.push(`Review ${e.reviewId}${e.reviewNote ? `: ${e.reviewNote}` : ''}`);
  if (e.correlationId) parts.push(`Correlation id ${e.correlationId} (the submission's request in the logs)`);
  return parts.length > 0 ? parts.join('. ') : null;
}

export function fromBill(e: BillIssuedV1): TimelineEntry {
  const correction = e.kind === 'correction';
  return {
    entryId: `bill:${e.billId}`,
    accountId: e.accountId,
    kind: correction ? 'bill.corrected' : 'bill.issued',
    family: 'bill',
    occurredAt: iso(e.issuedAt),
    source: 'billing',
    summary: `${correction ? 'Correction' : 'Bill'} for ${e.periodStart} to ${e.periodEnd}: ${pounds(e.totalPence)}${e.estimated ? ' (estimated)' : ''}`,
    link: { type: 'bill', id: e.billId, href: `/v1/bills/${e.billId}` },
    details: {
      billId: e.billId,
      kind: e.kind,
      correctsBillId: e.correctsBillId,
      periodStart: e.periodStart,
      periodEnd: e.periodEnd,
      netPence: e.netPence,
      vatPence: e.vatPence,
      totalPence: e.totalPence,
      estimated: e.estimated,
      lines: e.lines.map((l) => ({ lineNo: l.lineNo, kind: l.kind, description: l.description, periodFrom: l.periodFrom, periodTo: l.periodTo, amountPence: l.amountPence, estimated: l.estimated })),
    },
    staffNote: correction && e.correctsBillId ? `Corrects bill ${e.correctsBillId}` : null,
  };
}

export function fromSurvey(e: SurveyEventV1): TimelineEntry {
  const link = { type: 'survey' as const, id: e.invitationId, href: `/v1/surveys/${e.invitationId}` };
  if (e.schema === SURVEY_ANSWERED_SCHEMA) {
    return {
      entryId: `survey:${e.invitationId}:answered`,
      accountId: e.accountId,
      kind: 'survey.answered',
      family: 'survey',
      occurredAt: iso(e.answeredAt),
      source: 'csat',
      summary: `Survey answered: ${e.score} of 5${e.comment ? ' with a comment' : ''}`,
      link,
      details: { invitationId: e.invitationId, readingId: e.readingId, score: e.score, comment: e.comment },
      staffNote: null,
    };
  }
  return {
    entryId: `survey:${e.invitationId}:invited`,
    accountId: e.accountId,
    kind: 'survey.invited',
    family: 'survey',
    occurredAt: iso(e.invitedAt),
    source: 'csat',
    summary: 'Invited to a satisfaction survey about a reading',
    link,
    details: { invitationId: e.invitationId, readingId: e.readingId, channel: e.channel, expiresAt: e.expiresAt },
    staffNote: null,
  };
}

export function fromRegistry(a: AccountSnapshotV1): TimelineEntry {
  return {
    // The revision is the registry outbox sequence: the same change redelivered names the same entry.
    entryId: `registry:${a.accountId}:${a.revision}`,
    accountId: a.accountId,
    kind: 'registry.changed',
    family: 'registry',
    occurredAt: iso(a.changedAt),
    source: 'registry',
    summary: `Account details changed (${a.change})`,
    link: { type: 'account', id: a.accountId, href: `/v1/accounts/${a.accountId}` },
    details: {
      category: a.category,
      supplyPoints: a.supplyPoints.map((s) => ({ supplyPointId: s.supplyPointId, fuel: s.fuel, meters: s.meters.filter((m) => !m.removedOn).map((m) => m.meterSerial) })),
      tariffs: [...new Set(a.agreements.filter((g) => g.validTo === null).map((g) => g.tariffId))],
    },
    staffNote: `Registry change ${a.change}, revision ${a.revision}`,
  };
}

export function identifiersOf(a: AccountSnapshotV1): AccountIdentifiers {
  return {
    accountId: a.accountId,
    revision: BigInt(a.revision),
    supplyPointIds: [...new Set(a.supplyPoints.map((s) => s.supplyPointId))],
    meterSerials: [...new Set(a.supplyPoints.flatMap((s) => s.meters.map((m) => m.meterSerial)))],
  };
}

function parseJson<T>(value: Buffer | string): T | null {
  try {
    const v = JSON.parse(typeof value === 'string' ? value : value.toString('utf8')) as unknown;
    return v && typeof v === 'object' ? (v as T) : null;
  } catch {
    return null;
  }
}

const str = (s: unknown): s is string => typeof s === 'string' && s.length > 0 && s.length <= 200;
const okAccount = (s: unknown): s is string => typeof s === 'string' && ACCOUNT_ID.test(s);
const okInstant = (s: unknown): s is string => typeof s === 'string' && !Number.isNaN(Date.parse(s));
