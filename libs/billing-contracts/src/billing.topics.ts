/**
 * Billing's topics. `billing.bills.v1` (./bill-issued.event.ts): every bill issued or corrected, key = account
 * id. Kept without an age limit (retention.ms -1, a few hundred bytes a bill): the account timeline is rebuilt
 * from the topics, and a bill must still be on them years later.
 */
export const BILLING_TOPICS = {
  bills: { name: 'billing.bills.v1', partitions: 6, config: { 'retention.ms': '-1', 'min.insync.replicas': '1' } },
} as const;
