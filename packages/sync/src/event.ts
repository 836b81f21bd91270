/**
 * Event: a flag that tasks can wait for (asyncio `locks.py`, `Event`, 3.14).
 *
 * `set()` raises the flag and wakes every waiter at once; `clear()` lowers it; `wait()`
 * returns at once while the flag is up, and otherwise waits for the next `set()`. A
 * waiter woken by `set()` returns true even if `clear()` ran before it got to run: it
 * was woken by a set, and that is what `wait()` reports (asyncio's behaviour).
 *
 * A waiter cancelled meanwhile only removes itself; `set()` skips futures that are done,
 * so a cancelled waiter never takes a wake-up from another (each waiter has its own).
 */
import { trackCoro } from '@yieldio/core';
import type { Coro } from '@yieldio/core';
import { LoopBound, bindLoop } from '@yieldio/core/internal';
import { WaiterQueue } from './waiters';

/** An event's flag: up (`'set'`) or down (`'unset'`). asyncio keeps a boolean `_value`. */
export type EventState = 'unset' | 'set';

/** A flag that tasks can wait for: `set()` wakes every waiter (asyncio `Event`). */
export class Event extends LoopBound {
  _state: EventState = 'unset';
  readonly _waiters = new WaiterQueue();

  /** Whether the flag is up (asyncio `Event.is_set`). */
  isSet(): boolean {
    return this._state === 'set';
  }

  /** Raise the flag and wake every task waiting for it. */
  set(): void {
    if (this._state === 'set') return;
    this._state = 'set';
    const waiters = this._waiters;
    for (let i = 0; i < waiters.length; i++) {
      const fut = waiters.at(i);
      if (!fut.done()) fut.setResult(true);
    }
  }

  /** Lower the flag: `wait()` blocks again until the next `set()`. */
  clear(): void {
    this._state = 'unset';
  }

  /** Return true once the flag is set (at once if it is set now). */
  wait(): Coro<true> {
    return trackCoro(this.#wait(), 'event.wait');
  }

  *#wait(): Coro<true> {
    if (this._state === 'set') return true;
    const fut = bindLoop(this, 'Event.wait').createFuture<boolean>({ description: 'Event.wait()', waiterOf: this });
    yield* this._waiters.wait(fut);
    return true;
  }

  override toString(): string {
    const waiters = this._waiters.length;
    return `<Event [${this._state}${waiters > 0 ? `, waiters:${waiters}` : ''}]>`;
  }
}
