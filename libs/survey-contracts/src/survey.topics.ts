/**
 * CSAT's topics. `csat.surveys.v1` (./survey-event.event.ts): survey invitations and answers, key = account id.
 * Kept without an age limit (retention.ms -1): the account timeline is rebuilt from the topics.
 */
export const SURVEY_TOPICS = {
  surveys: { name: 'csat.surveys.v1', partitions: 6, config: { 'retention.ms': '-1', 'min.insync.replicas': '1' } },
} as const;
