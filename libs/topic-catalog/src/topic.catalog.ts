import type { TopicSpec } from '@surge/kafka/topic.model';
import { BILLING_TOPICS } from '@surge/billing-contracts/billing.topics';
import { FLEXIBILITY_TOPICS } from '@surge/flexibility-contracts/flexibility.topics';
import { FLOW_TOPICS } from '@surge/flow-contracts/flow.topics';
import { READING_TOPICS } from '@surge/reading-contracts/reading.topics';
import { REGISTRY_TOPICS } from '@surge/registry-contracts/registry.topics';
import { SURVEY_TOPICS } from '@surge/survey-contracts/survey.topics';

/**
 * Every topic of the backbone, gathered from the contracts that own them (each feature names and versions its
 * own topics; libs/kafka knows none). Apps create them all at start-up (ENSURE_TOPICS), so any service can
 * start first.
 */
export const TOPICS = { ...READING_TOPICS, ...REGISTRY_TOPICS, ...BILLING_TOPICS, ...SURVEY_TOPICS, ...FLEXIBILITY_TOPICS, ...FLOW_TOPICS } as const satisfies Record<string, TopicSpec>;

export type TopicCatalog = { readonly [K in keyof typeof TOPICS]: TopicSpec };

/**
 * The catalog with every name prefixed, so an environment (or a test run)
 * gets its own topics on a shared cluster. The empty prefix is production.
 */
export function resolveTopics(prefix: string): TopicCatalog {
  return Object.fromEntries(Object.entries(TOPICS).map(([k, spec]) => [k, { ...spec, name: `${prefix}${spec.name}` }])) as unknown as TopicCatalog;
}
