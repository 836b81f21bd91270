/**
 * JavaScript's `catch (e)` also catches CancelledError, which Python's `except Exception`
 * would let through. isCancellation/rethrowIfCancelled make the right catch easy to
 * write, and the places that cancel (run()'s shutdown, timeout(), taskGroup) say when a
 * body swallowed what they sent, instead of hanging or going on without a word.
 */
import type { Coro, EventLoop, ExceptionContext } from '@yieldio/core';
import {
  CancelledError,
  TimeoutError,
  createTask,
  getRunningLoop,
  isCancellation,
  rethrowIfCancelled,
  simulate,
  sleep,
  taskGroup,
  timeout,
} from '@yieldio/core';
import { raises } from './fixtures/helpers';

function* collectReports(reports: ExceptionContext[]): Coro<void> {
  getRunningLoop().setExceptionHandler((_loop: EventLoop, context: ExceptionContext) => reports.push(context));
}

describe('isCancellation and rethrowIfCancelled', () => {
  test('isCancellation tells a CancelledError from any other error', () => {
    expect(isCancellation(new CancelledError())).toBe(true);
    expect(isCancellation(new TimeoutError())).toBe(false);
    expect(isCancellation(new Error('x'))).toBe(false);
    expect(isCancellation('cancelled')).toBe(false);
  });

  test('a catch-all that starts with rethrowIfCancelled lets the cancellation through and handles the rest', () => {
    const handled: unknown[] = [];
    function* worker(): Coro<void> {
      for (;;) {
        try {
          yield* sleep(1);
          throw new Error('flaky');
        } catch (e) {
          rethrowIfCancelled(e);
          handled.push((e as Error).message);
        }
      }
    }
    const outcome = simulate(
      (function* () {
        const task = createTask(worker());
        yield* sleep(2.5);
        task.cancel();
        const exc = yield* raises(() => task);
        return [exc instanceof CancelledError, getRunningLoop().time()];
      })(),
    );
    expect(outcome).toEqual([true, 2.5]);
    expect(handled).toEqual(['flaky', 'flaky']);
  });
});

describe('a task that ignores its cancellation at shutdown', () => {
  function* retriesForever(): Coro<void> {
    for (;;) {
      try {
        yield* sleep(1);
      } catch {
        // swallows everything, CancelledError too
      }
    }
  }

  test('is reported by name after the grace period, and the run ends instead of hanging', () => {
    const reports: ExceptionContext[] = [];
    const result = simulate(
      (function* () {
        yield* collectReports(reports);
        createTask(retriesForever(), { name: 'retrier' });
        yield* sleep(0.5);
        return 'main done';
      })(),
    );
    expect(result).toBe('main done');
    expect(reports.map((r) => r.message)).toEqual([
      '<Task cancelling name="retrier" waiting for <SleepFuture pending sleep()>> ignored its cancellation: 5 seconds after the tasks ' +
        'left at the end were cancelled, it has not finished (a catch that swallows CancelledError in a loop? a cleanup that ' +
        'waits for ever?); it is left behind and the loop closed. Let cancellations through: catch (e) { rethrowIfCancelled(e); ... }; ' +
        'run with { debug: true } to see where the task was created',
    ]);
  });

  test('in debug mode the report says where the task was created', () => {
    const reports: ExceptionContext[] = [];
    simulate(
      (function* () {
        yield* collectReports(reports);
        createTask(retriesForever(), { name: 'retrier' });
        yield* sleep(0.5);
      })(),
      { debug: true },
    );
    expect(reports).toHaveLength(1);
    expect(reports[0]!.message).not.toContain('run with { debug: true }');
    expect(String(reports[0]!.sourceTraceback)).toContain('swallowed-cancellation.test.ts');
  });

  test('a task whose cleanup is slow but finishes within the grace period is not reported', () => {
    const reports: ExceptionContext[] = [];
    let cleanedUp = false;
    simulate(
      (function* () {
        yield* collectReports(reports);
        createTask(
          (function* () {
            try {
              yield* sleep(100);
            } finally {
              yield* sleep(4);
              cleanedUp = true;
            }
          })(),
        );
        yield* sleep(0.5);
      })(),
    );
    expect(cleanedUp).toBe(true);
    expect(reports).toEqual([]);
  });
});

describe('timeout() and taskGroup warn in debug mode when the body swallowed their cancellation', () => {
  function* swallowingBody(): Coro<string> {
    try {
      yield* sleep(10);
    } catch {
      // swallowed
    }
    return 'went on';
  }

  test('timeout(): the body that catches the deadline goes on, and debug mode says so', () => {
    const reports: ExceptionContext[] = [];
    const result = simulate(
      (function* () {
        yield* collectReports(reports);
        return yield* timeout(1, swallowingBody);
      })(),
      { debug: true },
    );
    expect(result).toBe('went on');
    expect(reports.map((r) => r.message)).toEqual([
      'timeout(): the body caught the CancelledError that its deadline sent and went on, so timeout() could not stop it; ' +
        'let cancellations through: catch (e) { rethrowIfCancelled(e); ... }',
    ]);
  });

  test('timeout(): outside debug mode nothing is reported', () => {
    const reports: ExceptionContext[] = [];
    simulate(
      (function* () {
        yield* collectReports(reports);
        yield* timeout(1, swallowingBody);
      })(),
    );
    expect(reports).toEqual([]);
  });

  test('taskGroup: the body that catches the cancellation a failing child sent goes on, and debug mode says so', () => {
    const reports: ExceptionContext[] = [];
    const exc = simulate(
      (function* () {
        yield* collectReports(reports);
        return yield* raises(() =>
          taskGroup(function* (tg) {
            tg.createTask(
              (function* () {
                yield* sleep(1);
                throw new Error('child failed');
              })(),
            );
            return yield* swallowingBody();
          }),
        );
      })(),
      { debug: true },
    );
    expect((exc as Error).message).toBe('unhandled errors in a TaskGroup (1 sub-exception): Error: child failed');
    expect(reports.map((r) => r.message)).toEqual([
      'taskGroup(): the body caught the CancelledError that the group sent when a child failed and went on, so taskGroup() ' +
        'could not stop it; let cancellations through: catch (e) { rethrowIfCancelled(e); ... }',
    ]);
  });
});
