/**
 * WaiterQueue: the futures of the tasks blocked on one primitive, oldest first (asyncio
 * keeps a `collections.deque` of futures in each primitive of `locks.py`).
 *
 * Every primitive wakes its waiters in arrival order, so the queue is FIFO; a waiter
 * leaves it itself, in its own `finally`, whether it was woken or cancelled, which is
 * almost always from the head. A ring buffer makes push and removal at the head O(1)
 * without the per-node allocation of a linked list; removal from the middle (a
 * cancelled waiter) shifts the entries behind it, O(n), which is what asyncio's
 * `deque.remove` costs too.
 *
 * `wait(fut)` is the one wait idiom of semaphore, condition and event (Lock writes it
 * inline, on its hot path: see lock.ts), asyncio's
 *
 *     self._waiters.append(fut)
 *     try:
 *         await fut
 *     finally:
 *         self._waiters.remove(fut)
 *
 * Each primitive makes its own future (its description and `waiterOf` name it in a
 * DeadlockError) and keeps what it does after the wait, or on a cancellation, in its
 * own file, beside its asyncio original.
 *
 * Rejected: a plain array with `shift()`, whose cost V8 does not promise (it copies
 * unless it can trim the backing store in place).
 */
import type { Coro, Future } from '@yieldio/core';

export class WaiterQueue {
  /** Capacity is a power of two; the waiters are slots head .. head+length-1 (mod capacity). */
  _slots: Array<Future<boolean> | undefined> = new Array(8).fill(undefined);
  _head = 0;
  _length = 0;

  get length(): number {
    return this._length;
  }

  /** The i-th waiter from the head (0 is the oldest). */
  at(i: number): Future<boolean> {
    return this._slots[(this._head + i) & (this._slots.length - 1)]!;
  }

  push(fut: Future<boolean>): void {
    if (this._length === this._slots.length) this._grow();
    this._slots[(this._head + this._length) & (this._slots.length - 1)] = fut;
    this._length++;
  }

  /** Remove `fut` (present exactly once: each waiter pushes and removes its own). */
  remove(fut: Future<boolean>): void {
    const slots = this._slots;
    const mask = slots.length - 1;
    if (slots[this._head] === fut) {
      slots[this._head] = undefined;
      this._head = (this._head + 1) & mask;
      this._length--;
      return;
    }
    let i = 1;
    while (i < this._length && slots[(this._head + i) & mask] !== fut) i++;
    if (i === this._length) throw new Error(`yieldio bug: WaiterQueue.remove(): ${fut} is not in the queue`);
    for (; i < this._length - 1; i++) slots[(this._head + i) & mask] = slots[(this._head + i + 1) & mask];
    slots[(this._head + i) & mask] = undefined;
    this._length--;
  }

  /**
   * Queue `fut`, wait until it is done (woken, or cancelled with the waiting task), and
   * leave the queue either way. Awaited with a bare `yield fut`: the wake-up carries no
   * value, so no iterator is made for the future.
   */
  *wait(fut: Future<boolean>): Coro<void> {
    this.push(fut);
    try {
      yield fut;
    } finally {
      this.remove(fut);
    }
  }

  /** True when no waiter is left that could still be woken (all cancelled, or none). */
  allCancelled(): boolean {
    for (let i = 0; i < this._length; i++) if (!this.at(i).cancelled()) return false;
    return true;
  }

  _grow(): void {
    const old = this._slots;
    const slots = new Array<Future<boolean> | undefined>(old.length * 2).fill(undefined);
    for (let i = 0; i < this._length; i++) slots[i] = old[(this._head + i) & (old.length - 1)];
    this._slots = slots;
    this._head = 0;
  }
}
