import { hasScope, principalKey, type Principal } from '@surge/auth/principal.model';
import { forbidden, notFound } from '@surge/errors/app.error';
import type { StoredFlow } from './flow.model';
import { flowReadingId } from './flow-id';
import { UNMATCHED_SUPPLY_POINT } from './flow-reading.mapper';
import type { FlowRepository } from './flow.repository';
import { REJECTIONS_CSV_HEADER, csvField, rejectionCsvRow } from './flow-rejections.csv';

export interface FlowStatusView {
  readonly flowId: string;
  readonly flowType: string;
  readonly fileId: string;
  readonly sender: { readonly role: string; readonly mpid: string };
  readonly state: StoredFlow['state'];
  readonly receivedAt: string;
  readonly receivedVia: StoredFlow['receivedVia'];
  readonly fileName: string | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly counts: {
    readonly lines: number;
    readonly records: number;
    readonly groups: number;
    /** 030 register readings handled so far (published + rejected). */
    readonly readings: number;
    readonly readingsPublished: number;
    readonly readingsRejected: number;
    readonly groupsRejected: number;
    readonly estimated: number;
    readonly heldForReview: number;
    /** Held because the registry does not know their supply point, meter or register yet (published once it does). */
    readonly heldUnmatched: number;
    /** Held readings since published (counted in readingsPublished too). */
    readonly released: number;
    readonly rejectedByReason: Readonly<Record<string, number>>;
  };
  /**
   * What read-sink decided about the published readings (from its outcome events, seconds behind):
   * accepted (duplicates of a reading already stored counted apart), held and rejected by reason, undecided.
   */
  readonly outcomes: {
    readonly accepted: number;
    readonly duplicates: number;
    readonly held: number;
    readonly rejected: number;
    readonly undecided: number;
    readonly heldByReason: Readonly<Record<string, number>>;
    readonly rejectedByReason: Readonly<Record<string, number>>;
  };
  readonly lastError: string | null;
  readonly links: { readonly self: string; readonly rejections: string; readonly readings: string };
}

export const flowStatusPath = (flowId: string): string => `/v1/industry/flows/${flowId}`;

/**
 * What a collector may see of its flows: object-level authorization (another collector's flow, or an id
 * that is not a flow, is the same 404), then the counts and the rejection report.
 */
export class FlowStatusService {
  constructor(private readonly flows: FlowRepository) {}

  async status(principal: Principal, flowId: string): Promise<FlowStatusView> {
    const flow = await this.authorized(principal, flowId);
    const [rejected, decided] = await Promise.all([this.flows.rejectionsByReason(flow.flowId), this.flows.outcomeCounts(flow.flowId)]);
    // Published and not (yet) decided by the sink. An outcome can arrive before its batch's checkpoint (the
    // sink is quick): never below zero.
    const known = decided.filter((c) => !(c.status === 'held' && c.reasonCode === UNMATCHED_SUPPLY_POINT)).reduce((n, c) => n + c.n, 0);
    const undecided = Math.max(0, flow.readingsPublished - known);
    return toView(flow, rejected, [...decided, ...(undecided > 0 ? [{ status: null, reasonCode: '', duplicate: false, n: undecided }] : [])]);
  }

  /**
   * The rejection report as CSV, streamed a page at a time (a 100k-line flow's report is never held whole).
   * Authorized before it resolves, so a refusal is a proper 4xx and never half a CSV.
   */
  async rejectionsCsv(principal: Principal, flowId: string): Promise<AsyncIterable<string>> {
    const flow = await this.authorized(principal, flowId);
    const flows = this.flows;
    return (async function* () {
      yield REJECTIONS_CSV_HEADER;
      for (let after = 0; ; ) {
        const page = await flows.rejections(flow.flowId, after, 1000);
        if (page.length === 0) return;
        yield page.map(rejectionCsvRow).join('');
        after = page[page.length - 1]!.line;
      }
    })();
  }

  /**
   * Every reading of the flow with its line and the sink's decision, as CSV, streamed a batch at a time:
   * in the order they were published (file order; released ones after), then those still held for want of
   * a registry match (`held`, UNMATCHED_SUPPLY_POINT: not on the topic yet).
   */
  async readingsCsv(principal: Principal, flowId: string): Promise<AsyncIterable<string>> {
    const flow = await this.authorized(principal, flowId);
    const flows = this.flows;
    const row = (line: number, readingId: string, mpan: string, status: string, reasonCode: string, duplicateOf: string) =>
      `${[line, readingId, mpan, status, reasonCode, duplicateOf].map(csvField).join(',')}\r\n`;
    return (async function* () {
      yield 'line,reading_id,mpan,status,reason_code,duplicate_of\r\n';
      for (let after = '0'; ; ) {
        const batch = await flows.publishedBatch(flow.flowId, after);
        if (!batch) break;
        const ids = batch.lines.map((line) => flowReadingId(flow.flowId, line));
        const decided = await flows.decisionsOf(ids);
        yield batch.lines
          .map((line, i) => {
            const d = decided.get(ids[i]!);
            return row(line, ids[i]!, batch.supplyPoints[i]!, d?.status ?? 'undecided', d?.reasonCode ?? '', d?.duplicateOf ?? '');
          })
          .join('');
        after = batch.id;
      }
      for (let after = 0; ; ) {
        const page = await flows.heldReadings(flow.flowId, after, 1000);
        if (page.length === 0) return;
        yield page.map((h) => row(h.line, h.readingId, h.supplyPointId, 'held', h.reasonCode, '')).join('');
        after = page[page.length - 1]!.line;
      }
    })();
  }

  async authorized(principal: Principal, flowId: string): Promise<StoredFlow> {
    if (!hasScope(principal, 'flows:submit') && !hasScope(principal, 'flows:read')) {
      throw forbidden('INSUFFICIENT_SCOPE', 'These credentials may not see industry flows (scope flows:submit for a collector\u2019s own, flows:read for all).');
    }
    const flow = UUID.test(flowId) ? await this.flows.find(flowId.toLowerCase()) : null;
    if (!flow || (!hasScope(principal, 'flows:read') && flow.owner !== principalKey(principal))) {
      throw notFound('FLOW_NOT_FOUND', `No industry flow ${flowId} of yours; use the flow id the intake answered with.`);
    }
    return flow;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type OutcomeCount = { status: string | null; reasonCode: string; duplicate: boolean; n: number };

export function toView(flow: StoredFlow, rejectedByReason: Readonly<Record<string, number>> = {}, outcomeCounts: readonly OutcomeCount[] = []): FlowStatusView {
  const outcomes = { accepted: 0, duplicates: 0, held: 0, rejected: 0, undecided: 0, heldByReason: {} as Record<string, number>, rejectedByReason: {} as Record<string, number> };
  for (const c of outcomeCounts) {
    if (c.status === null) outcomes.undecided += c.n;
    else if (c.status === 'accepted') outcomes[c.duplicate ? 'duplicates' : 'accepted'] += c.n;
    else {
      outcomes[c.status === 'held' ? 'held' : 'rejected'] += c.n;
      const byReason = c.status === 'held' ? outcomes.heldByReason : outcomes.rejectedByReason;
      byReason[c.reasonCode] = (byReason[c.reasonCode] ?? 0) + c.n;
    }
  }
  return {
    flowId: flow.flowId,
    flowType: flow.flowType,
    fileId: flow.fileId,
    sender: { role: flow.senderRole, mpid: flow.senderMpid },
    state: flow.state,
    receivedAt: flow.receivedAt,
    receivedVia: flow.receivedVia,
    fileName: flow.fileName,
    startedAt: flow.startedAt,
    finishedAt: flow.finishedAt,
    counts: {
      lines: flow.lines,
      records: flow.records,
      groups: flow.groups,
      readings: flow.readings,
      readingsPublished: flow.readingsPublished,
      readingsRejected: flow.readingsRejected,
      groupsRejected: flow.groupsRejected,
      estimated: flow.estimated,
      heldForReview: flow.heldForReview,
      heldUnmatched: flow.heldUnmatched,
      released: flow.released,
      rejectedByReason,
    },
    outcomes,
    lastError: flow.lastError,
    links: { self: flowStatusPath(flow.flowId), rejections: `${flowStatusPath(flow.flowId)}/rejections.csv`, readings: `${flowStatusPath(flow.flowId)}/readings.csv` },
  };
}
