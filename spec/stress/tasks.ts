/**
 * Stress program: trees of tasks joined by asCompleted (with and without a timeout),
 * waitFor, shield, wait (each returnWhen) and gather, while a canceller cancels jobs and
 * leaves at random moments. Leaves sleep whole virtual seconds (0 is a bare yield) and
 * return or fail, so completions, timeouts and cancellations meet in one pass: the race
 * that once made asCompleted lose a completion (#18).
 *
 * Invariant, at every task step:
 *   - the loop reported nothing (an InvalidStateError in a callback is how a completion
 *     handed to a cancelled waiter showed; unretrieved leaf errors aside);
 *   - each leaf's `finally` ran at most once;
 *   - asCompleted hands out each leaf's outcome at most once, and no more outcomes than
 *     leaves;
 *   - wait() returns every future it was given, split into done and not done.
 * At the end: every leaf that started ran its `finally` exactly once, every shielded leaf
 * finished on its own (a cancelled shield does not cancel what it shields), and every
 * task finished.
 */
import {
  ALL_COMPLETED,
  CancelledError,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  TimeoutError,
  asCompleted,
  createTask,
  currentTask,
  gather,
  getRunningLoop,
  shield,
  sleep,
  wait,
  waitFor,
} from '@yieldio/core';
import type { Coro, Task } from '@yieldio/core';
import { expectThat, runRandom, step, watch } from './harness';

class LeafError extends Error {
  override name = 'LeafError';
}

/** A leaf's failure or cancellation, as opposed to this job's own cancellation. */
function isLeafOutcome(exc: unknown): boolean {
  if (exc instanceof LeafError) return true;
  return exc instanceof CancelledError && (currentTask()?.cancelling() ?? 0) === 0;
}

export function* main(): Coro<void> {
  const rng = runRandom();
  const loop = getRunningLoop();
  const reports: string[] = [];
  loop.setExceptionHandler((_loop, context) => {
    if (!/never retrieved/.test(context.message)) reports.push(`${context.message}: ${String(context.exception)}`);
  });
  const started = new Set<number>();
  const finals = new Map<number, number>();
  const shielded: Task<number>[] = [];
  const leaves: Task<number>[] = [];
  let nextId = 0;

  watch(() => {
    expectThat(reports.length === 0, () => `the loop reported: ${reports.join('; ')}`);
    for (const [id, count] of finals) expectThat(count <= 1, () => `leaf ${id} ran its finally ${count} times`);
  });

  function* leafBody(id: number, units: number, fails: boolean): Coro<number> {
    started.add(id);
    try {
      yield* step(sleep(units));
      if (fails) throw new LeafError(`leaf ${id}`);
      return id;
    } finally {
      finals.set(id, (finals.get(id) ?? 0) + 1);
    }
  }

  function leaf(): Task<number> {
    const task = createTask(leafBody(nextId++, rng.pause(4), rng.int(4) === 0));
    leaves.push(task);
    return task;
  }

  function* viaAsCompleted(): Coro<void> {
    const children = [leaf(), leaf(), leaf()];
    const seen = new Set<Task<number>>();
    const timeout = rng.int(2) === 0 ? null : 1 + rng.int(3);
    const it = asCompleted(children, { timeout });
    let outcomes = 0;
    for (const next of it) {
      try {
        const value = yield* step(next);
        const child = children.find((c) => c.done() && !c.cancelled() && c.exception() === null && c.result() === value)!;
        expectThat(!seen.has(child), () => `asCompleted handed out leaf ${value} twice`);
        seen.add(child);
      } catch (exc) {
        if (exc instanceof TimeoutError) break;
        if (!isLeafOutcome(exc)) throw exc;
      }
      outcomes++;
      expectThat(outcomes <= children.length, () => `asCompleted gave ${outcomes} outcomes for ${children.length} leaves`);
    }
  }

  function* viaWait(): Coro<void> {
    const children = [leaf(), leaf(), leaf()];
    const returnWhen = ([FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED] as const)[rng.int(3)];
    const timeout = rng.int(2) === 0 ? null : rng.int(3);
    const [done, pending] = yield* step(wait(children, { returnWhen, timeout }));
    expectThat(done.size + pending.size === children.length, () => `wait() returned ${done.size} done and ${pending.size} pending of ${children.length}`);
    for (const f of done) expectThat(f.done(), () => 'wait() put a future that is not done in done');
    for (const f of pending) expectThat(!f.done(), () => 'wait() put a done future in pending');
    for (const f of children) {
      try {
        yield* step(f);
      } catch (exc) {
        if (!isLeafOutcome(exc)) throw exc;
      }
    }
  }

  function* viaWaitFor(): Coro<void> {
    try {
      yield* step(waitFor(leaf(), rng.int(4)));
    } catch (exc) {
      if (!(exc instanceof TimeoutError) && !(exc instanceof LeafError)) throw exc;
    }
  }

  function* viaShield(): Coro<void> {
    const inner = leaf();
    shielded.push(inner);
    try {
      yield* step(shield(inner));
    } catch (exc) {
      if (!(exc instanceof LeafError)) throw exc;
    }
  }

  function* viaGather(): Coro<void> {
    const results = yield* step(gather([leaf(), leaf()], { returnExceptions: true }));
    expectThat(results.length === 2, () => `gather returned ${results.length} results for 2`);
  }

  const shapes = [viaAsCompleted, viaWait, viaWaitFor, viaShield, viaGather];
  const jobs: Task<void>[] = [];
  for (let i = 0; i < 8; i++) jobs.push(createTask(shapes[rng.int(shapes.length)]()));
  const canceller = createTask(
    (function* (): Coro<void> {
      for (let round = 0; round < 6; round++) {
        yield* step(sleep(rng.pause(3)));
        if (rng.int(2) === 0) jobs[rng.int(jobs.length)].cancel();
        else if (leaves.length > 0) {
          const target = leaves[rng.int(leaves.length)];
          if (!shielded.includes(target)) target.cancel();
        }
      }
    })(),
  );
  for (const task of [...jobs, canceller]) {
    try {
      yield* step(task);
    } catch (exc) {
      if (!(exc instanceof CancelledError) && !(exc instanceof LeafError)) throw exc;
    }
  }
  for (const task of leaves) {
    try {
      yield* step(task);
    } catch (exc) {
      if (!(exc instanceof CancelledError) && !(exc instanceof LeafError)) throw exc;
    }
  }
  for (const id of started) expectThat(finals.get(id) === 1, () => `leaf ${id} started but ran its finally ${finals.get(id) ?? 0} times`);
  for (const inner of shielded) expectThat(!inner.cancelled(), () => 'a shielded leaf was cancelled with its shield');
}

export default (): Coro<void> => main();
