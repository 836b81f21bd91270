/**
 * Stress program: an Event, a Condition and a Barrier, each under chaos.
 *
 *   - Event: waiters (some with a timeout) wait while a setter sets and clears the flag at
 *     random moments. A waiter may return only if the flag was set since it began waiting.
 *   - Condition: producers append items and notify(1) under the lock; consumers take
 *     them with `waitFor(() => items.length > 0)`, and some are cancelled mid-wait
 *     (asyncio passes a notification a cancelled waiter got on, gh-112202).
 *   - Barrier(3): three tasks pass it round after round; none passes round r before all
 *     three arrived at round r.
 *
 * Invariant, at every task step: the Event's flag set means no waiter still waits; the
 * condition's lock has at most one holder and no item is lost or taken twice; no task
 * is past a barrier round that not every party reached. At the end: every item produced
 * was consumed once, every task finished.
 */
import { CancelledError, TimeoutError, createTask, gather, sleep, waitFor } from '@yieldio/core';
import type { Coro, Task } from '@yieldio/core';
import { Barrier, Condition, Event } from '@yieldio/sync';
import { expectThat, runRandom, step, watch } from './harness';

const PARTIES = 3;
const ROUNDS = 4;

export function* main(): Coro<void> {
  const rng = runRandom();
  const event = new Event();
  let sets = 0;
  const condition = new Condition();
  const items: number[] = [];
  let produced = 0;
  const consumed = new Set<number>();
  let lockHolders = 0;
  const barrier = new Barrier(PARTIES);
  const arrived = new Array<number>(ROUNDS).fill(0);
  const passed = new Array<number>(ROUNDS).fill(0);

  watch(() => {
    const eventWaiters = (event as unknown as { _waiters: { length: number; at(i: number): { done(): boolean } } })._waiters;
    let pending = 0;
    for (let i = 0; i < eventWaiters.length; i++) if (!eventWaiters.at(i).done()) pending++;
    expectThat(!event.isSet() || pending === 0, () => `lost wake-up: the Event is set while ${pending} waiter(s) wait`);
    expectThat(lockHolders <= 1, () => `${lockHolders} tasks hold the condition's lock`);
    expectThat(produced === consumed.size + items.length, () => `conservation: ${produced} produced, ${consumed.size} consumed, ${items.length} waiting`);
    for (let r = 0; r < ROUNDS; r++) {
      expectThat(passed[r] === 0 || arrived[r] === PARTIES, () => `${passed[r]} task(s) passed barrier round ${r} with ${arrived[r]} of ${PARTIES} arrived`);
    }
  });

  function* eventWaiter(): Coro<void> {
    for (let round = 0; round < 4; round++) {
      const before = sets;
      const wasSet = event.isSet();
      try {
        if (rng.int(2) === 0) yield* step(waitFor(event.wait(), 1 + rng.int(3)));
        else yield* step(event.wait());
        expectThat(wasSet || sets > before, () => 'Event.wait() returned though the flag was not set since it began');
      } catch (exc) {
        if (!(exc instanceof TimeoutError)) throw exc;
      }
      yield* step(sleep(rng.pause(2)));
    }
  }

  function* setter(): Coro<void> {
    for (let round = 0; round < 6; round++) {
      yield* step(sleep(rng.pause(3)));
      sets++;
      event.set();
      yield* step(sleep(rng.pause(2)));
      event.clear();
    }
    sets++;
    event.set();
  }

  function* producer(): Coro<void> {
    for (let i = 0; i < 5; i++) {
      yield* step(sleep(rng.pause(3)));
      yield* step(condition.acquire());
      lockHolders++;
      items.push(produced++);
      condition.notify(1);
      lockHolders--;
      condition.release();
    }
  }

  function* consumer(): Coro<void> {
    for (;;) {
      yield* step(condition.acquire());
      lockHolders++;
      try {
        // wait() lets the lock go while it waits, and holds it again when it returns or raises.
        lockHolders--;
        try {
          yield* step(condition.waitFor(() => items.length > 0 || produced === 10));
        } finally {
          lockHolders++;
        }
        if (items.length === 0) return;
        const item = items.shift()!;
        expectThat(!consumed.has(item), () => `item ${item} consumed twice`);
        consumed.add(item);
      } finally {
        lockHolders--;
        condition.release();
      }
      yield* step(sleep(rng.pause(2)));
    }
  }

  function* party(): Coro<void> {
    for (let r = 0; r < ROUNDS; r++) {
      yield* step(sleep(rng.pause(3)));
      arrived[r]++;
      yield* step(barrier.wait());
      passed[r]++;
    }
  }

  const steady = [createTask(consumer()), createTask(consumer())];
  const fragile: Task<void>[] = [createTask(consumer()), createTask(consumer())];
  const tasks = [
    ...[0, 1, 2].map(() => createTask(eventWaiter())),
    createTask(setter()),
    createTask(producer()),
    createTask(producer()),
    ...Array.from({ length: PARTIES }, () => createTask(party())),
  ];
  yield* step(sleep(rng.pause(4)));
  for (const task of fragile) if (rng.int(2) === 0) task.cancel();
  yield* step(gather(tasks));
  // Producers are done: wake whoever still waits, so they see the end.
  yield* step(condition.acquire());
  condition.notifyAll();
  condition.release();
  yield* step(gather(steady));
  for (const task of fragile) {
    try {
      yield* step(task);
    } catch (exc) {
      if (!(exc instanceof CancelledError)) throw exc;
    }
  }
  expectThat(consumed.size === 10 && items.length === 0, () => `at the end: ${consumed.size} of 10 items consumed, ${items.length} left`);
}

export default (): Coro<void> => main();
