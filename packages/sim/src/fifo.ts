/**
 * Fifo: a first-in, first-out queue that keeps its storage.
 *
 * A TCP end's queues (bytes written and not yet sent, segments not yet acknowledged,
 * bytes received and not yet read) each take one item in and one out per message. On a
 * plain array, `push` then `shift` (or `pop`, or `length = 0`) down to empty gives V8's
 * storage back, and the next `push` allocates it again: one array a message (S1/S2).
 * This queue keeps its slots, with its own head and tail; a taken slot is cleared, so
 * nothing taken stays alive, and a queue that never empties is compacted as it goes.
 */

/** Past this many taken slots at the front, a queue that has not emptied moves its items down. */
const COMPACT_AT = 1024;

export class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;
  #tail = 0;

  get length(): number {
    return this.#tail - this.#head;
  }

  push(item: T): void {
    this.#items[this.#tail++] = item;
  }

  /** The `i`-th oldest item (0: the oldest); only for `i < length`. */
  at(i: number): T {
    return this.#items[this.#head + i]!;
  }

  /** Replace the oldest item (the rest of a partly sent chunk); only when not empty. */
  replaceHead(item: T): void {
    this.#items[this.#head] = item;
  }

  /** Remove and return the oldest item; only when not empty. */
  shift(): T {
    const items = this.#items;
    const head = this.#head;
    const item = items[head]!;
    items[head] = undefined;
    this.#head = head + 1;
    if (this.#head === this.#tail) {
      this.#head = this.#tail = 0;
    } else if (this.#head >= COMPACT_AT) {
      items.splice(0, this.#head);
      this.#tail -= this.#head;
      this.#head = 0;
    }
    return item;
  }

  /** Remove every item. */
  clear(): void {
    this.#items.fill(undefined, this.#head, this.#tail);
    this.#head = this.#tail = 0;
  }
}
