/**
 * Barrier: a meeting point for a fixed number of tasks (asyncio `locks.py`, `Barrier`,
 * 3.11+, itself after `threading.Barrier`).
 *
 * Tasks call `wait()`; the `parties`-th arrival releases them all, and each gets its
 * arrival index (0 .. parties-1). A barrier is a cycle through four states, built, as in
 * asyncio, on a `Condition` whose lock guards them:
 *
 *     filling --last arrival--> draining --last one out--> filling
 *        |                                                   ^
 *        +--reset() with waiters--> resetting --last out-----+
 *     any --abort()--> broken --reset()--> filling (or resetting while tasks are in it)
 *
 * While it drains or resets, newcomers wait (`_block`) until the barrier is filling
 * again, so one cycle's tasks never mix with the next. Waiters of a reset or aborted
 * barrier get `BrokenBarrierError`; so does any `wait()` on a broken barrier.
 *
 * A cancelled waiter leaves exactly as in asyncio: its `wait()` re-acquires the
 * condition's lock, then it decrements the count and, if it was the last one in, moves
 * a draining or resetting barrier back to filling. Cancelling a waiter while the barrier
 * fills does not break the barrier; it just takes one arrival back (`nWaiting` drops).
 *
 * `reset()` and `abort()` are coroutines, as in asyncio: they take the condition's lock.
 */
import { noteCreationSite, trackCoro } from '@yieldio/core';
import type { Coro } from '@yieldio/core';
import { Condition } from './condition';
import { checkInteger } from './checks';
import { BrokenBarrierError } from './errors';

/** A barrier's state, as asyncio's `_BarrierState`: filling, draining, resetting or broken. */
export type BarrierState = 'filling' | 'draining' | 'resetting' | 'broken';

/** A barrier for a fixed number of tasks: each `wait()` blocks until `parties` tasks wait, then all go on together (asyncio `Barrier`, 3.11). */
export class Barrier {
  /** Its lock guards `_state` and `_count`; its notifications announce state changes. */
  readonly _cond = new Condition();
  readonly _parties: number;
  _state: BarrierState = 'filling';
  /** Tasks inside `wait()` (past `_block`), in any state. */
  _count = 0;

  constructor(parties: number) {
    checkInteger('Barrier()', 'parties', parties, 1, 'the number of tasks that must wait before all are released, for example new Barrier(3)');
    this._parties = parties;
    this._cond._waiterOf = this;
    this._cond._waitDescription = 'Barrier.wait()';
    noteCreationSite(this, new.target);
  }

  /** Wait until `parties` tasks are waiting; returns this task's arrival index. */
  wait(): Coro<number> {
    return trackCoro(this.#wait(), 'barrier.wait');
  }

  *#wait(): Coro<number> {
    using _ = yield* this._cond.hold();
    yield* this._block();
    try {
      const index = this._count++;
      if (index + 1 === this._parties) {
        this._release();
      } else {
        yield* this._wait();
      }
      return index;
    } finally {
      this._count--;
      this._exit();
    }
  }

  /** Break the barrier's cycle: current waiters get BrokenBarrierError; it fills again after. */
  *reset(): Coro<void> {
    using _ = yield* this._cond.hold();
    if (this._count > 0) {
      this._state = 'resetting';
    } else {
      this._state = 'filling';
    }
    this._cond.notifyAll();
  }

  /** Break the barrier for good (until `reset()`): every waiter, now or later, gets BrokenBarrierError. */
  *abort(): Coro<void> {
    using _ = yield* this._cond.hold();
    this._state = 'broken';
    this._cond.notifyAll();
  }

  /** How many tasks must wait to trip the barrier. */
  get parties(): number {
    return this._parties;
  }

  /** How many tasks wait now for the barrier to fill (0 unless it is filling). */
  get nWaiting(): number {
    return this._state === 'filling' ? this._count : 0;
  }

  /** True once `abort()` was called (until `reset()`). */
  get broken(): boolean {
    return this._state === 'broken';
  }

  /** Wait while the barrier drains or resets; then fail if it is broken. */
  *_block(): Coro<void> {
    yield* this._cond.waitFor(() => this._state !== 'draining' && this._state !== 'resetting');
    if (this._state === 'broken') {
      throw new BrokenBarrierError('Barrier.wait(): the barrier is broken (aborted); reset() it before waiting on it again');
    }
  }

  /** The last arrival: release everyone. */
  _release(): void {
    this._state = 'draining';
    this._cond.notifyAll();
  }

  /** Wait for the barrier to stop filling; fail if that was a reset or an abort. */
  *_wait(): Coro<void> {
    yield* this._cond.waitFor(() => this._state !== 'filling');
    if (this._state === 'broken' || this._state === 'resetting') {
      throw new BrokenBarrierError(
        `Barrier.wait(): the barrier was ${this._state === 'broken' ? 'aborted' : 'reset'} while this task waited`,
      );
    }
  }

  /** A task left `wait()`; the last one out lets the barrier fill again. */
  _exit(): void {
    if (this._count === 0) {
      if (this._state === 'resetting' || this._state === 'draining') this._state = 'filling';
      this._cond.notifyAll();
    }
  }

  /** `<Barrier [state, waiters:n/parties]>`, as asyncio's `repr`. */
  toString(): string {
    if (this._state === 'broken') return '<Barrier [broken]>';
    return `<Barrier [${this._state}, waiters:${this.nWaiting}/${this._parties}]>`;
  }
}
