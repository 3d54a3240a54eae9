/** MQTT topic-filter matching with aedes' own matcher (qlobber, aedes' options). */
import { createRequire } from 'node:module';

interface QlobberTrue {
  add(topic: string): void;
  remove(topic: string): void;
  test(topic: string): boolean;
}
type QlobberTrueCtor = new (options: Record<string, unknown>) => QlobberTrue;

// qlobber (a dependency of mqemitter and aedes-persistence) ships no type declarations.
const { QlobberTrue: Ctor } = createRequire(import.meta.url)('qlobber') as { QlobberTrue: QlobberTrueCtor };

/** A mutable set of topic filters; `test` says whether any matches a topic. */
export type TopicFilterSet = QlobberTrue;

export function topicFilterSet(filters: readonly string[] = []): TopicFilterSet {
  // MQTT-4.7.1-3: '+' matches an empty level, as aedes' emitter does.
  const set = new Ctor({ separator: '/', wildcard_one: '+', wildcard_some: '#', match_empty_levels: true });
  for (const f of filters) set.add(f);
  return set;
}
