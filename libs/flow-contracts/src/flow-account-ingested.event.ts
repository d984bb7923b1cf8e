import { z } from 'zod';

/**
 * `industry-flow.account-ingested.v1` on `industry-flows.v1`: an industry flow (a D0010 file) was processed and
 * carried readings for this account. One event per (flow, account), not one per flow with its accounts: a
 * 100k-line flow touches up to 100k accounts, far past one Kafka record, and every consumer so far (the account
 * timeline) reads by account, so the key is the account id like every other fact it reads.
 *
 * Published by flow-intake after the flow's last batch is published and checkpointed and before the flow is
 * marked done, acks=all (after-durable publish, no dual write: the counts are read back from PostgreSQL, where the
 * checkpoints put them exactly once). A crash or a Kafka outage between the publish and `done` leaves the flow
 * processing; whoever takes it next publishes the same events again. So: at least once; consumers deduplicate on
 * `eventId` (`<flowId>:<accountId>`). The counts are intake's (readings sent to validation for this account);
 * what read-sink decided about each reading is on the outcome topics (the reading's correlation id is
 * `flow-<flowId>`). Versioned by `schema`; additive changes only.
 */
export const FLOW_ACCOUNT_INGESTED_SCHEMA = 'industry-flow.account-ingested.v1';

export const flowAccountIngestedV1 = z.object({
  schema: z.literal(FLOW_ACCOUNT_INGESTED_SCHEMA),
  /** `<flowId>:<accountId>`: the same on every republish. */
  eventId: z.string().min(1).max(300),
  flowId: z.string().uuid(),
  /** The industry flow type, e.g. D0010. */
  flowType: z.string().min(1).max(16),
  /** The sender's own file id (ZHV). */
  fileId: z.string().min(1).max(64),
  sender: z.object({ role: z.string().min(1).max(8), mpid: z.string().min(1).max(16) }),
  accountId: z.string().min(1).max(128),
  /** Readings of this flow published for this account (to read-sink, which decides each). */
  readings: z.number().int().min(1),
  /** The account's supply points the flow named. */
  supplyPointIds: z.array(z.string().min(1).max(32)).max(1000),
  /** When flow-intake took the file (the readings' submittedAt). */
  receivedAt: z.string().datetime({ offset: true }),
  /** When this announcement was made, after the flow's last reading was published (a republish after a crash says a later instant; consumers keep the first copy they stored). */
  processedAt: z.string().datetime({ offset: true }),
});
export type FlowAccountIngestedV1 = z.infer<typeof flowAccountIngestedV1>;

export const flowAccountEventId = (flowId: string, accountId: string): string => `${flowId}:${accountId}`;

export const encodeFlowAccountIngested = (e: FlowAccountIngestedV1): string => JSON.stringify(e);

/** Parses a record's value; null when it is not this event (a consumer skips it and says so). */
export function decodeFlowAccountIngested(value: Buffer | string): FlowAccountIngestedV1 | null {
  try {
    const r = flowAccountIngestedV1.safeParse(JSON.parse(typeof value === 'string' ? value : value.toString('utf8')));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}
