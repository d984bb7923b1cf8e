import type { ConsumedRecord } from '@surge/kafka/kafka-record';
import type { ReadingOutcomeV1 } from '@surge/reading-contracts/reading-outcome.event';
import type { ReadingDecision } from './flow.model';
import type { FlowRepository } from './flow.repository';

/** Correlation ids of flow readings (flow-reading.mapper): only these outcomes are kept here. */
const FLOW_CORRELATION = /^flow-[0-9a-f-]{36}$/;

/**
 * Keeps what the sink decided about each flow reading, from reading.accepted.v1 and reading.rejected.v1, so a
 * flow's status can say accepted / held / rejected by reason and list outcomes by line. Handler of a
 * BatchConsumer (at least once, offsets committed after this resolves): idempotent, the first decision kept.
 * Others' outcomes (customers') are skipped; an undecodable record is skipped too (it is not ours to judge).
 */
export class FlowOutcomeRecorder {
  constructor(private readonly flows: FlowRepository) {}

  async handle(batch: readonly ConsumedRecord[]): Promise<void> {
    const decisions: ReadingDecision[] = [];
    for (const record of batch) {
      const correlation = record.headers['correlation-id'] ?? '';
      if (!FLOW_CORRELATION.test(correlation)) continue;
      let outcome: ReadingOutcomeV1;
      try {
        outcome = JSON.parse(record.value.toString('utf8')) as ReadingOutcomeV1;
      } catch {
        continue;
      }
      if (outcome?.schema !== 'reading.outcome.v1' || !['accepted', 'rejected', 'held'].includes(outcome.status)) continue;
      decisions.push({ readingId: outcome.readingId, flowId: correlation.slice('flow-'.length), status: outcome.status, reasonCode: outcome.reasonCode ?? '', duplicateOf: outcome.duplicateOf ?? '', decidedAt: outcome.decidedAt });
    }
    await this.flows.recordDecisions(decisions);
  }
}
