/**
 * Queue: a first-in, first-out queue between tasks (asyncio `queues.py`, `Queue`, with
 * 3.13's `shutdown`). `put` waits while the queue is full, `get` while it is empty; the
 * `Nowait` twins raise `QueueFull` / `QueueEmpty` instead; `taskDone` and `join` count
 * the items still being worked on. `LifoQueue` and `PriorityQueue` are this class with
 * another store (store.ts). `put` and `get` return small operation objects rather than
 * generators (operations.ts): `yield*` drives them the same way, at half the cost.
 *
 * Where we differ from asyncio, and why: a wake-up is a promise no newcomer can take
 * (see "Claims and reservations" below), so waiters are served strictly in arrival
 * order; `shutdown(immediate)` returns the items it drops (asyncio returns None), so
 * nothing leaves a queue unseen; maxsize must be an integer (asyncio takes 1.3);
 * taskDone() too often is `InvalidStateError` (asyncio: `ValueError`); a PriorityQueue
 * is stable (priority-queue.ts).
 *
 * `async for item in queue` (until shutdown), with core's aiter.ts:
 *
 *     const items = aiter(queue);
 *     for (let item; (item = yield* anext(items, DONE)) !== DONE; ) { ...; queue.taskDone(); }
 */
import { InvalidStateError, StopAsyncIteration, getRunningLoop, describeValue, trackCoro } from '@yieldio/core';
import type { AsyncIterable, AsyncIterator, Coro, EventLoop, Future } from '@yieldio/core';
import { LoopBound, bindLoop } from '@yieldio/core/internal';
import { Deque } from './deque';
import { QueueEmpty, QueueFull, QueueShutDown } from './errors';
import { GetOperation, PutOperation } from './operations';
import type { ItemStore } from './store';
import { FifoStore } from './store';

/**
 * alive: puts and gets work. shutdown: puts raise; gets take what is left, then raise
 * (a get waits while every item left is claimed by a woken getter: a claim given up
 * comes to it). shutdown-immediate: the items were dropped; puts and gets raise.
 *
 *     alive --shutdown()--> shutdown --shutdown(true)--> shutdown-immediate
 *       +--------------------shutdown(true)-----------------^
 *
 * asyncio 3.13 keeps a boolean `_is_shutdown`.
 */
export type QueueState = 'alive' | 'shutdown' | 'shutdown-immediate';

/** Options of `new Queue(options)`: asyncio `Queue(maxsize=0)`. */
export interface QueueOptions {
  /** At most this many items; 0 or less means no limit. An integer. Default 0. */
  maxsize?: number;
}

/** What a waiter's future is resolved with: woken with a claim (reservation), or by shutdown. */
const PROMISED = true;
const SHUT_DOWN = false;

/**
 * Claims and reservations. Waiting is asyncio's: a blocked getter (putter) parks a
 * future in `_getters` (`_putters`), and whoever makes progress for it wakes the one at
 * the head. asyncio then lets the woken getter look again when it runs, so a task that
 * runs in between can take the item (barging) and the woken one goes to the back of the
 * line. Here a woken getter holds a *claim* on one stored item, and a woken putter a
 * *reservation* of one free slot, which no one else can take (invariants at `_claimed`
 * and `_reserved`). So:
 *   - a getter woken and then cancelled before it ran passes its claim to the next
 *     getter; the item never left the store, so a cancelled get loses nothing and the
 *     order of items is untouched;
 *   - a putter inserts its item only when it runs, so a cancelled put inserts nothing,
 *     and one woken then cancelled passes its reservation on;
 *   - `qsize()`/`empty()` count only unclaimed items and `full()` counts reserved
 *     slots, so each predicate says exactly whether its `Nowait` call would succeed.
 *
 * Rejected: handing the item itself to the woken getter (Go's channels, Trio's memory
 * channels): a getter cancelled before it runs must then put the item back, and when a
 * group of consumers is cancelled at once they put theirs back in reverse order; and a
 * `PriorityQueue` getter would get the item that woke it rather than the smallest.
 */
export class Queue<T = unknown> extends LoopBound implements AsyncIterable<T> {
  readonly _maxsize: number;
  /** The items. Replaced by subclasses (LIFO, priority) right after construction. */
  _items: ItemStore<T> = new FifoStore<T>();
  _state: QueueState = 'alive';
  /** Futures of blocked getters, oldest first. Some may be cancelled, on their way out. */
  readonly _getters = new Deque<Future<boolean>>();
  /** Futures of blocked putters, oldest first. Some may be cancelled, on their way out. */
  readonly _putters = new Deque<Future<boolean>>();
  /**
   * Stored items promised to getters that were woken but have not run yet.
   * Invariant: 0 <= _claimed <= _items.length, and while a getter waits (a pending
   * future in _getters), _claimed === _items.length: no item is left for a newcomer.
   */
  _claimed = 0;
  /**
   * Free slots promised to putters that were woken but have not run yet (0 when
   * unbounded or shut down). Invariant: with maxsize > 0, _items.length + _reserved <=
   * maxsize, with equality while a putter waits: no slot is left for a newcomer.
   */
  _reserved = 0;
  /** Items put and not yet marked done with taskDone(). join() waits for 0. */
  _unfinishedTasks = 0;
  /** Futures of join() calls waiting for _unfinishedTasks to reach 0. */
  _joiners: Future<void>[] = [];
  /** What the waits are called, in messages and future descriptions (built once per class: the wait path is hot). */
  readonly _names: WaitNames = waitNamesOf(this.constructor);

  constructor(maxsize?: number | QueueOptions) {
    // The loop this queue waits on is bound at the first wait (LoopBound, asyncio `_LoopBoundMixin`).
    super();
    this._maxsize = parseMaxsize(this.constructor.name, maxsize, this._optionNames());
  }

  /** The keys an options object may have (a subclass adds its own; called by the constructor). */
  _optionNames(): readonly string[] {
    return ['maxsize'];
  }

  /** The most items the queue holds; 0 or less: no limit. */
  get maxsize(): number {
    return this._maxsize;
  }

  /** The number of items a get could take now (items promised to woken getters excluded). */
  qsize(): number {
    return this._items.length - this._claimed;
  }

  /** True if getNowait() would raise: no item is free to take. */
  empty(): boolean {
    return this._items.length === this._claimed;
  }

  /** True if putNowait() would raise QueueFull: every slot is taken or promised. Never true when unbounded. */
  full(): boolean {
    return this._maxsize > 0 && this._items.length + this._reserved >= this._maxsize;
  }

  /**
   * Put `item` in the queue, waiting for a free slot while it is full. Raises
   * QueueShutDown after shutdown(). Use it as `yield* queue.put(item)`.
   *
   * The operation object (operations.ts) runs this generator, unrolled for speed:
   *
   *     if (!alive) throw QueueShutDown
   *     if (!full()) { _insert(item); return }
   *     yield putter = _startWaitToPut()      // catch: _abandonPutter(putter)
   *     _finishPut(item)
   */
  put(item: T): Coro<void> {
    return trackCoro(new PutOperation(this, item), 'queue.put');
  }

  /** Put `item` now, or raise QueueFull (no free slot) or QueueShutDown. */
  putNowait(item: T): void {
    if (this._state !== 'alive') throw this._shutDownError('putNowait');
    if (this.full()) {
      throw new QueueFull(
        `${this.constructor.name}.putNowait(): the queue is full (maxsize ${this._maxsize}); ` +
          'wait for a free slot with yield* queue.put(item)',
      );
    }
    this._insert(item);
  }

  /**
   * Take the next item, waiting while there is none. Raises QueueShutDown once the
   * queue is shut down and empty. Use it as `yield* queue.get()`.
   *
   * The operation object (operations.ts) runs this generator, unrolled for speed:
   *
   *     if (an unclaimed item is stored) return _take()
   *     woken = yield getter = _startWaitToGet()   // catch: _abandonGetter(getter)
   *     return _finishGet(woken)
   */
  get(): Coro<T> {
    return trackCoro(new GetOperation(this), 'queue.get');
  }

  /** Take the next item now, or raise QueueEmpty (none free) or QueueShutDown (shut down and empty). */
  getNowait(): T {
    if (this._items.length > this._claimed) return this._take();
    if (this._state !== 'alive' && this._items.length === 0) throw this._shutDownError('getNowait');
    const promised = this._claimed > 0 ? ` (${this._claimed} stored item(s) are promised to getters that were woken first)` : '';
    throw new QueueEmpty(
      `${this.constructor.name}.getNowait(): the queue is empty${promised}; wait for an item with yield* queue.get()`,
    );
  }

  /**
   * Mark one item got earlier as processed. When every item put has been marked,
   * join() returns. Calling it more often than items were put is an InvalidStateError.
   */
  taskDone(): void {
    if (this._unfinishedTasks <= 0) {
      throw new InvalidStateError(
        `${this.constructor.name}.taskDone(): called more times than items were put (none is unfinished); ` +
          'call it once for each item you got',
      );
    }
    this._unfinishedTasks--;
    if (this._unfinishedTasks === 0) this._wakeJoiners();
  }

  /** Wait until every item put has been got and marked with taskDone(). */
  join(): Coro<void> {
    return trackCoro(this.#join(), 'queue.join');
  }

  *#join(): Coro<void> {
    if (this._unfinishedTasks === 0) return;
    const names = this._names;
    const joiner = bindLoop(this, names.join).createFuture<void>({ description: names.joinDescription, waiterOf: this });
    this._joiners.push(joiner);
    try {
      yield joiner;
    } finally {
      // Cancelled: leave the list, so repeated cancelled joins do not pile up.
      if (joiner.cancelled()) {
        const index = this._joiners.indexOf(joiner);
        if (index >= 0) this._joiners.splice(index, 1);
      }
    }
  }

  /**
   * Shut the queue down (3.13): put raises QueueShutDown from now on, get once the
   * queue is empty; every blocked putter wakes up to raise, and every blocked getter
   * once the queue is empty. With `immediate`, the items still queued are dropped and
   * counted done for join(), and get raises at once. Returns the dropped items, in the
   * order they would have come out (empty unless `immediate`). Calling it again is
   * allowed, as in asyncio.
   *
   * Where we differ, because of claims: a get that finds every item left promised to a
   * woken getter waits (asyncio's would take one). If a claimant is cancelled before
   * it runs, its item goes to that get; raising instead would leave the item unread
   * and join() waiting forever.
   */
  shutdown(immediate: boolean = false): T[] {
    if (typeof immediate !== 'boolean') {
      throw new TypeError(
        `${this.constructor.name}.shutdown(): immediate must be a boolean, got ${describeValue(immediate)}; ` +
          'pass true to drop the queued items',
      );
    }
    let dropped: T[] = [];
    if (immediate) {
      this._state = 'shutdown-immediate';
      dropped = this._items.drain();
      this._claimed = 0;
      // As asyncio: a drop counts as done, but the count stops at 0 (taskDone may
      // have been called for items not yet got).
      this._unfinishedTasks = Math.max(0, this._unfinishedTasks - dropped.length);
      if (this._unfinishedTasks === 0) this._wakeJoiners();
    } else if (this._state === 'alive') {
      this._state = 'shutdown';
    }
    // Reservations are void (no put can succeed): every putter wakes to raise. Getters
    // wait on an empty queue, or on items all claimed by woken getters (the invariant
    // at _claimed); they wake to raise once it is empty (here, or in _take).
    this._reserved = 0;
    if (this._items.length === 0) this._wakeGettersToEnd();
    for (let putter = this._putters.shift(); putter !== undefined; putter = this._putters.shift()) {
      if (!putter.done()) putter.setResult(SHUT_DOWN);
    }
    return dropped;
  }

  /** `async for`: an iterator whose anext() gets the next item, until shutdown and empty. */
  aiter(): AsyncIterator<T> {
    return new QueueIterator(this);
  }

  override toString(): string {
    let text = `<${this.constructor.name} maxsize=${this._maxsize} qsize=${this.qsize()}`;
    if (this._claimed > 0) text += ` claimed=${this._claimed}`;
    if (this._getters.length > 0) text += ` getters=${this._getters.length}`;
    if (this._putters.length > 0) text += ` putters=${this._putters.length}`;
    if (this._unfinishedTasks > 0) text += ` tasks=${this._unfinishedTasks}`;
    if (this._state !== 'alive') text += ` ${this._state}`;
    return text + '>';
  }

  // ---- Internals: the queue's invariants are kept here ----------------------------

  /** put() found the queue full (or shut down): join the line of putters. */
  _startWaitToPut(): Future<boolean> {
    if (this._state !== 'alive') throw this._shutDownError('put');
    const names = this._names;
    const putter = bindLoop(this, names.put).createFuture<boolean>({ description: names.putDescription, waiterOf: this });
    this._putters.push(putter);
    return putter;
  }

  /** A waiting putter was woken: with a reserved slot, or by shutdown, which voids every reservation. */
  _finishPut(item: T): void {
    if (this._state !== 'alive') throw this._shutDownError('put');
    this._reserved--;
    try {
      this._insert(item);
    } catch (exc) {
      // A PriorityQueue comparator rejected the item: the slot is free again.
      this._wakeupNextPutter();
      throw exc;
    }
  }

  /** get() found no unclaimed item: join the line of getters (or raise, if shut down and empty). */
  _startWaitToGet(): Future<boolean> {
    // Shut down with items left, all claimed: wait, for a claimant may give one up.
    if (this._state !== 'alive' && this._items.length === 0) throw this._shutDownError('get');
    const names = this._names;
    const getter = bindLoop(this, names.get).createFuture<boolean>({ description: names.getDescription, waiterOf: this });
    this._getters.push(getter);
    return getter;
  }

  /** A waiting getter was woken (`woken` is what its future was resolved with): take the item. */
  _finishGet(woken: unknown): T {
    if (woken === PROMISED && this._state !== 'shutdown-immediate') {
      // Our claimed item is in the store, and no one else could take it.
      this._claimed--;
      try {
        return this._take();
      } catch (exc) {
        // A PriorityQueue comparator failed: the item stays, for the next getter.
        this._wakeupNextGetter();
        throw exc;
      }
    }
    // Woken because the queue is shut down and empty (or our claim was dropped by an
    // immediate shutdown). No put can succeed now, so it stays empty; the check is
    // for safety: an item we could take is never left behind for a raise.
    if (this._items.length > this._claimed) return this._take();
    throw this._shutDownError('get');
  }

  /** Store an item, count it unfinished, and wake a getter for it. */
  _insert(item: T): void {
    this._items.push(item); // may throw (a comparator): then nothing changed
    this._unfinishedTasks++;
    if (this._getters.length > 0) this._wakeupNextGetter();
  }

  /** Remove the next item, and wake a putter for the slot it frees (or, shut down and now empty, end the getters). */
  _take(): T {
    const item = this._items.take();
    if (this._putters.length > 0) this._wakeupNextPutter();
    // No putter waits once the queue is shut down, so this costs the hot path one test.
    else if (this._state !== 'alive' && this._items.length === 0 && this._getters.length > 0) this._wakeGettersToEnd();
    return item;
  }

  /** Shut down and empty: wake every waiting getter, to raise QueueShutDown. */
  _wakeGettersToEnd(): void {
    for (let getter = this._getters.shift(); getter !== undefined; getter = this._getters.shift()) {
      if (!getter.done()) getter.setResult(SHUT_DOWN);
    }
  }

  /** While an unclaimed item and a live getter exist, give the oldest getter a claim. */
  _wakeupNextGetter(): void {
    while (this._items.length > this._claimed) {
      const getter = this._getters.shift();
      if (getter === undefined) return;
      if (!getter.done()) {
        this._claimed++;
        getter.setResult(PROMISED);
      }
    }
  }

  /** While a free unreserved slot and a live putter exist, give the oldest putter a reservation. */
  _wakeupNextPutter(): void {
    // Putters wait only in a bounded queue that is alive.
    if (this._state !== 'alive' || this._maxsize <= 0) return;
    while (this._items.length + this._reserved < this._maxsize) {
      const putter = this._putters.shift();
      if (putter === undefined) return;
      if (!putter.done()) {
        this._reserved++;
        putter.setResult(PROMISED);
      }
    }
  }

  /**
   * A getter is leaving by exception (cancelled). If it was still waiting, it leaves the
   * line. If it had been woken with a claim, the claim goes to the next getter: the
   * item stays in the store, in its place, so no item is lost and none moves.
   */
  _abandonGetter(getter: Future<boolean>): void {
    if (!getter.done() || getter.cancelled()) {
      this._getters.remove(getter);
      return;
    }
    if (getter.result() === PROMISED && this._state !== 'shutdown-immediate') {
      this._claimed--;
      this._wakeupNextGetter();
    }
  }

  /** A putter is leaving by exception (cancelled): leave the line, or pass the reserved slot on. */
  _abandonPutter(putter: Future<boolean>): void {
    if (!putter.done() || putter.cancelled()) {
      this._putters.remove(putter);
      return;
    }
    // Woken with a reservation (shutdown voids them all, and wakes no one with one).
    if (this._state === 'alive' && putter.result() === PROMISED) {
      this._reserved--;
      this._wakeupNextPutter();
    }
  }

  _wakeJoiners(): void {
    const joiners = this._joiners;
    if (joiners.length === 0) return;
    this._joiners = [];
    for (const joiner of joiners) if (!joiner.done()) joiner.setResult(undefined);
  }

  _shutDownError(method: string): QueueShutDown {
    const name = `${this.constructor.name}.${method}()`;
    if (method === 'put' || method === 'putNowait') {
      return new QueueShutDown(`${name}: the queue is shut down; no more items can be put`);
    }
    const how = this._state === 'shutdown-immediate' ? 'shut down immediately (its items were dropped)' : 'shut down and empty';
    return new QueueShutDown(`${name}: the queue is ${how}; no more items will come`);
  }
}

interface WaitNames {
  readonly put: string;
  readonly putDescription: string;
  readonly get: string;
  readonly getDescription: string;
  readonly join: string;
  readonly joinDescription: string;
}

const waitNames = new WeakMap<object, WaitNames>();

function waitNamesOf(cls: { name: string }): WaitNames {
  let names = waitNames.get(cls);
  if (names === undefined) {
    const n = cls.name;
    names = { put: `${n}.put`, putDescription: `${n}.put()`, get: `${n}.get`, getDescription: `${n}.get()`, join: `${n}.join`, joinDescription: `${n}.join()` };
    waitNames.set(cls, names);
  }
  return names;
}

/**
 * What `aiter(queue)` returns: `anext()` is `get()`, with shutdown as the end.
 * No asyncio counterpart: asyncio's `Queue` is not async-iterable.
 */
export class QueueIterator<T> implements AsyncIterator<T> {
  readonly _queue: Queue<T>;

  constructor(queue: Queue<T>) {
    this._queue = queue;
  }

  *anext(): Coro<T> {
    try {
      return yield* this._queue.get();
    } catch (exc) {
      if (exc instanceof QueueShutDown) throw new StopAsyncIteration(exc.message, { cause: exc });
      throw exc;
    }
  }

  /** Returns the iterator itself, as Python's `__aiter__` does. */
  aiter(): AsyncIterator<T> {
    return this;
  }
}

/** The maxsize argument: a number, or an options object with `maxsize` (and `allowedKeys`). */
function parseMaxsize(className: string, arg: unknown, allowedKeys: readonly string[]): number {
  let maxsize: unknown = arg;
  if (arg !== null && typeof arg === 'object' && !Array.isArray(arg)) {
    for (const key of Object.keys(arg)) {
      if (!allowedKeys.includes(key)) {
        const close = allowedKeys.find((k) => k.toLowerCase() === key.toLowerCase());
        throw new TypeError(
          `${className}(): unknown option ${JSON.stringify(key)}` +
            (close === undefined ? `; the options are: ${allowedKeys.join(', ')}` : `; did you mean ${JSON.stringify(close)}?`),
        );
      }
    }
    maxsize = (arg as QueueOptions).maxsize;
  }
  if (maxsize === undefined) return 0;
  if (typeof maxsize !== 'number') {
    const hint = typeof maxsize === 'function' ? `; to pass only a comparator: new ${className}(0, comparator)` : '';
    throw new TypeError(`${className}(): maxsize must be an integer, got ${describeValue(maxsize)}${hint}`);
  }
  if (!Number.isInteger(maxsize)) {
    throw new RangeError(`${className}(): maxsize must be an integer, got ${maxsize}; use 0 (or less) for an unbounded queue`);
  }
  return maxsize;
}
