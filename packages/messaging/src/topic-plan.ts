import { topics as eventTopics } from '@crp/contracts/registry';
import { deadLetterTopic } from './bus';

/** One topic as a deployment creates it (infra/k8s/kafka-topics, docs/operations.md). */
export interface TopicSpec {
  topic: string;
  partitions: number;
  retentionMs: number;
}

const DAY = 86_400_000;

/**
 * Every topic of the contracts and its dead-letter topic. Partitions from docs/scaling.md:
 * OrderImported carries every order, keyed by account (96: room for 96 consumer instances), the
 * others 48. Events are kept 7 days (a consumer down longer than that must be rebuilt from the
 * owners' databases); dead letters 30 days, for people to inspect and replay them. `partitions`
 * overrides the event topics' count (small clusters, docker-compose); DLTs keep at most 3.
 */
export function topicPlan(opts: { partitions?: number } = {}): TopicSpec[] {
  return eventTopics.flatMap((topic) => {
    const partitions = opts.partitions ?? (topic === 'OrderImported' ? 96 : 48);
    return [
      { topic, partitions, retentionMs: 7 * DAY },
      { topic: deadLetterTopic(topic), partitions: Math.min(partitions, 3), retentionMs: 30 * DAY },
    ];
  });
}
