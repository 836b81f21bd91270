/**
 * The pass rule and done callbacks (issue #3): each pass runs exactly the callbacks that
 * were ready when it began, and what they schedule runs on the next pass; a future's done
 * callbacks and the tasks waiting on it are woken through the ready queue, in the order
 * they were added, never synchronously; timers with the same deadline fire in the order
 * they were scheduled, whenever they were scheduled. The expected orders are what
 * CPython's asyncio prints for the same program (checked on 3.11).
 */
import { createTask, gather, getRunningLoop, newVirtualEventLoop, simulate, sleep, type Coro, type EventLoop, type Future, type Task, type VirtualHost } from '@yieldio/core';

describe('done callbacks', () => {
  test('waiting tasks and done callbacks wake in registration order, on the pass after the result', () => {
    const log = simulate(
      (function* (): Coro<string[]> {
        const log: string[] = [];
        const loop = getRunningLoop();
        const fut = loop.createFuture<number>();
        function* waiter(name: string): Coro<void> {
          log.push(`${name} woke with ${yield* fut}`);
        }
        createTask(waiter('t1'));
        yield;
        fut.addDoneCallback(() => log.push('cb1'));
        createTask(waiter('t2'));
        yield;
        fut.addDoneCallback((f) => {
          log.push('cb2');
          f.addDoneCallback(() => log.push('cb3 added by cb2'));
          loop.callSoon(() => log.push('callSoon from cb2'));
        });
        loop.callSoon(() => log.push('before result'));
        fut.setResult(7);
        log.push('setResult returned');
        loop.callSoon(() => log.push('after result'));
        yield* sleep(0);
        yield* sleep(0);
        yield* sleep(0);
        return log;
      })(),
    );
    expect(log).toEqual([
      'setResult returned',
      'before result',
      't1 woke with 7',
      'cb1',
      't2 woke with 7',
      'cb2',
      'after result',
      'cb3 added by cb2',
      'callSoon from cb2',
    ]);
  });

  test('cancel() and setException() schedule the callbacks too, and never call them at once', () => {
    const loop = newVirtualEventLoop();
    try {
      const seen: string[] = [];
      const cancelled = loop.createFuture();
      const failed = loop.createFuture();
      cancelled.addDoneCallback((f) => seen.push(`cancelled: ${f.cancelled()}`));
      failed.addDoneCallback((f) => seen.push(`failed: ${(f.exception() as Error).message}`));
      cancelled.cancel();
      failed.setException(new Error('boom'));
      expect(seen).toEqual([]);
      loop.runUntilComplete(sleep(0));
      expect(seen).toEqual(['cancelled: true', 'failed: boom']);
    } finally {
      loop.close();
    }
  });

  test('removeDoneCallback of a callback already scheduled does not stop it', () => {
    // asyncio: set_result hands the callbacks to call_soon at once; removing one later
    // finds nothing to remove.
    const loop = newVirtualEventLoop();
    try {
      const ran: string[] = [];
      const fut = loop.createFuture();
      const cb = (): void => void ran.push('cb');
      fut.addDoneCallback(cb);
      fut.setResult(1);
      expect(fut.removeDoneCallback(cb)).toBe(0);
      loop.runUntilComplete(sleep(0));
      expect(ran).toEqual(['cb']);
    } finally {
      loop.close();
    }
  });
});

describe('one pass runs exactly what was ready when it began', () => {
  /** Run passes one at a time on a virtual loop that is not running. */
  function runPass(loop: EventLoop<VirtualHost>): void {
    loop.stop();
    loop.runForever();
  }

  test('callbacks scheduled during a pass, by callbacks or by futures completing, wait for the next', () => {
    const loop = newVirtualEventLoop();
    try {
      const log: string[] = [];
      const fut = loop.createFuture();
      fut.addDoneCallback(() => log.push('done callback'));
      loop.callSoon(() => {
        log.push('a');
        loop.callSoon(() => log.push('scheduled by a'));
        fut.setResult(null);
      });
      loop.callSoon(() => log.push('b'));
      runPass(loop);
      expect(log).toEqual(['a', 'b']);
      runPass(loop);
      expect(log).toEqual(['a', 'b', 'scheduled by a', 'done callback']);
    } finally {
      loop.close();
    }
  });

  test('under chaos a pass is still exactly the callbacks ready when it began', () => {
    // Five callbacks ready in one pass each schedule one more: whatever order chaos
    // picks, all five first ones run before any of the ones they scheduled.
    const firstRuns = new Set<string>();
    for (let seed = 0; seed < 30; seed++) {
      const log = simulate(
        (function* (): Coro<string[]> {
          const loop = getRunningLoop();
          const log: string[] = [];
          for (let i = 0; i < 5; i++) {
            loop.callSoon(() => {
              log.push(`first ${i}`);
              loop.callSoon(() => log.push(`second ${i}`));
            });
          }
          yield* sleep(0);
          yield* sleep(0);
          return log;
        })(),
        { chaos: true, seed },
      );
      expect([seed, log.slice(0, 5).every((entry) => entry.startsWith('first')), log.length]).toEqual([seed, true, 10]);
      firstRuns.add(log[0]);
    }
    // And chaos did reorder: not always the same callback first.
    expect(firstRuns.size).toBeGreaterThan(1);
  });
});

describe('timers with the same deadline', () => {
  test('fire in the order they were scheduled, even when scheduled at different times', () => {
    const fired = simulate(
      (function* (): Coro<string[]> {
        const loop = getRunningLoop();
        const fired: string[] = [];
        loop.callLater(2, () => fired.push('callLater(2) at 0'));
        loop.callAt(2, () => fired.push('callAt(2) at 0'));
        yield* sleep(1);
        loop.callLater(1, () => fired.push('callLater(1) at 1'));
        loop.callAt(2, () => fired.push('callAt(2) at 1'));
        loop.callLater(0.5, () => fired.push('callLater(0.5) at 1'));
        yield* sleep(5);
        return fired;
      })(),
    );
    expect(fired).toEqual(['callLater(0.5) at 1', 'callLater(2) at 0', 'callAt(2) at 0', 'callLater(1) at 1', 'callAt(2) at 1']);
  });

  test('a task woken by a timer runs a pass after the timer, with the callbacks that were ready', () => {
    const log = simulate(
      (function* (): Coro<string[]> {
        const loop = getRunningLoop();
        const log: string[] = [];
        const sleeper = createTask((function* (): Coro<void> {
          yield* sleep(1);
          log.push('sleeper woke');
        })());
        loop.callAt(1, () => log.push('timer at 1'));
        yield* sleep(0.5);
        loop.callAt(1, () => log.push('timer at 1, scheduled later'));
        yield* sleeper;
        return log;
      })(),
    );
    expect(log).toEqual(['timer at 1', 'timer at 1, scheduled later', 'sleeper woke']);
  });
});

describe('futures do not run callbacks of other loops', () => {
  test('a done callback runs on the loop of the future, in a pass of that loop', () => {
    const a = newVirtualEventLoop();
    const b = newVirtualEventLoop();
    try {
      const ranOn: string[] = [];
      const fut: Future<number> = a.createFuture();
      fut.addDoneCallback(() => ranOn.push(getRunningLoop() === a ? 'a' : 'other'));
      fut.setResult(1);
      b.runUntilComplete(sleep(0));
      expect(ranOn).toEqual([]);
      a.runUntilComplete(sleep(0));
      expect(ranOn).toEqual(['a']);
    } finally {
      a.close();
      b.close();
    }
  });
});

describe('a pass of more callbacks than one chunk of the ready queue (loop.ts: ReadyQueue)', () => {
  // The ready queue goes on in chunks of 4096 entries past its first 4096: these passes
  // cross several chunk boundaries, twice, so the chunks are reused.
  const COUNT = 10_000;

  function scheduleNumbered(loop: EventLoop, log: number[]): void {
    for (let i = 0; i < COUNT; i++) loop.callSoon(() => log.push(i));
  }

  test.each([false, true])('runs them all once, in the order they were scheduled (debug mode: %p)', (debug) => {
    const loop = newVirtualEventLoop();
    loop.setDebug(debug);
    try {
      for (let round = 0; round < 2; round++) {
        const log: number[] = [];
        scheduleNumbered(loop, log);
        loop.stop();
        loop.runForever();
        expect(log).toEqual(Array.from({ length: COUNT }, (_, i) => i));
      }
    } finally {
      loop.close();
    }
  });

  test.each([false, true])('under chaos, runs each once, in an order of its own, and the pass rule holds (debug mode: %p)', (debug) => {
    const log = simulate(
      (function* (): Coro<number[]> {
        const loop = getRunningLoop();
        loop.setDebug(debug);
        const log: number[] = [];
        for (let i = 0; i < COUNT; i++) {
          loop.callSoon(() => {
            log.push(i);
            loop.callSoon(() => log.push(COUNT + i));
          });
        }
        yield* sleep(0);
        yield* sleep(0);
        return log;
      })(),
      { chaos: true, seed: 7, maxStepsPerInstant: Infinity },
    );
    const first = log.slice(0, COUNT);
    expect(new Set(first).size).toBe(COUNT);
    expect(first.every((i) => i < COUNT)).toBe(true);
    expect(first).not.toEqual([...first].sort((a, b) => a - b));
    expect(new Set(log.slice(COUNT)).size).toBe(COUNT);
  });

  test('a loop closed with them ready drops them all', () => {
    const loop = newVirtualEventLoop();
    const log: number[] = [];
    scheduleNumbered(loop, log);
    loop.close();
    expect([log.length, loop._ready.length]).toEqual([0, 0]);
  });
});

describe('gather hears of each child where asyncio queues its done callback', () => {
  // asyncio (CPython 3.11 printed these traces; 3.12-3.14's tasks.gather schedules the
  // same per-child _done_callback with call_soon): a child that completes in pass N is
  // counted in pass N+1, at its own place in that pass, and the gather's callbacks are
  // queued from there. `t<i>` is a ticker task's i-th pass, `c<i>` child i completing.
  interface Child {
    yields: number;
    fails: boolean;
  }

  function trace(children: Child[], order: number[]): string {
    return simulate(
      (function* (): Coro<string> {
        const log: string[] = [];
        const ticker = createTask((function* (): Coro<void> {
          for (let i = 0; i < 40; i++) {
            log.push(`t${i}`);
            yield* sleep(0);
          }
        })());
        function* child(i: number, { yields, fails }: Child): Coro<number> {
          for (let k = 0; k < yields; k++) yield* sleep(0);
          log.push(`c${i}`);
          if (fails) throw new Error(`e${i}`);
          return i;
        }
        const tasks: Task<number>[] = new Array(children.length);
        for (const i of order) tasks[i] = createTask(child(i, children[i]));
        const g = gather(tasks);
        g.addDoneCallback(() => log.push('gdone'));
        try {
          log.push(`res ${(yield* g).join(',')}`);
        } catch (exc) {
          log.push(`err ${(exc as Error).message}`);
        }
        for (const task of tasks) {
          try {
            yield* task;
          } catch {
            // seen
          }
        }
        ticker.cancel();
        return log.join(' ');
      })(),
    );
  }

  const ok = (yields: number): Child => ({ yields, fails: false });
  const failing = (yields: number): Child => ({ yields, fails: true });

  test('the last child to complete is counted a pass later, so the gather ends a pass later', () => {
    expect(trace([ok(4), ok(2), ok(3), ok(1)], [1, 0, 3, 2])).toBe('t0 t1 c3 t2 c1 t3 c2 t4 c0 t5 t6 gdone res 0,1,2,3');
  });

  test("the failing child's callback runs at its own place in the pass, after tasks queued before it", () => {
    expect(trace([failing(0), failing(2), ok(0), failing(4), ok(0)], [4, 1, 2, 3, 0])).toBe(
      't0 c4 c2 c0 t1 t2 c1 gdone err e0 t3 t4 c3 t5',
    );
    expect(trace([ok(3), ok(1), failing(1)], [1, 0, 2])).toBe('t0 t1 c1 c2 t2 t3 c0 gdone err e2');
  });
});
