/**
 * TimerHeap: the loop's timers, earliest first (asyncio keeps `_scheduled` as a list
 * under `heapq`). Ordered by `_when`, ties by `_seq` (the order they were scheduled), so
 * two runs of a program pop timers in the same order.
 *
 * A binary min-heap written for `Timer` alone, where the loop used a generic one
 * (heap-js, a comparator function called at each level, `a._when - b._when || a._seq -
 * b._seq`). With 100,000 sleeping tasks the heap is 17 levels deep, and each level of a
 * sift read the `_when` of two timers scattered over the heap: cache misses, half of
 * W5b's time (1M virtual timers). Here the keys sit beside the timers in two
 * `Float64Array`s (`_whens`, `_seqs`, parallel to `_items`), so a sift reads packed
 * numbers and touches no timer; W5b's heap time fell to about a quarter. The sifts move a
 * hole rather than swap, as heapq does. The arrays keep their storage; slots past
 * `length` are cleared so a timer that ran is not kept alive.
 *
 * The methods are those of heap-js the loop used (`add`, `peek`, `pop`, `length`,
 * `toArray`, `init`, `clear`), so the loop reads as before.
 */
import type { Timer } from './handle';

export class TimerHeap {
  /** The timers, in heap order; `_whens[i]` and `_seqs[i]` are `_items[i]`'s keys. */
  _items: (Timer | undefined)[] = [];
  _whens = new Float64Array(64);
  _seqs = new Float64Array(64);
  length = 0;

  /** The earliest timer, or undefined when there is none. */
  peek(): Timer | undefined {
    return this.length === 0 ? undefined : this._items[0];
  }

  add(timer: Timer): void {
    if (this.length === this._whens.length) this._grow();
    const items = this._items;
    const whens = this._whens;
    const seqs = this._seqs;
    const when = timer._when;
    const seq = timer._seq;
    let i = this.length++;
    // Sift up: move parents down into the hole until the timer's place is found.
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pw = whens[parent]!;
      if (pw < when || (pw === when && seqs[parent]! < seq)) break;
      items[i] = items[parent];
      whens[i] = pw;
      seqs[i] = seqs[parent]!;
      i = parent;
    }
    items[i] = timer;
    whens[i] = when;
    seqs[i] = seq;
  }

  /** Remove and return the earliest timer (undefined when there is none). */
  pop(): Timer | undefined {
    const n = this.length;
    if (n === 0) return undefined;
    const items = this._items;
    const top = items[0];
    const last = n - 1;
    this.length = last;
    if (last > 0) {
      items[0] = items[last];
      this._whens[0] = this._whens[last]!;
      this._seqs[0] = this._seqs[last]!;
      items[last] = undefined;
      this._siftDown(0, last);
    } else {
      items[0] = undefined;
    }
    return top;
  }

  /** Sift the timer at `start` down to its place, in a heap of `n` entries. */
  _siftDown(start: number, n: number): void {
    const items = this._items;
    const whens = this._whens;
    const seqs = this._seqs;
    const timer = items[start];
    const when = whens[start]!;
    const seq = seqs[start]!;
    let i = start;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      let cw = whens[child]!;
      const right = child + 1;
      if (right < n) {
        const rw = whens[right]!;
        if (rw < cw || (rw === cw && seqs[right]! < seqs[child]!)) {
          child = right;
          cw = rw;
        }
      }
      if (when < cw || (when === cw && seq < seqs[child]!)) break;
      items[i] = items[child];
      whens[i] = cw;
      seqs[i] = seqs[child]!;
      i = child;
    }
    items[i] = timer;
    whens[i] = when;
    seqs[i] = seq;
  }

  _grow(): void {
    const whens = new Float64Array(this._whens.length * 2);
    whens.set(this._whens);
    this._whens = whens;
    const seqs = new Float64Array(this._seqs.length * 2);
    seqs.set(this._seqs);
    this._seqs = seqs;
  }

  /** The timers, in heap order (not sorted). */
  toArray(): Timer[] {
    return this._items.slice(0, this.length) as Timer[];
  }

  /** Replace the contents with `timers` (heapify). */
  init(timers: readonly Timer[]): void {
    this.clear();
    while (this._whens.length < timers.length) this._grow();
    for (let i = 0; i < timers.length; i++) {
      const timer = timers[i]!;
      this._items[i] = timer;
      this._whens[i] = timer._when;
      this._seqs[i] = timer._seq;
    }
    const n = (this.length = timers.length);
    for (let i = (n >> 1) - 1; i >= 0; i--) this._siftDown(i, n);
  }

  clear(): void {
    this._items.fill(undefined, 0, this.length);
    this.length = 0;
  }
}
