/**
 * Stress program: a bounded Queue with producers and consumers that give up on timeouts
 * (waitFor around put and get), a canceller that cancels consumers at random moments, and
 * a graceful shutdown once the producers are done.
 *
 * Invariant, at every task step:
 *   - conservation: every item put is got or still stored, never both, never lost;
 *   - the store never holds more than maxsize items;
 *   - no lost wake-up: while an unclaimed item is stored, no getter still waits;
 *   - no claim leaks: claims never outnumber the stored items.
 * At the end: every item put was got exactly once, and every task finished.
 *
 * Drive it with `simulate(program(), { seed, chaos: true })`, or `yieldio-sim sweep`.
 */
import { CancelledError, TimeoutError, createTask, gather, sleep, waitFor } from '@yieldio/core';
import type { Coro, Task } from '@yieldio/core';
import { Queue, QueueShutDown } from '@yieldio/queues';
import { InvariantError, expectThat, runRandom, step, watch } from './harness';

/** The queue's internals the invariant reads (test code may look inside). */
interface QueueInside {
  _items: { length: number };
  _claimed: number;
  _getters: { toArray(): Array<{ done(): boolean }> };
}

function pendingGetters(queue: Queue<number>): number {
  return (queue as unknown as QueueInside)._getters.toArray().filter((getter) => !getter.done()).length;
}

export function* main(): Coro<void> {
  const rng = runRandom();
  const maxsize = 1 + rng.int(3);
  const queue = new Queue<number>(maxsize);
  const inside = queue as unknown as QueueInside;
  const put = new Set<number>();
  const got = new Set<number>();

  watch(() => {
    const stored = inside._items.length;
    expectThat(put.size === got.size + stored, () => `conservation: ${put.size} put, ${got.size} got, ${stored} stored (${queue})`);
    expectThat(stored <= maxsize, () => `${stored} items stored in a queue of maxsize ${maxsize}`);
    expectThat(inside._claimed <= stored, () => `${inside._claimed} claims on ${stored} stored items (${queue})`);
    expectThat(queue.qsize() === 0 || pendingGetters(queue) === 0, () => `lost wake-up: ${queue.qsize()} unclaimed item(s) while ${pendingGetters(queue)} getter(s) wait (${queue})`);
  });

  function* producer(id: number): Coro<void> {
    for (let i = 0; i < 6; i++) {
      const item = id * 100 + i;
      try {
        // Recorded in the step that stores it (waitFor runs the put as a task of its own).
        yield* step(
          waitFor(
            (function* () {
              yield* queue.put(item);
              put.add(item);
            })(),
            rng.int(3) === 0 ? 0 : 1 + rng.int(3),
          ),
        );
      } catch (exc) {
        if (!(exc instanceof TimeoutError)) throw exc;
      }
      yield* step(sleep(rng.pause(2)));
    }
  }

  // Bounded, so a broken queue ends the run (with the invariant's error) rather than spin.
  function* consumer(): Coro<void> {
    for (let round = 0; round < 100; round++) {
      try {
        yield* step(
          waitFor(
            (function* () {
              const item = yield* queue.get();
              expectThat(put.has(item) && !got.has(item), () => `item ${item} got twice, or never put`);
              got.add(item);
            })(),
            1 + rng.int(4),
          ),
        );
      } catch (exc) {
        if (exc instanceof QueueShutDown) return;
        if (!(exc instanceof TimeoutError)) throw exc;
      }
      yield* step(sleep(rng.pause(2)));
    }
    throw new InvariantError('a consumer went 100 rounds without seeing the shutdown');
  }

  const producers = [0, 1, 2].map((id) => createTask(producer(id)));
  const consumers: Task<void>[] = [0, 1, 2].map(() => createTask(consumer()));
  // Cancel consumers at random moments; each is replaced so the queue keeps draining.
  const canceller = createTask(
    (function* (): Coro<void> {
      for (let round = 0; round < 4; round++) {
        yield* step(sleep(1 + rng.int(4)));
        const i = rng.int(consumers.length);
        consumers[i].cancel();
        consumers[i] = createTask(consumer());
      }
    })(),
  );
  yield* step(gather(producers));
  yield* step(gather([canceller]));
  queue.shutdown();
  for (const task of consumers) {
    try {
      yield* step(task);
    } catch (exc) {
      if (!(exc instanceof CancelledError)) throw exc;
    }
  }
  // The consumers drain the queue before QueueShutDown ends them; cancelled ones may
  // leave items behind, which getNowait still hands out after shutdown.
  for (;;) {
    try {
      const item = queue.getNowait();
      got.add(item);
    } catch (exc) {
      if (exc instanceof QueueShutDown) break;
      throw exc;
    }
  }
  expectThat(got.size === put.size && [...put].every((item) => got.has(item)), () => `at the end: ${put.size} put, ${got.size} got`);
}

export default (): Coro<void> => main();
