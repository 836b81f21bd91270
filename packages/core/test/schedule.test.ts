/**
 * Schedulers, the recorded decision stream and its replay, livelock detection, and
 * determinism of globals inside simulate() (issue #12; #18 defects 2 and 3 for simulate()).
 */
import {
  InvalidStateError,
  LivelockError,
  NondeterminismError,
  Schedule,
  ScheduleDivergedError,
  SimulationTimeoutError,
  createTask,
  gather,
  getRunningLoop,
  holdSimulatedGlobals,
  simulate,
  sleep,
  toThread,
  type Coro,
  type SimulateOptions,
} from '@yieldio/core';
import { thrownBy } from './fixtures/helpers';

/** Four tasks of three bare yields each; the trace is the order their steps ran. */
function* fourWorkers(trace: string[]): Coro<void> {
  const tasks = ['a', 'b', 'c', 'd'].map((name) =>
    createTask(
      (function* (): Coro<void> {
        for (let i = 0; i < 3; i++) {
          trace.push(`${name}${i}`);
          yield;
        }
      })(),
      { name },
    ),
  );
  yield* gather(tasks);
}

function traced(options: SimulateOptions): { trace: string[]; schedule: Schedule } {
  const trace: string[] = [];
  let schedule: Schedule | null = null;
  simulate(fourWorkers(trace), { ...options, onSchedule: (s) => (schedule = s) });
  return { trace, schedule: schedule! };
}

describe('schedulers', () => {
  const fifo = ['a0', 'b0', 'c0', 'd0', 'a1', 'b1', 'c1', 'd1', 'a2', 'b2', 'c2', 'd2'];

  test('fifo runs a pass in the order it was scheduled and records no scheduling decision', () => {
    const { trace, schedule } = traced({ seed: 5 });
    expect(trace).toEqual(fifo);
    expect(schedule.length).toBe(0);
    expect(String(schedule)).toBe('y1f:');
  });

  test.each(['random', 'pct'] as const)('%s reorders passes, the same seed the same way', (scheduler) => {
    const orders = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const { trace } = traced({ seed, scheduler });
      expect(traced({ seed, scheduler }).trace).toEqual(trace);
      expect([...trace].sort()).toEqual([...fifo].sort());
      orders.add(trace.join(' '));
    }
    expect(orders.size).toBeGreaterThan(5);
  });

  test('chaos: true is the random scheduler', () => {
    expect(traced({ seed: 3, chaos: true }).trace).toEqual(traced({ seed: 3, scheduler: 'random' }).trace);
  });

  test('a schedule of zeros is the FIFO order', () => {
    const { schedule } = traced({ seed: 1, scheduler: 'random' });
    const zeros = new Schedule('scheduled', schedule.values.map(() => 0), schedule.bounds);
    expect(traced({ schedule: String(zeros) }).trace).toEqual(fifo);
    expect(zeros.departures).toBe(0);
  });
});

describe('replaying a schedule', () => {
  test.each(['random', 'pct'] as const)('a %s run replays exactly from its printed schedule, with no scheduler given', (scheduler) => {
    for (let seed = 0; seed < 10; seed++) {
      const first = traced({ seed, scheduler });
      const again = traced({ seed: 999, schedule: String(first.schedule) });
      expect(again.trace).toEqual(first.trace);
      expect(String(again.schedule)).toBe(String(first.schedule));
    }
  });

  test('Math.random draws are decisions, replayed from the schedule', () => {
    const draws = (options: SimulateOptions): { values: number[]; schedule: string } => {
      let schedule = '';
      const values = simulate(
        (function* (): Coro<number[]> {
          yield* sleep(1);
          return [Math.random(), Math.random()];
        })(),
        { ...options, onSchedule: (s) => (schedule = String(s)) },
      );
      return { values, schedule };
    };
    const first = draws({ seed: 7 });
    expect(first.values[0]).not.toBe(first.values[1]);
    expect(draws({ seed: 7 })).toEqual(first);
    expect(draws({ seed: 8 }).values).not.toEqual(first.values);
    expect(draws({ schedule: first.schedule })).toEqual(first);
  });

  test('the printed form is compact: a FIFO pass of n callbacks is one item', () => {
    const s = new Schedule('scheduled', [0, 0, 0, 0, 0, 0, 2, 0], [4, 3, 2, 4, 3, 2, 5, 2]);
    expect(String(s)).toBe('y1s:4~*2,2.5,2');
    const back = Schedule.parse(String(s));
    expect(back.values).toEqual(s.values);
    expect(back.bounds).toEqual(s.bounds);
    expect(s.departures).toBe(1);
  });

  test('a schedule that no longer fits the program names the decision where it diverged', () => {
    const { schedule } = traced({ seed: 2, scheduler: 'random' });
    const trace: string[] = [];
    const err = thrownBy(() =>
      simulate(
        (function* (): Coro<void> {
          yield* fourWorkers(trace);
          yield* fourWorkers(trace); // the program grew: more decisions than recorded
        })(),
        { schedule: String(schedule) },
      ),
    ) as ScheduleDivergedError;
    expect(err).toBeInstanceOf(ScheduleDivergedError);
    expect(err.decision).toBe(schedule.length);
    expect(err.message).toBe(
      `simulate(): the schedule does not fit this program: the program asked for decision #${schedule.length} (a choice among 4), ` +
        `but the schedule has only ${schedule.length} decisions; the program changed since the schedule was printed (or is not deterministic): find the failure again with explore()`,
    );
  });

  test('a schedule with decisions left over at the end does not fit either', () => {
    const err = thrownBy(() => simulate(sleep(0), { schedule: 'y1f:2,3' })) as ScheduleDivergedError;
    expect(err.message).toMatch(/^simulate\(\): the schedule does not fit this program: the run ended after 0 decisions, but the schedule has 2;/);
  });

  test('a bound that changed names the decision', () => {
    const err = thrownBy(() =>
      simulate(
        (function* (): Coro<number> {
          return Math.random();
        })(),
        { schedule: 'y1f:1.3' },
      ),
    ) as ScheduleDivergedError;
    expect(err.message).toMatch(/at decision #0 the schedule chose 1 among 3, but the program now offers 4294967296 choices/);
  });

  test('a string this version did not print is refused, naming it', () => {
    expect(() => simulate(sleep(0), { schedule: 'abc' })).toThrow(
      new TypeError(
        'simulate(): schedule "abc" is not one this version of yieldio printed (it does not start with "y1f:" or "y1s:"); pass the schedule string exactly as explore() or onSchedule printed it',
      ),
    );
    expect(() => simulate(sleep(0), { schedule: 'y2s:3' })).toThrow(/it is version 2; this version reads version 1/);
    expect(() => simulate(sleep(0), { schedule: 'y1s:5.3' })).toThrow(/item "5.3" is out of range/);
    expect(() => simulate(sleep(0), { schedule: 'y1s:x!' })).toThrow(/item "x!" is not a decision/);
    expect(() => simulate(sleep(0), { schedule: 42 as never })).toThrow(
      new TypeError('simulate(): schedule must be the string explore() printed, got 42 (a number)'),
    );
  });

  test('a scheduler that contradicts the schedule is refused', () => {
    expect(() => simulate(sleep(0), { schedule: 'y1s:', scheduler: 'fifo' })).toThrow(
      new TypeError(
        "simulate(): the schedule was recorded with scheduler random or pct, but scheduler is 'fifo'; leave scheduler out when replaying a schedule",
      ),
    );
  });
});

describe('scheduler options are checked', () => {
  test('an unknown scheduler is refused, naming the ones there are', () => {
    expect(() => simulate(sleep(0), { scheduler: 'lifo' as never })).toThrow(
      new TypeError("simulate(): unknown scheduler \"lifo\" (a string); pass 'fifo', 'random' or 'pct'"),
    );
  });

  test.each([0, 1.5, '2'])('depth %p is refused', (depth) => {
    expect(() => simulate(sleep(0), { scheduler: 'pct', depth: depth as never })).toThrow(RangeError);
  });

  test('depth 0 says what depth means', () => {
    expect(() => simulate(sleep(0), { scheduler: 'pct', depth: 0 })).toThrow(
      new RangeError('simulate(): depth must be an integer >= 1 (PCT\'s bug depth: 1 + the number of priority change points), got 0 (a number)'),
    );
  });

  test('chaos with another scheduler is refused', () => {
    expect(() => simulate(sleep(0), { chaos: true, scheduler: 'pct' })).toThrow(
      new TypeError("simulate(): chaos: true means scheduler: 'random', but scheduler is 'pct'; pass one of them"),
    );
  });

  test('an unknown option is refused, naming it and the known ones (a misspelled seed no longer runs seed 0)', () => {
    expect(() => simulate(sleep(0), { chaos: true, sede: 3 } as never)).toThrow(
      new TypeError(
        'simulate(): unknown option "sede"; the options are seed, scheduler, depth, schedule, chaos, until, maxStepsPerInstant, network, onStep, onSchedule, checkDeterminism, debug, pctSteps',
      ),
    );
  });

  test('maxStepsPerInstant must be an integer >= 1', () => {
    expect(() => simulate(sleep(0), { maxStepsPerInstant: 0 })).toThrow(
      new RangeError('simulate(): maxStepsPerInstant must be an integer >= 1 (or Infinity to never stop a livelock), got 0 (a number)'),
    );
  });

  test('onSchedule must be a function', () => {
    expect(() => simulate(sleep(0), { onSchedule: 'x' as never })).toThrow(
      new TypeError('simulate(): onSchedule must be a function (schedule) => void, got "x" (a string)'),
    );
  });
});

describe('livelock: work while virtual time stands still ends in LivelockError', () => {
  function livelock(main: Coro<unknown>, options: SimulateOptions = {}): LivelockError {
    const started = Date.now();
    const err = thrownBy(() => simulate(main, options));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(err).toBeInstanceOf(LivelockError);
    return err as LivelockError;
  }

  test('for (;;) yield; names the task that spins', () => {
    const err = livelock(
      (function* (): Coro<void> {
        createTask(
          (function* (): Coro<void> {
            for (;;) yield;
          })(),
          { name: 'spinner' },
        );
        yield* sleep(1);
      })(),
    );
    expect(err.time).toBe(0);
    expect(err.spinning[0]!.what).toBe('task "spinner"');
    expect(err.message).toMatch(
      /^livelock at virtual time 0: 100001 task steps and callbacks ran while virtual time did not move \(maxStepsPerInstant is 100000\); what spins:\n {2}task "spinner": \d+ of the last steps\n/,
    );
  });

  test('under the random scheduler too, and the schedule of the livelocked run still replays it', () => {
    const spin = (): Coro<void> =>
      (function* (): Coro<void> {
        createTask(
          (function* (): Coro<void> {
            for (;;) yield;
          })(),
          { name: 'spinner' },
        );
        yield* sleep(1);
      })();
    let schedule = '';
    const err = thrownBy(() => simulate(spin(), { scheduler: 'random', seed: 3, maxStepsPerInstant: 5000, onSchedule: (s) => (schedule = String(s)) }));
    expect(err).toBeInstanceOf(LivelockError);
    expect((err as LivelockError).spinning[0]!.what).toBe('task "spinner"');
    const again = thrownBy(() => simulate(spin(), { schedule, maxStepsPerInstant: 5000 }));
    expect((again as Error).message).toBe((err as Error).message);
  });

  test('a sleep too small to move the clock is a same-instant step (sleep(1e-17) at t = 1), even with until', () => {
    const err = livelock(
      (function* (): Coro<void> {
        yield* sleep(1);
        for (;;) yield* sleep(1e-17);
      })(),
      { until: 100 },
    );
    expect(err.time).toBe(1);
    expect(err.spinning.map((s) => s.what)).toContain('task "Task-1"');
  });

  test('sleep(1) at t = 1e16 does not move the clock either', () => {
    const err = livelock(
      (function* (): Coro<void> {
        yield* sleep(1e16);
        for (;;) yield* sleep(1);
      })(),
    );
    expect(err.time).toBe(1e16);
  });

  test('a callback that re-schedules itself with callSoon is named', () => {
    const err = livelock(
      (function* (): Coro<void> {
        const loop = getRunningLoop();
        const again = (): void => {
          loop.callSoon(again);
        };
        loop.callSoon(again);
        yield* sleep(1);
      })(),
    );
    expect(err.spinning[0]!.what).toBe('callback again()');
  });

  test('maxStepsPerInstant sets the budget, and time that moves resets it', () => {
    const err = livelock(
      (function* (): Coro<void> {
        for (;;) yield;
      })(),
      { maxStepsPerInstant: 50 },
    );
    expect(err.message).toMatch(/^livelock at virtual time 0: 51 task steps/);
    // 1000 steps, each at a new instant: never more than one per instant.
    expect(
      simulate(
        (function* (): Coro<string> {
          for (let i = 0; i < 1000; i++) yield* sleep(0.001);
          return 'done';
        })(),
        { maxStepsPerInstant: 50 },
      ),
    ).toBe('done');
  });

  test('until still ends a run whose time goes on forever', () => {
    expect(() =>
      simulate(
        (function* (): Coro<void> {
          for (;;) yield* sleep(1);
        })(),
        { until: 10 },
      ),
    ).toThrow(SimulationTimeoutError);
  });
});

describe('determinism of globals inside simulate()', () => {
  function* usesGlobals(): Coro<string[]> {
    const out: string[] = [];
    out.push(`${Date.now()} ${new Date().toISOString()} ${performance.now()}`);
    const loop = getRunningLoop();
    const fired = loop.createFuture<void>();
    setTimeout(() => {
      out.push(`timeout at ${loop.time()} ${new Date().toISOString()}`);
      fired.setResult();
    }, 1500);
    const never = setTimeout(() => out.push('cleared'), 10);
    clearTimeout(never);
    let ticks = 0;
    const interval = setInterval(() => {
      out.push(`tick ${++ticks} at ${loop.time()}`);
      if (ticks === 2) clearInterval(interval);
    }, 400);
    setImmediate((x: string) => out.push(`immediate ${x} at ${loop.time()}`), 'arg');
    yield* fired;
    const bytes = crypto.getRandomValues(new Uint8Array(6));
    out.push(`${Math.random()} ${crypto.randomUUID()} ${Array.from(bytes).join(',')}`);
    return out;
  }

  test('Date, performance, timers and random run on the seed and the virtual clock', () => {
    const out = simulate(usesGlobals(), { seed: 4 });
    expect(out.slice(0, 5)).toEqual([
      '946684800000 2000-01-01T00:00:00.000Z 0',
      'immediate arg at 0',
      'tick 1 at 0.4',
      'tick 2 at 0.8',
      'timeout at 1.5 2000-01-01T00:00:01.500Z',
    ]);
    expect(out[5]).toMatch(/^0\.\d+ [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12} (\d+,){5}\d+$/);
    expect(simulate(usesGlobals(), { seed: 4 })).toEqual(out);
    expect(simulate(usesGlobals(), { seed: 5 })[5]).not.toBe(out[5]);
  });

  test('the globals are restored when simulate() returns and when it throws', () => {
    const saved = [Math.random, Date, Date.now, performance.now, setTimeout, clearTimeout, setInterval, setImmediate, crypto.getRandomValues];
    simulate(usesGlobals());
    expect(() =>
      simulate(
        (function* (): Coro<void> {
          yield* sleep(1);
          throw new Error('boom');
        })(),
      ),
    ).toThrow('boom');
    expect([Math.random, Date, Date.now, performance.now, setTimeout, clearTimeout, setInterval, setImmediate, crypto.getRandomValues]).toEqual(saved);
    expect(Object.getOwnPropertyNames(crypto)).not.toContain('getRandomValues');
    expect(Date.now()).toBeGreaterThan(Date.UTC(2020, 0, 1));
  });

  test('holdSimulatedGlobals keeps them installed across runs, real between runs, restored at release', () => {
    const realRandom = Math.random;
    const release = holdSimulatedGlobals();
    try {
      expect(Math.random).not.toBe(realRandom);
      expect(Date.now()).toBeGreaterThan(Date.UTC(2020, 0, 1)); // between runs: the real clock
      const inside = simulate(
        (function* (): Coro<number> {
          yield* sleep(2);
          return Date.now();
        })(),
      );
      expect(inside).toBe(946684800000 + 2000);
      expect(simulate((function* (): Coro<number> { return Math.random(); })(), { seed: 9 })).toBe(
        simulate((function* (): Coro<number> { return Math.random(); })(), { seed: 9 }),
      );
      const timer = setTimeout(() => undefined, 10_000);
      clearTimeout(timer); // a real timer, made and cleared between runs
    } finally {
      release();
    }
    expect(Math.random).toBe(realRandom);
  });

  test('a simulation run from inside another one\'s timer callback is refused, and the outer globals survive', () => {
    const seen = simulate(
      (function* (): Coro<string> {
        const loop = getRunningLoop();
        const done = loop.createFuture<string>();
        setTimeout(() => {
          const err = thrownBy(() => simulate(sleep(0)));
          done.setResult(`${(err as Error).name} ${Date.now()}`);
        }, 1000);
        return yield* done;
      })(),
    );
    expect(seen).toBe(`InvalidStateError ${946684800000 + 1000}`);
  });

  test('threads cannot be deterministic: NondeterminismError names the call', () => {
    const err = thrownBy(() => simulate(toThread(() => 1)));
    expect(err).toBeInstanceOf(NondeterminismError);
    expect(err).toBeInstanceOf(InvalidStateError);
    expect((err as Error).message).toMatch(/^toThread\(\): executors are not available inside simulate\(\)/);
  });

  test('fetch inside simulate() raises NondeterminismError', () => {
    if (typeof fetch !== 'function') return;
    expect(() =>
      simulate(
        (function* (): Coro<void> {
          void fetch('http://example.invalid/');
        })(),
      ),
    ).toThrow(
      new NondeterminismError(
        "fetch() inside simulate(): real network I/O cannot be made deterministic (its result would arrive on no virtual clock); use the simulated network (import '@yieldio/sim') or call it outside simulate()",
      ),
    );
  });
});

describe('checkDeterminism', () => {
  test('a deterministic program passes and returns its result', () => {
    expect(
      simulate(
        () =>
          (function* (): Coro<number> {
            yield* sleep(1);
            return Math.floor(Math.random() * 1000);
          })(),
        { seed: 3, checkDeterminism: true, scheduler: 'random' },
      ),
    ).toBe(simulate((function* (): Coro<number> { yield* sleep(1); return Math.floor(Math.random() * 1000); })(), { seed: 3, scheduler: 'random' }));
  });

  test('a module-level counter that survives between runs is caught, naming the first difference and the task', () => {
    let calls = 0;
    function* main(): Coro<void> {
      calls++;
      const worker = createTask(
        (function* (): Coro<void> {
          for (let i = 0; i < calls; i++) yield;
        })(),
        { name: 'worker' },
      );
      yield* worker;
    }
    expect(() => simulate(main, { checkDeterminism: true })).toThrow(
      new NondeterminismError(
        'simulate(): the same seed gave two different runs (checkDeterminism): event #3 differs:\n' +
          '  first run:  step of task "Task-1" at virtual time 0\n' +
          '  second run: step of task "worker" at virtual time 0\n' +
          'the program reads something that outlives a run (a module-level variable, a cache, real time or entropy from before simulate()): reset it at the start of main()',
      ),
    );
  });

  test('a coroutine instead of a function is refused, saying what to pass', () => {
    function* main(): Coro<void> {}
    expect(() => simulate(main(), { checkDeterminism: true } as never)).toThrow(
      new TypeError(
        'simulate(): checkDeterminism runs the program twice, so it needs a function that makes the coroutine, got a coroutine (a generator object); pass simulate(() => main(), { checkDeterminism: true })',
      ),
    );
  });
});
