/**
 * PriorityStore: the store of a `PriorityQueue`, a binary heap (heap-js) of entries
 * `{ item, seq }`, smallest first (asyncio `PriorityQueue`: `heapq` on a list).
 *
 * Stable: `seq` counts insertions, and breaks every tie, so items of equal priority come
 * out in the order they were put. asyncio has no such rule (`heapq` is not stable, and
 * Python compares the data of a `(priority, data)` pair when priorities tie); users
 * add a counter by hand. Here it is built in.
 *
 * A comparator that throws must not cost an item. heap-js sifts by holding one entry
 * aside while it moves the others, so an exception in the middle of a sift would drop
 * that entry and duplicate another. So the heap never sees an exception: `_compare`
 * catches it, remembers it, and answers by insertion order instead, which keeps the
 * heap a permutation of its entries. Then:
 *   - push: the heap is rebuilt without the new entry, and the error is thrown: a put
 *     that fails inserts nothing (asyncio's `heappush` leaves the item in the list);
 *   - take: the heap is rebuilt with the top entry, and the error is thrown: a get that
 *     fails removes nothing (asyncio's `heappop` can lose it);
 *   - drain (shutdown): errors are ignored; every item is returned.
 * A rebuild that meets the error again leaves the heap marked dirty, and the next
 * operation rebuilds it first, so the order heals once the comparator works again.
 *
 * Rejected: checking a new item against every item already stored (a put would cost
 * O(n) comparisons rather than O(log n)), and our own heap (the issue asks for heap-js).
 */
import { Heap } from 'heap-js';
import type { ItemStore } from './store';

/**
 * Negative when `a` comes out before `b`, positive when after, 0 when they tie.
 * No asyncio counterpart: asyncio's `PriorityQueue` orders by Python's `<` only.
 */
export type Comparator<T> = (a: T, b: T) => number;

interface Entry<T> {
  readonly item: T;
  readonly seq: number;
}

const NO_ERROR: unique symbol = Symbol('NO_ERROR');

export class PriorityStore<T> implements ItemStore<T> {
  readonly _heap: Heap<Entry<T>>;
  readonly _comparator: Comparator<T>;
  _seq = 0;
  /** The first exception the comparator threw during the current operation. */
  _error: unknown = NO_ERROR;
  /** The last rebuild met a comparator error, so part of the heap is in insertion order: rebuild before the next operation. */
  _dirty = false;

  constructor(comparator: Comparator<T>) {
    this._comparator = comparator;
    this._heap = new Heap<Entry<T>>((a, b) => this._compare(a, b));
  }

  get length(): number {
    return this._heap.heapArray.length;
  }

  push(item: T): void {
    if (this._dirty) this._rebuild(this._heap.heapArray);
    const entry: Entry<T> = { item, seq: this._seq++ };
    this._heap.add(entry);
    if (this._error !== NO_ERROR) this._recover(this._heap.heapArray.filter((e) => e !== entry));
  }

  take(): T {
    if (this._dirty) this._rebuild(this._heap.heapArray);
    const top = this._heap.peek() as Entry<T>;
    this._heap.pop();
    if (this._error !== NO_ERROR) this._recover([top, ...this._heap.heapArray]);
    return top.item;
  }

  drain(): T[] {
    // Sorting, not popping one by one: the same order, and one pass over the comparator.
    const entries = this._heap.heapArray.slice().sort((a, b) => this._compare(a, b));
    this._heap.clear();
    this._error = NO_ERROR;
    this._dirty = false;
    return entries.map((entry) => entry.item);
  }

  _compare(a: Entry<T>, b: Entry<T>): number {
    if (this._error === NO_ERROR) {
      try {
        // `||` also turns a NaN answer into a tie, so the heap stays consistent.
        return this._comparator(a.item, b.item) || a.seq - b.seq;
      } catch (exc) {
        this._error = exc;
      }
    }
    return a.seq - b.seq;
  }

  /** The comparator threw: rebuild the heap from `entries` (what it held before), then throw the error. */
  _recover(entries: Entry<T>[]): never {
    const exc = this._error;
    this._rebuild(entries);
    throw exc;
  }

  /**
   * Heapify `entries` with real comparisons. Pairs the comparator still cannot compare
   * fall back to insertion order, and the heap stays dirty, to be rebuilt again at the
   * next operation (so it heals once the comparator works). No entry is lost either way.
   */
  _rebuild(entries: Entry<T>[]): void {
    this._error = NO_ERROR;
    this._heap.init(entries);
    this._dirty = this._error !== NO_ERROR;
    this._error = NO_ERROR;
  }
}
