/**
 * Debug mode reports a coroutine yieldio made that was never started ("coroutine ...
 * was never awaited", asyncio's message from `coroutines.py`), with where it was made:
 * at loop close if it is still alive, or when it is garbage collected.
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import type { Coro, EventLoop, ExceptionContext } from '@yieldio/core';
import {
  createTask,
  gather,
  getRunningLoop,
  run,
  simulate,
  sleep,
  taskGroup,
  timeout,
  trackCoro,
  wait,
  waitFor,
  CancelledError,
  rethrowIfCancelled,
} from '@yieldio/core';
import { raises, collectReports } from './fixtures/helpers';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Run `main` on the virtual clock and return what reached the exception handler. */
function reportsOf(main: () => Coro<unknown>, debug = true): ExceptionContext[] {
  const reports: ExceptionContext[] = [];
  simulate(
    (function* () {
      getRunningLoop().setExceptionHandler((_loop: EventLoop, context: ExceptionContext) => reports.push(context));
      yield* main();
    })(),
    { debug },
  );
  return reports;
}

const SLEEP_MESSAGE =
  'coroutine sleep() was never awaited, so it never ran; await it: yield* sleep(...), or run it alongside: createTask(sleep(...))';

describe('never awaited', () => {
  test('a sleep() without yield* is reported at loop close with the line that made it', () => {
    let kept: unknown;
    const reports = reportsOf(function* forgetful() {
      kept = sleep(0.2);
      yield* sleep(1);
    });
    expect(kept).toBeDefined();
    expect(reports.map((r) => r.message)).toEqual([SLEEP_MESSAGE]);
    const trace = String(reports[0]!.sourceTraceback);
    expect(trace).toMatch(/^Error: coroutine created here\n\s+at sleep /);
    expect(trace).toContain('forgetful');
    expect(trace).toContain('debug.test.ts');
  });

  test('a coroutine never awaited and garbage collected is reported while the loop runs', async () => {
    const reports: ExceptionContext[] = [];
    const seenBeforeClose = await run(
      (function* () {
        getRunningLoop().setExceptionHandler((_loop: EventLoop, context: ExceptionContext) => reports.push(context));
        (function forget() {
          sleep(0.2);
          wait([]);
        })();
        // GC and the finalization callbacks are asynchronous: give them a few turns, for at
        // most 10 s (a gc() takes 0.1 to 0.3 s in a loaded jest worker), so that a miss fails
        // on the count below rather than on jest's timeout.
        const start = getRunningLoop().time();
        for (let turn = 0; turn < 100 && reports.length < 2 && getRunningLoop().time() - start < 10; turn++) {
          gc();
          yield* sleep(0.001);
        }
        return reports.length;
      })(),
      { debug: true },
    );
    expect(seenBeforeClose).toBe(2);
    expect(reports.map((r) => r.message).sort()).toEqual([
      SLEEP_MESSAGE,
      'coroutine wait() was never awaited, so it never ran; await it: yield* wait(...), or run it alongside: createTask(wait(...))',
    ]);
  });

  test('a gather() never awaited is reported: its children ran, but their results and errors went nowhere', () => {
    let kept: unknown;
    const reports = reportsOf(function* () {
      kept = gather(sleep(0.1), sleep(0.2));
      yield* sleep(1);
    });
    expect(kept).toBeDefined();
    expect(reports.map((r) => r.message)).toEqual([
      'gather() was never awaited, so its results and errors went nowhere; await it: yield* gather(...)',
    ]);
    expect(String(reports[0]!.sourceTraceback)).toContain('debug.test.ts');
  });

  test('a gather() awaited, or whose outcome was taken, is not reported', () => {
    const reports = reportsOf(function* () {
      yield* gather(sleep(0.1), sleep(0.2));
      const later = gather(sleep(0.1));
      yield* sleep(1);
      expect(later.result()).toEqual([undefined]);
    });
    expect(reports).toEqual([]);
  });

  test('coroutines that were awaited or started as tasks are not reported', () => {
    const reports = reportsOf(function* () {
      yield* sleep(0);
      yield* sleep(0.1);
      yield* waitFor(sleep(0.1), 1);
      yield* timeout(1, function* () {
        yield* sleep(0.1);
      });
      yield* taskGroup(function* (tg) {
        tg.createTask(sleep(0.1));
      });
      const task = createTask(sleep(0.1));
      yield* wait([task]);
    });
    expect(reports).toEqual([]);
  });

  test('a coroutine closed before it ran counts as handled', () => {
    const reports = reportsOf(function* () {
      sleep(1).return(undefined);
      yield* sleep(0);
    });
    expect(reports).toEqual([]);
  });

  test('outside debug mode the coroutine is returned as it is and nothing is reported', () => {
    let kept: unknown;
    const reports = reportsOf(function* () {
      kept = sleep(0.2);
      const coro = (function* () {})();
      expect(trackCoro(coro, 'mine')).toBe(coro);
      yield* sleep(0);
    }, false);
    expect((kept as object).constructor.name).not.toBe('CoroWrapper');
    expect(reports).toEqual([]);
  });

  test('trackCoro names the call it was given: packages report their own methods', () => {
    const reports = reportsOf(function* () {
      const coro = trackCoro((function* () {})(), 'queue.get');
      expect(String(coro)).toBe('<coroutine queue.get()>');
      yield* sleep(0);
    });
    expect(reports.map((r) => r.message)).toEqual([
      'coroutine queue.get() was never awaited, so it never ran; await it: yield* queue.get(...), or run it alongside: createTask(queue.get(...))',
    ]);
  });

  test('YIELDIO_DEBUG=1 in the environment puts new loops in debug mode', () => {
    const previous = process.env.YIELDIO_DEBUG;
    process.env.YIELDIO_DEBUG = '1';
    try {
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const core = require('@yieldio/core') as typeof import('@yieldio/core');
        expect(core.newVirtualEventLoop().getDebug()).toBe(true);
        expect(core.newVirtualEventLoop({ debug: false }).getDebug()).toBe(false);
      });
    } finally {
      if (previous === undefined) delete process.env.YIELDIO_DEBUG;
      else process.env.YIELDIO_DEBUG = previous;
    }
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
