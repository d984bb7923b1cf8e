/** One industry flow as stored (industry_flows): what it is, where it is in processing, what came of it. */
export interface StoredFlow {
  readonly flowId: string;
  /** principalKey of who sent it (the API key's, or the inbox's configured collector): only they see it. */
  readonly owner: string;
  readonly flowType: string;
  readonly senderRole: string;
  readonly senderMpid: string;
  readonly fileId: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly lines: number;
  readonly records: number;
  readonly groups: number;
  readonly receivedVia: 'api' | 'inbox';
  readonly fileName: string | null;
  readonly state: FlowState;
  readonly receivedAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly attempts: number;
  /** Every reading or rejected group up to this line is published and counted. */
  readonly checkpointLine: number;
  readonly readings: number;
  readonly readingsPublished: number;
  readonly readingsRejected: number;
  readonly groupsRejected: number;
  readonly estimated: number;
  readonly heldForReview: number;
  /** Readings waiting for the registry to know their register (industry_flow_held, not yet released). */
  readonly heldUnmatched: number;
  /** Held readings published since, once the registry knew their register (counted in readingsPublished too). */
  readonly released: number;
  readonly lastError: string | null;
}

/** stored: durable, waiting; processing: a processor holds it (or held it and crashed: its lease runs out); done; failed (needs a person). */
export type FlowState = 'stored' | 'processing' | 'done' | 'failed';

/** One line of the rejection report: a reading (or a whole 026 group) not published, and why. */
export interface FlowRejection {
  readonly line: number;
  readonly mpan: string;
  readonly meterId: string;
  readonly registerId: string;
  readonly reasonCode: string;
  readonly message: string;
  /** Readings this rejection stands for: 1 for a reading, the group's 030s for a rejected group. */
  readonly readings: number;
}

/** A published reading of a flow and what the sink decided (status null while undecided). */
export interface FlowReadingOutcome {
  readonly line: number;
  readonly readingId: string;
  readonly supplyPointId: string;
  readonly status: 'accepted' | 'rejected' | 'held' | null;
  readonly reasonCode: string;
  readonly duplicateOf: string;
}

/** The sink's decision about one reading, as its outcome event says. */
export interface ReadingDecision {
  readonly readingId: string;
  /** The flow the reading is of (from the outcome's correlation id, flow-<flowId>). */
  readonly flowId: string;
  readonly status: 'accepted' | 'rejected' | 'held';
  readonly reasonCode: string;
  readonly duplicateOf: string;
  readonly decidedAt: string;
}
