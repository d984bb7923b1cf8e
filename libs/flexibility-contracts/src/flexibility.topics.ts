/**
 * The flexibility feature's facts on the backbone, all keyed by account id (so one member's facts are in
 * order on one partition, and the account timeline reads them by account). Published from the
 * flexibility outbox (libs/flexibility/src/flexibility-outbox.relay.ts): at least once, in commit order;
 * every record carries a stable id that consumers deduplicate on. Retained 30 days: consumers that need
 * longer (billing's credits, the timeline) keep their own copy.
 */
const RETAINED = { 'cleanup.policy': 'delete', 'retention.ms': String(30 * 24 * 3600 * 1000), 'min.insync.replicas': '1' } as const;

export const FLEXIBILITY_TOPICS = {
  /** One record per member per event: every device's decision (dispatched and protected, with why). */
  flexDispatch: { name: 'flex.dispatch.v1', partitions: 6, config: RETAINED },
  /** Messages sent to members (event start, event end), with their exact words. */
  flexNotifications: { name: 'flex.notifications.v1', partitions: 6, config: RETAINED },
  /** A member's settled earned value for one event; billing turns it into a bill credit line. */
  flexEarnedValue: { name: 'flex.earned-value.v1', partitions: 6, config: RETAINED },
  /** Membership facts: enrolment, and the category change a D customer's enrolment asks for. */
  flexMembership: { name: 'flex.membership.v1', partitions: 6, config: RETAINED },
} as const;
