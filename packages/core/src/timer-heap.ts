/**
 * TimerHeap: the loop's timers, earliest first (asyncio keeps `_scheduled` as a list
 * under `heapq`). Ordered by `_when`, ties by `_seq` (the order they were scheduled), so
 * two runs of a program pop timers in the same order.
 *
 * A binary min-heap of *runs*: a run is timers due at the same `_when`, in `_seq` order,
 * linked through their `_next` field; the heap holds each run's first timer, keyed by
 * that timer's `(_when, _seq)`. Popping a run's first timer puts the next one in its
 * place (same `_when`, a later `_seq`) and sifts it down, so the heap always compares
 * the runs' current heads: the order is exactly a heap of single timers' (heapq's), for
 * any way the timers are split into runs. A timer joins the run it extends when the
 * `tails` table remembers that run's last timer at its `_when` and the timer comes after
 * it; otherwise it starts a run of its own, as every timer did before (#15).
 *
 * Why: simulations put many timers on one deadline (W9's W5b: a million sleeps on about
 * two thousand millisecond deadlines). Joining a run is O(1) and pops from the front,
 * and the heap holds about one entry per deadline instead of one per timer: its sifts
 * stay in cache where a million-entry heap missed it at every lower level. A timer due
 * alone (real-clock delays, W5a; W5b's random ones) costs one look in `tails` more.
 *
 * The keys sit beside the runs in two `Float64Array`s (`_whens`, `_seqs`, parallel to
 * `_items`), so a sift reads packed numbers and touches no timer; the sifts move a hole
 * rather than swap, as heapq does. Slots past `length` are cleared, and so are `tails`
 * entries of timers that left, so a timer that ran is not kept alive.
 *
 * Rejected:
 *   - one entry per timer (until #15): at a million timers, 20 levels, the lower ones
 *     out of cache at each sift, and 24 bytes of keys per timer;
 *   - one bucket per distinct deadline, found through a hash table or `Map` from `_when`:
 *     a bucket object and an array per deadline, and a table larger than the cache, made
 *     a timer due alone 3-5x dearer in the heap and W5b (1M distinct deadlines) 40% slower;
 *   - heap-js with a comparator function (before the packed keys): a call per level;
 *   - rounding deadlines to a tick (timer wheels, libuv's 1 ms): it changes when a timer
 *     runs and the order within a tick, which the CPython-order traces pin.
 *
 * The methods are those the loop has always used (`add`, `peek`, `pop`, `length`,
 * `toArray`, `init`, `clear`), so the loop reads as before.
 */
import type { Timer } from './handle';

/** Most slots of the `tails` table; a power of two. 64 KiB, in the L2 cache. */
const TAIL_SLOTS = 4096;
/**
 * Slots a heap starts with, in its key arrays and its `tails` table. Every loop has a
 * heap, and `explore` makes a loop per run: 8 doubles (64 bytes) are a typed array V8
 * keeps on its heap, where a larger one is a separate allocation; a heap made with the
 * full table cost 20-30 us per `simulate()` (S3 in bench/). Both grow as runs come.
 */
const INITIAL_SLOTS = 8;

export class TimerHeap {
  /** The runs' first timers, in heap order; `_whens[i]` and `_seqs[i]` are `_items[i]`'s keys. */
  _items: (Timer | undefined)[] = [];
  _whens = new Float64Array(INITIAL_SLOTS);
  _seqs = new Float64Array(INITIAL_SLOTS);
  /** How many runs (heap entries). */
  _size = 0;
  /** How many timers, in every run. */
  length = 0;
  /**
   * The last timer of a run still in the heap, by a hash of its `_when`, and that
   * `_when` (packed, so a miss reads no timer). A slot holds the latest timer added at
   * its hash; a collision only starts a new run, which the heap orders as it would.
   * Twice the heap's capacity, up to `TAIL_SLOTS`; growing empties it (a forgotten tail
   * only starts a new run too).
   */
  _tails: (Timer | undefined)[] = new Array<undefined>(INITIAL_SLOTS).fill(undefined);
  _tailWhens = new Float64Array(INITIAL_SLOTS);
  _tailMask = INITIAL_SLOTS - 1;

  /** The earliest timer, or undefined when there is none. */
  peek(): Timer | undefined {
    return this._size === 0 ? undefined : this._items[0];
  }

  /**
   * When the earliest timer is due (Infinity when there is none), from the packed keys:
   * W9's W5b, a timer's `_when` is a number box of its own, somewhere else in memory
   * once the timer has been promoted, and reading it was one more cache miss per
   * wake-up at a million sleeping tasks. Plain code: `peek()._when`.
   */
  peekWhen(): number {
    return this._size === 0 ? Infinity : this._whens[0]!;
  }

  add(timer: Timer): void {
    this.length++;
    timer._next = undefined;
    const when = timer._when;
    const slot = tailHash(when) & this._tailMask;
    const tail = this._tails[slot];
    this._tails[slot] = timer;
    if (tail !== undefined && this._tailWhens[slot] === when && tail._seq < timer._seq) {
      tail._next = timer; // joins the run: the heap does not change
      return;
    }
    this._tailWhens[slot] = when;
    this._insert(timer);
  }

  /** Start a run with `timer`: sift it up from the end. */
  _insert(timer: Timer): void {
    if (this._size === this._whens.length) this._grow();
    const items = this._items;
    const whens = this._whens;
    const seqs = this._seqs;
    const when = timer._when;
    const seq = timer._seq;
    let i = this._size++;
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
    if (this._size === 0) return undefined;
    const items = this._items;
    const top = items[0]!;
    this.length--;
    const next = top._next;
    if (next !== undefined) {
      // The run goes on: its next timer takes the top, same `_when`, a later `_seq`.
      top._next = undefined;
      items[0] = next;
      this._seqs[0] = next._seq;
      this._siftDown(0, this._size);
      return top;
    }
    const slot = tailHash(this._whens[0]!) & this._tailMask; // top's `_when` (see peekWhen)
    if (this._tails[slot] === top) this._tails[slot] = undefined;
    const last = --this._size;
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

  /** Sift the run at `start` down to its place, in a heap of `n` runs. */
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
    const slots = Math.min(TAIL_SLOTS, 2 * whens.length);
    if (slots > this._tails.length) {
      this._tails = new Array<undefined>(slots).fill(undefined);
      this._tailWhens = new Float64Array(slots);
      this._tailMask = slots - 1;
    }
  }

  /** The timers, run by run in heap order (not sorted across runs). */
  toArray(): Timer[] {
    const out: Timer[] = [];
    for (let i = 0; i < this._size; i++) {
      for (let timer = this._items[i]; timer !== undefined; timer = timer._next) out.push(timer);
    }
    return out;
  }

  /** Replace the contents with `timers`, in any order. */
  init(timers: readonly Timer[]): void {
    this.clear();
    for (let i = 0; i < timers.length; i++) this.add(timers[i]!);
  }

  clear(): void {
    for (let i = 0; i < this._size; i++) {
      let timer = this._items[i];
      while (timer !== undefined) {
        const next: Timer | undefined = timer._next;
        timer._next = undefined;
        timer = next;
      }
    }
    this._items.fill(undefined, 0, this._size);
    this._tails.fill(undefined);
    this._size = 0;
    this.length = 0;
  }
}

const HASH_DOUBLE = new Float64Array(1);
const HASH_WORDS = new Uint32Array(HASH_DOUBLE.buffer);

/** A hash of `when` for the `tails` table: a mix of its 64 bits (`+ 0` makes -0 hash as 0, which it equals). */
function tailHash(when: number): number {
  HASH_DOUBLE[0] = when + 0;
  let h = HASH_WORDS[0]! ^ Math.imul(HASH_WORDS[1]!, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return h ^ (h >>> 13);
}
