/**
 * A registry keyed by name: fault drivers, toxics, probes and report formats each live in one,
 * built from the folder's generated catalog (engine/app/catalog-gen.ts); nothing switches on names.
 */
import { closest } from './did-you-mean.js';

export interface Named {
  readonly name: string;
}

export class Registry<T extends Named> {
  readonly #entries = new Map<string, T>();
  constructor(
    readonly what: string,
    entries: Iterable<T> = [],
  ) {
    for (const entry of entries) this.register(entry);
  }

  register(entry: T): T {
    if (this.#entries.has(entry.name)) throw new Error(`${this.what} '${entry.name}' is registered twice`);
    this.#entries.set(entry.name, entry);
    return entry;
  }

  get(name: string): T | undefined {
    return this.#entries.get(name);
  }

  has(name: string): boolean {
    return this.#entries.has(name);
  }

  names(): string[] {
    return [...this.#entries.keys()].sort();
  }

  values(): T[] {
    return this.names().map((n) => this.#entries.get(n)!);
  }

  /** A message for an unknown name: the nearest known one, then all of them. */
  unknownMessage(name: string): string {
    const known = this.names();
    const near = closest(name, known);
    const hint = near ? ` (did you mean '${near}'?)` : '';
    return `unknown ${this.what} '${name}'${hint}; known: ${known.join(', ')}`;
  }
}
