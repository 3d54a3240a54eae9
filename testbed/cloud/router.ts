/**
 * Cross-worker routing in the primary: each worker registers the topic patterns it has
 * listeners for, and a publish is forwarded only to the other workers with a match. Matching
 * uses qlobber with aedes' options, so the primary and the workers agree on every topic.
 */
import { type TopicFilterSet, topicFilterSet } from '../topic-filter.js';

export class Router {
  readonly #tries = new Map<number, TopicFilterSet>();
  /** Publishes forwarded to another worker, for metrics. */
  forwarded = 0;

  add(worker: number, topic: string): void {
    this.#trie(worker).add(topic);
  }

  remove(worker: number, topic: string): void {
    this.#tries.get(worker)?.remove(topic);
  }

  /** A worker died: its listeners died with it. */
  drop(worker: number): void {
    this.#tries.delete(worker);
  }

  /** The workers other than `from` that must see a publish on `topic`. */
  targets(from: number, topic: string): number[] {
    const out: number[] = [];
    for (const [worker, trie] of this.#tries) {
      if (worker !== from && trie.test(topic)) out.push(worker);
    }
    this.forwarded += out.length;
    return out;
  }

  #trie(worker: number): TopicFilterSet {
    let trie = this.#tries.get(worker);
    if (!trie) {
      trie = topicFilterSet();
      this.#tries.set(worker, trie);
    }
    return trie;
  }
}
