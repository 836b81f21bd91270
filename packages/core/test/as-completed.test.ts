/**
 * asCompleted() when a waiter's task is cancelled in the same pass as the completion or
 * the timeout meant for it (#18 defect 1). CPython 3.11+ hands the completion to the next
 * waiter; yieldio once called setResult on the cancelled waiter, reported
 * InvalidStateError, dropped the completion and left the next waiter hanging.
 */
import { CancelledError, TimeoutError, asCompleted, createTask, getRunningLoop, simulate, sleep } from '@yieldio/core';
import type { Coro, ExceptionContext } from '@yieldio/core';

function* settle(task: Coro<unknown> | ReturnType<typeof createTask>): Coro<string> {
  try {
    yield* task as Coro<unknown>;
    return 'finished';
  } catch (exc) {
    return (exc as Error).name;
  }
}

/** Run `main` on the virtual clock, failing on anything the loop reports. */
function simulateQuietly<T>(main: () => Coro<T>): T {
  const reports: ExceptionContext[] = [];
  const result = simulate(
    (function* () {
      getRunningLoop().setExceptionHandler((_loop, ctx) => void reports.push(ctx));
      return yield* main();
    })(),
  );
  expect(reports.map((r) => r.message)).toEqual([]);
  return result;
}

describe('asCompleted() and cancellation in the same pass', () => {
  // Scenario: task a waits on next(); one callback completes f1 and cancels a. The done
  // callback that hands f1 out runs after a's waiter is cancelled: f1 must wait for the
  // next caller.
  it('a completion meant for a waiter cancelled in the same callback goes to the next caller', () => {
    const result = simulateQuietly(function* () {
      const loop = getRunningLoop();
      const f1 = loop.createFuture<string>();
      const f2 = loop.createFuture<string>();
      const it = asCompleted([f1, f2]);
      const a = createTask(it.next().value!);
      yield* sleep(0);
      loop.callLater(1, () => {
        f1.setResult('f1');
        a.cancel();
      });
      const aOutcome = yield* settle(a);
      return [aOutcome, yield* it.next().value!];
    });
    expect(result).toEqual(['CancelledError', 'f1']);
  });

  // Scenario: the same, completion first in the other order: a is cancelled, then f1
  // completes, both in one callback.
  it('a cancel then a completion in one callback loses nothing either', () => {
    const result = simulateQuietly(function* () {
      const loop = getRunningLoop();
      const f1 = loop.createFuture<string>();
      const it = asCompleted([f1, loop.createFuture<string>()]);
      const a = createTask(it.next().value!);
      const b = createTask(it.next().value!);
      yield* sleep(0);
      loop.callLater(1, () => {
        a.cancel();
        f1.setResult('f1');
      });
      return [yield* settle(a), yield* b];
    });
    expect(result).toEqual(['CancelledError', 'f1']);
  });

  // Scenario: a is handed f1 (its waiter has the result) and is cancelled before it
  // resumes. a's cleanup must pass f1 to b, which is already waiting.
  it('a waiter handed a completion and then cancelled passes it to the next waiter', () => {
    const result = simulateQuietly(function* () {
      const loop = getRunningLoop();
      const f1 = loop.createFuture<string>();
      const it = asCompleted([f1, loop.createFuture<string>()]);
      const a = createTask(it.next().value!);
      const b = createTask(it.next().value!);
      yield* sleep(0);
      // Registered after asCompleted's own callback, so it runs right after the hand-out.
      f1.addDoneCallback(() => a.cancel());
      loop.callLater(1, () => f1.setResult('f1'));
      return [yield* settle(a), yield* b, loop.time()];
    });
    expect(result).toEqual(['CancelledError', 'f1', 1]);
  });

  // Scenario: with timeout 1, a is cancelled by a timer due at t=1 scheduled before
  // asCompleted's own; the timeout then finds a's waiter cancelled and must still reach b.
  it('the timeout still reaches the second waiter when the first is cancelled at that instant', () => {
    const result = simulateQuietly(function* () {
      const loop = getRunningLoop();
      let a: ReturnType<typeof createTask> | null = null;
      loop.callAt(1, () => a!.cancel());
      const it = asCompleted([loop.createFuture<string>(), loop.createFuture<string>()], { timeout: 1 });
      a = createTask(it.next().value!);
      const b = createTask(it.next().value!);
      const outcomes = [yield* settle(a), yield* settle(b)];
      return [...outcomes, loop.time()];
    });
    expect(result).toEqual([CancelledError.name, TimeoutError.name, 1]);
  });
});
