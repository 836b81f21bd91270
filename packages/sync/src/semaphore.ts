/**
 * Semaphore and BoundedSemaphore: a counter of free slots that tasks take and give back
 * (asyncio `locks.py`, `Semaphore`, 3.12+, with the 3.11.x fairness fixes).
 *
 * `acquire()` takes a slot, waiting while there is none; `release()` gives one back.
 * Fair (FIFO), with no barging: while a waiter that is not cancelled is queued,
 * `locked()` is true and a new `acquire()` queues behind it, even if the value is above
 * zero this instant (gh-90155). `release()` reserves the slot for the waiter it wakes
 * (it decrements the value on the waiter's behalf), so a newcomer cannot take it.
 *
 * Cancellation: a waiter cancelled after it was woken gives its reserved slot back; and
 * every waiter that leaves, acquired or not, wakes as many queued waiters as there are
 * free slots, since newcomers may have queued behind it only because of the FIFO rule.
 * Together these mean no free slot is left unused while a live waiter is queued.
 *
 * `BoundedSemaphore` refuses a `release()` that would raise the value above the initial
 * one: more releases than acquires is a bug. As in asyncio, the check sees free slots
 * only; a slot reserved for a woken waiter that has not run yet counts as taken, so an
 * extra release in that window goes unnoticed until the value reaches the bound. Where we differ: a bad value is a
 * `TypeError`/`RangeError` (asyncio: `ValueError`, and it accepts a float), and an
 * over-release is core's `InvalidStateError`.
 */
import { CancelledError, InvalidStateError, trackCoro } from '@yieldio/core';
import type { Coro } from '@yieldio/core';
import { LoopBound, bindLoop } from '@yieldio/core/internal';
import { checkInteger } from './checks';
import type { HoldCoro } from './hold';
import { holdOf } from './hold';
import { WaiterQueue } from './waiters';

/** A counter of free slots that tasks take with `acquire()` and give back with `release()`, fair (FIFO) (asyncio `Semaphore`). */
export class Semaphore extends LoopBound {
  /** Free slots, not counting those reserved for woken waiters. Never below zero. */
  _value: number;
  readonly _waiters = new WaiterQueue();
  /** The class name, for messages and the waiting future's description. */
  readonly _name: string;
  readonly _acquireDescription: string;

  constructor(value = 1) {
    super();
    this._name = new.target.name;
    checkInteger(`${this._name}()`, 'value', value, 0, `the number of tasks that may hold it at once, for example new ${this._name}(3)`);
    this._value = value;
    this._acquireDescription = `${this._name}.acquire()`;
  }

  /** True if `acquire()` would wait: no free slot, or a live waiter is queued first. */
  locked(): boolean {
    return this._value === 0 || !this._waiters.allCancelled();
  }

  /** Take a slot, waiting (in arrival order) until one is free. */
  acquire(): Coro<true> {
    return trackCoro(this.#acquire(), 'sem.acquire');
  }

  *#acquire(): Coro<true> {
    if (!this.locked()) {
      this._value--;
      return true;
    }
    const fut = bindLoop(this, `${this._name}.acquire`).createFuture<boolean>({ description: this._acquireDescription, waiterOf: this });
    try {
      yield* this._waiters.wait(fut);
    } catch (exc) {
      // Woken (a slot reserved for us) but cancelled before we ran: give the slot back.
      if (exc instanceof CancelledError && fut.done() && !fut.cancelled()) this._value++;
      throw exc;
    } finally {
      // Waiters may have queued behind us because of the FIFO rule: wake as many as
      // there are free slots.
      while (this._value > 0) {
        if (!this._wakeUpNext()) break;
      }
    }
    return true;
  }

  /** Give a slot back, waking the first waiter if any. */
  release(): void {
    this._value++;
    this._wakeUpNext();
  }

  /** `using _ = yield* sem.hold();`: take a slot now, give it back when the block is left. */
  hold(): HoldCoro {
    return holdOf(this, this.acquire());
  }

  /** Wake the first waiter not woken yet, reserving a slot for it; false if there is none. */
  _wakeUpNext(): boolean {
    const waiters = this._waiters;
    for (let i = 0; i < waiters.length; i++) {
      const fut = waiters.at(i);
      if (!fut.done()) {
        this._value--;
        fut.setResult(true);
        return true;
      }
    }
    return false;
  }

  override toString(): string {
    const waiters = this._waiters.length;
    const state = this.locked() ? 'locked' : `unlocked, value:${this._value}`;
    return `<${this._name} [${state}${waiters > 0 ? `, waiters:${waiters}` : ''}]>`;
  }
}

/** A `Semaphore` whose `release()` refuses to go above the initial value (asyncio `BoundedSemaphore`; over-release is InvalidStateError here, ValueError there). */
export class BoundedSemaphore extends Semaphore {
  readonly _boundValue: number;

  constructor(value = 1) {
    super(value);
    this._boundValue = value;
  }

  /** Give a slot back; more releases than acquires throw `InvalidStateError`. */
  override release(): void {
    if (this._value >= this._boundValue) {
      throw new InvalidStateError(
        `BoundedSemaphore.release(): released too many times: the value is already ${this._value}, its initial value; ` +
          'release only what you acquired',
      );
    }
    super.release();
  }
}
