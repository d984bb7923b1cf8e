/**
 * flow-intake's topics. `industry-flows.v1` (./flow-account-ingested.event.ts): one record per account an
 * industry flow touched, key = account id (per-account order, like every fact the timeline reads). Kept without
 * an age limit (retention.ms -1): the account timeline is rebuilt from the topics, and a flow is a handful of
 * records per account, not the readings themselves (those are on meter-readings.v1).
 */
export const FLOW_TOPICS = {
  industryFlows: { name: 'industry-flows.v1', partitions: 6, config: { 'retention.ms': '-1', 'min.insync.replicas': '1' } },
} as const;
