/**
 * Stress program: a Lock and a Semaphore(2) taken in rounds by five workers, each acquire
 * bounded by a timeout some of the time (waitFor), while a canceller cancels workers at
 * random moments and replaces them. Durations are whole virtual seconds (0 is a bare
 * yield), so releases, wake-ups and cancellations pile up within one pass.
 *
 * Invariant, at every task step:
 *   - mutual exclusion: at most one holder of the lock, at most two of the semaphore;
 *   - the semaphore's count plus its holders is its size (nothing over- or under-counted);
 *   - no lost wake-up: while the semaphore has a free slot, no waiter still waits, and
 *     while the lock is free, the waiter at the head of its line has been woken (or
 *     cancelled, and its own cleanup will wake the next).
 * At the end: both free, every task finished.
 */
import { CancelledError, TimeoutError, createTask, gather, sleep, waitFor } from '@yieldio/core';
import type { Coro, Task } from '@yieldio/core';
import { Lock, Semaphore } from '@yieldio/sync';
import { expectThat, runRandom, step, watch } from './harness';

const SLOTS = 2;

interface WaitersInside {
  _waiters: { length: number; at(i: number): { done(): boolean } };
}

function waiting(primitive: Lock | Semaphore): boolean[] {
  const waiters = (primitive as unknown as WaitersInside)._waiters;
  const pending: boolean[] = [];
  for (let i = 0; i < waiters.length; i++) pending.push(!waiters.at(i).done());
  return pending;
}

export function* main(): Coro<void> {
  const rng = runRandom();
  const lock = new Lock();
  const semaphore = new Semaphore(SLOTS);
  const holders = { lock: 0, semaphore: 0 };

  watch(() => {
    expectThat(holders.lock <= 1, () => `${holders.lock} tasks hold the lock`);
    expectThat(holders.semaphore <= SLOTS, () => `${holders.semaphore} tasks hold a Semaphore(${SLOTS})`);
    const value = (semaphore as unknown as { _value: number })._value;
    // A holder counted here has its slot; a woken waiter not yet running has one reserved.
    const woken = (semaphore as unknown as { _waiters: { length: number; at(i: number): { done(): boolean; cancelled(): boolean } } })._waiters;
    let reserved = 0;
    for (let i = 0; i < woken.length; i++) if (woken.at(i).done() && !woken.at(i).cancelled()) reserved++;
    expectThat(value >= 0 && value + holders.semaphore <= SLOTS, () => `Semaphore count ${value} with ${holders.semaphore} holders and ${reserved} woken waiters, of ${SLOTS} slots`);
    // A newcomer queues behind a woken waiter even with a slot free (asyncio's FIFO rule);
    // the woken one wakes it when it runs. A waiter with nothing woken before it is lost.
    const line = waiting(semaphore);
    const firstPending = line.indexOf(true);
    expectThat(value === 0 || firstPending < 0 || line.slice(0, firstPending).some((pending) => !pending), () => `lost wake-up: the semaphore has ${value} free slot(s) while the head of its line waits`);
    const lockLine = waiting(lock);
    expectThat(lock.locked() || lockLine.length === 0 || !lockLine[0], () => 'lost wake-up: the lock is free while the head of its line waits');
  });

  function* holdFor(kind: 'lock' | 'semaphore', units: number): Coro<void> {
    holders[kind]++;
    try {
      yield* step(sleep(units));
    } finally {
      holders[kind]--;
    }
  }

  function* worker(): Coro<void> {
    for (let round = 0; round < 6; round++) {
      const kind = rng.int(2) === 0 ? 'lock' : 'semaphore';
      const primitive = kind === 'lock' ? lock : semaphore;
      try {
        if (rng.int(3) === 0) yield* step(waitFor(primitive.acquire(), rng.int(3)));
        else yield* step(primitive.acquire());
      } catch (exc) {
        if (exc instanceof TimeoutError) continue;
        throw exc;
      }
      try {
        yield* holdFor(kind, rng.pause(3));
      } finally {
        primitive.release();
      }
      yield* step(sleep(rng.pause(2)));
    }
  }

  const workers: Task<void>[] = [0, 1, 2, 3, 4].map(() => createTask(worker()));
  const all = [...workers];
  yield* step(
    gather([
      createTask(
        (function* (): Coro<void> {
          for (let round = 0; round < 5; round++) {
            yield* step(sleep(rng.pause(3)));
            const i = rng.int(workers.length);
            workers[i].cancel();
            workers[i] = createTask(worker());
            all.push(workers[i]);
          }
        })(),
      ),
    ]),
  );
  for (const task of all) {
    try {
      yield* step(task);
    } catch (exc) {
      if (!(exc instanceof CancelledError)) throw exc;
    }
  }
  const value = (semaphore as unknown as { _value: number })._value;
  expectThat(!lock.locked() && value === SLOTS, () => `at the end: lock ${lock.locked() ? 'held' : 'free'}, semaphore count ${value} of ${SLOTS}`);
}

export default (): Coro<void> => main();
