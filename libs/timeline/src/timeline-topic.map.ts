import type { TopicSpec } from '@surge/kafka/topic.model';
import type { TopicCatalog } from '@surge/topic-catalog/topic.catalog';
import type { TimelineTopicKind } from './timeline-entry.mapper';

/** The topics the timeline consumes (its own group; it never produces), each with the contract it carries. */
export function timelineTopics(topics: TopicCatalog): readonly TopicSpec[] {
  return [
    topics.readingAccepted,
    topics.readingRejected,
    topics.bills,
    topics.surveys,
    topics.registry,
    topics.flexDispatch,
    topics.flexNotifications,
    topics.flexEarnedValue,
    topics.flexMembership,
    topics.industryFlows,
  ];
}

export function timelineTopicMap(topics: TopicCatalog): ReadonlyMap<string, TimelineTopicKind> {
  return new Map<string, TimelineTopicKind>([
    [topics.readingAccepted.name, 'reading-outcome'],
    [topics.readingRejected.name, 'reading-outcome'],
    [topics.bills.name, 'bill'],
    [topics.surveys.name, 'survey'],
    [topics.registry.name, 'registry'],
    [topics.flexDispatch.name, 'flexibility'],
    [topics.flexNotifications.name, 'flexibility'],
    [topics.flexEarnedValue.name, 'flexibility'],
    [topics.flexMembership.name, 'flexibility'],
    [topics.industryFlows.name, 'industry-flow'],
  ]);
}
