/**
 * One thing that happened to an account, as the timeline shows it. Built only from the event that
 * reported it (never from the clock or from other rows), so projecting the same events again, in any
 * batching and after any number of redeliveries, gives the same entries: that is what makes the read
 * model rebuildable from the topics.
 */
export const TIMELINE_FAMILIES = ['reading', 'bill', 'survey', 'registry', 'flexibility', 'flow'] as const;
export type TimelineFamily = (typeof TIMELINE_FAMILIES)[number];

export type TimelineKind =
  | 'reading.accepted'
  | 'reading.rejected'
  | 'reading.held'
  | 'bill.issued'
  | 'bill.corrected'
  | 'survey.invited'
  | 'survey.answered'
  | 'registry.changed'
  | 'flexibility.enrolled'
  | 'flexibility.dispatched'
  | 'flexibility.notified'
  | 'flexibility.earned'
  | 'flow.ingested';

export type TimelineSource = 'read-sink' | 'billing' | 'csat' | 'registry' | 'flexibility' | 'flow-intake';

export interface TimelineLink {
  /** What the entry is about; the page opens it from the entry's details. */
  readonly type: 'reading' | 'bill' | 'survey' | 'account' | 'flex-event' | 'industry-flow';
  readonly id: string;
  /** Where the owning service serves the thing itself (relative to that service's API). */
  readonly href: string;
}

export interface TimelineEntry {
  /** Derived from the source event's identity (never random): a redelivered event names the same entry. */
  readonly entryId: string;
  readonly accountId: string;
  readonly kind: TimelineKind;
  readonly family: TimelineFamily;
  /** When it happened in the owning service (the event's own instant), ISO 8601 UTC. */
  readonly occurredAt: string;
  readonly source: TimelineSource;
  /** One line a person reads. */
  readonly summary: string;
  readonly link: TimelineLink;
  /** What the customer may see too: outcome and reason, bill lines and totals, score and comment. */
  readonly details: Readonly<Record<string, unknown>>;
  /** For staff only (never shown to the customer): correlation ids, review notes, registry change names. */
  readonly staffNote: string | null;
}

/** The identifiers by which customer service finds an account (from registry.v1): its MPANs / MPRNs and meter serials. */
export interface AccountIdentifiers {
  readonly accountId: string;
  /** The snapshot's revision: the highest wins, so a redelivered or older snapshot changes nothing. */
  readonly revision: bigint;
  readonly supplyPointIds: readonly string[];
  readonly meterSerials: readonly string[];
}
