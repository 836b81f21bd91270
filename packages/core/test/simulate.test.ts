/**
 * simulate(): the virtual clock as a user drives it (issue #3, "simulate(coro, { seed,
 * chaos, until })"). Time starts at 0 and jumps; a stuck program throws a DeadlockError
 * that reads as a wait-for graph instead of hanging; `until` bounds a program that would
 * run forever; the same seed gives the same trace, and `chaos` really reorders a pass.
 * Bad options are refused at the call, with the value and what to pass instead.
 */
import {
  CancelledError,
  DeadlockError,
  InvalidStateError,
  Runner,
  SimulationTimeoutError,
  createTask,
  currentTask,
  gather,
  getEventLoop,
  getRunningLoop,
  newVirtualEventLoop,
  simulate,
  sleep,
  type Coro,
  type VirtualHost,
  NondeterminismError,
} from '@yieldio/core';
import { thrownBy } from './fixtures/helpers';


describe('the virtual clock', () => {
  test('time starts at 0 and an hour of sleeping takes no real time', () => {
    const wallStart = performance.now();
    const times = simulate(
      (function* (): Coro<number[]> {
        const loop = getRunningLoop();
        const seen = [loop.time()];
        yield* sleep(3600);
        seen.push(loop.time());
        yield* sleep(0.5);
        seen.push(loop.time());
        return seen;
      })(),
    );
    expect(times).toEqual([0, 3600, 3600.5]);
    expect(performance.now() - wallStart).toBeLessThan(1000);
  });

  test('simulate() returns the result synchronously and throws the error of main', () => {
    expect(simulate((function* (): Coro<string> {
      yield* sleep(1);
      return 'done';
    })())).toBe('done');
    const boom = new RangeError('boom');
    expect(thrownBy(() => simulate((function* (): Coro<void> {
      yield* sleep(1);
      throw boom;
    })()))).toBe(boom);
  });

  test('each simulation has a clock of its own, starting at 0 again', () => {
    function* now(): Coro<number> {
      yield* sleep(5);
      return getRunningLoop().time();
    }
    expect([simulate(now()), simulate(now())]).toEqual([5, 5]);
  });
});

describe('until', () => {
  function* ticker(): Coro<void> {
    for (;;) yield* sleep(1);
  }

  test('a program that would run forever stops at until, naming the tasks still running', () => {
    const exc = thrownBy(() =>
      simulate(
        (function* (): Coro<void> {
          createTask(ticker(), { name: 'ticker' });
          yield* getRunningLoop().createFuture({ description: 'shutdown' });
        })(),
        { until: 10 },
      ),
    );
    expect(exc).toBeInstanceOf(SimulationTimeoutError);
    const timeout = exc as SimulationTimeoutError;
    expect(timeout.name).toBe('SimulationTimeoutError');
    expect(timeout.time).toBe(10);
    const [header, mainLine, tickerLine, ...rest] = timeout.message.split('\n');
    expect([header, mainLine, rest]).toEqual([
      'simulate(): virtual time reached until=10 with 2 task(s) still running:',
      '  task "Task-1" waits for <Future pending shutdown>',
      [],
    ]);
    // What a sleep's future looks like is the sleep's business; that it is named is ours.
    expect(tickerLine).toMatch(/^ {2}task "ticker" waits for <\w*Future pending .*sleep/);
    expect(timeout.running.map(({ task }) => task.getName())).toEqual(['Task-1', 'ticker']);
  });

  test('a timer due exactly at until still fires; only a later one stops the run', () => {
    expect(simulate((function* (): Coro<number> {
      yield* sleep(5);
      return getRunningLoop().time();
    })(), { until: 5 })).toBe(5);
    expect(thrownBy(() => simulate(sleep(5.5), { until: 5 }))).toBeInstanceOf(SimulationTimeoutError);
  });

  test('the tasks still running at until are cancelled, and their cleanup runs', () => {
    const finallies: number[] = [];
    thrownBy(() =>
      simulate(
        (function* (): Coro<void> {
          try {
            for (;;) yield* sleep(1);
          } finally {
            finallies.push(getRunningLoop().time());
          }
        })(),
        { until: 3 },
      ),
    );
    expect(finallies).toEqual([3]);
  });
});

describe('seed and chaos', () => {
  /** Names of the tasks in the order their first steps ran. */
  function firstRound(options: { seed?: number; chaos?: boolean }): string[] {
    const trace: string[] = [];
    simulate(
      (function* (): Coro<void> {
        const tasks = Array.from({ length: 6 }, (_, i) => createTask(sleep(0), { name: `t${i}` }));
        yield* gather(tasks);
      })(),
      { ...options, onStep: (name) => name !== 'Task-1' && trace.length < 6 && trace.push(name) },
    );
    return trace;
  }

  const fifo = ['t0', 't1', 't2', 't3', 't4', 't5'];

  test('without chaos the order is FIFO, whatever the seed', () => {
    for (const seed of [0, 1, 42, -7]) expect(firstRound({ seed })).toEqual(fifo);
  });

  test('with chaos, the same seed gives the same order, and seeds differ', () => {
    const orders = new Map<string, number>();
    for (let seed = 0; seed < 20; seed++) {
      const order = firstRound({ seed, chaos: true });
      expect(firstRound({ seed, chaos: true })).toEqual(order);
      expect([...order].sort()).toEqual(fifo);
      orders.set(order.join(' '), seed);
    }
    // 720 orders are possible; 20 seeds that all gave one order would mean no shuffling.
    expect(orders.size).toBeGreaterThan(10);
  });

  test('onStep sees every step with the virtual time it runs at', () => {
    const trace: string[] = [];
    simulate(
      (function* (): Coro<void> {
        const child = createTask((function* (): Coro<void> {
          yield* sleep(1.5);
        })(), { name: 'child' });
        yield* sleep(1);
        yield* child;
      })(),
      { onStep: (name, time) => trace.push(`${time} ${name}`) },
    );
    expect(trace).toEqual(['0 Task-1', '0 child', '1 Task-1', '1.5 child', '1.5 Task-1']);
  });
});

describe('simulate() bad input', () => {
  test('a generator function instead of a coroutine is refused, saying to call it', () => {
    function* main(): Coro<void> {}
    expect(() => simulate(main as never)).toThrow(
      new TypeError('simulate(): expected a coroutine, got generator function main; call it to get a coroutine: main()'),
    );
  });

  test('a seed that is not an integer is refused', () => {
    expect(() => simulate(sleep(0), { seed: 1.5 })).toThrow(new TypeError('simulate(): seed must be an integer, got 1.5'));
  });

  test('until must be a number of virtual seconds >= 0', () => {
    expect(() => simulate(sleep(0), { until: -1 })).toThrow(
      new RangeError('simulate(): until must be a number of virtual seconds >= 0, got -1'),
    );
    expect(() => simulate(sleep(0), { until: NaN })).toThrow(
      new RangeError('simulate(): until must be a number of virtual seconds >= 0, got NaN'),
    );
  });

  test('simulate() inside a running loop is refused: await the coroutine instead', () => {
    const exc = simulate(
      (function* (): Coro<unknown> {
        const inner = (function* (): Coro<void> {})();
        try {
          simulate(inner);
        } catch (err) {
          return err;
        }
        return null;
      })(),
    );
    expect(exc).toEqual(
      new InvalidStateError('simulate(): cannot be called from a running event loop; await the coroutine instead: yield* coro'),
    );
  });

  test('an executor is refused inside simulate(), saying why', () => {
    const exc = simulate(
      (function* (): Coro<unknown> {
        try {
          getRunningLoop().runInExecutor(null, () => 1);
        } catch (err) {
          return err;
        }
        return null;
      })(),
    );
    expect(exc).toBeInstanceOf(InvalidStateError);
    expect((exc as Error).message).toMatch(/^runInExecutor\(\): executors are not available inside simulate\(\)/);
  });
});

describe('a cancelled main task', () => {
  test('simulate() throws the CancelledError of a main task cancelled by another task', () => {
    const exc = thrownBy(() =>
      simulate(
        (function* (): Coro<void> {
          const main = currentTask()!;
          createTask((function* (): Coro<void> {
            yield* sleep(1);
            main.cancel('stop now');
          })());
          yield* sleep(10);
        })(),
      ),
    );
    expect(exc).toBeInstanceOf(CancelledError);
    expect((exc as Error).message).toBe('stop now');
  });
});

describe('a cleanup that deadlocks still closes the loop (asyncio Runner.close: try/finally)', () => {
  function* leavesAStubbornTask(): Coro<string> {
    createTask((function* (): Coro<void> {
      try {
        yield* sleep(100);
      } finally {
        yield* getRunningLoop().createFuture({ description: 'cleanup that never ends' });
      }
    })(), { name: 'stubborn' });
    yield* sleep(1);
    return 'main done';
  }

  test('simulate() throws the DeadlockError and leaves no current event loop behind', () => {
    const exc = thrownBy(() => simulate(leavesAStubbornTask()));
    expect(exc).toBeInstanceOf(DeadlockError);
    expect((exc as Error).message).toMatch(/task "stubborn" waits for <Future pending cleanup that never ends>/);
    expect(() => getEventLoop()).toThrow(/^getEventLoop\(\): there is no current event loop/);
  });

  test('Runner.close() throws the DeadlockError, and the runner and its loop are closed anyway', () => {
    const runner = new Runner<VirtualHost>({ loopFactory: () => newVirtualEventLoop() });
    expect(runner.run(leavesAStubbornTask())).toBe('main done');
    const loop = runner.getLoop();
    expect(() => runner.close()).toThrow(DeadlockError);
    expect(loop.isClosed()).toBe(true);
    expect(() => runner.getLoop()).toThrow(/^Runner: the runner is closed/);
    expect(() => getEventLoop()).toThrow(/^getEventLoop\(\): there is no current event loop/);
  });
});

describe('simulate() options of the wrong type are refused at the call, naming the value', () => {
  test('onStep must be a function', () => {
    expect(() => simulate(sleep(1), { onStep: 5 as never })).toThrow(
      new TypeError('simulate(): onStep must be a function (taskName, time) => void, got 5 (a number)'),
    );
  });

  test('a string until or seed is a TypeError that shows the string as a string', () => {
    expect(() => simulate(sleep(0), { until: '5' as never })).toThrow(
      new TypeError('simulate(): until must be a number of virtual seconds >= 0, got "5" (a string)'),
    );
    expect(() => simulate(sleep(0), { seed: '5' as never })).toThrow(
      new TypeError('simulate(): seed must be an integer, got "5" (a string)'),
    );
  });
});

describe('an onStep observer that throws', () => {
  test('stops the simulation with its own error, not a report about the task it observed', () => {
    const boom = new Error('observer broke');
    let steps = 0;
    const exc = thrownBy(() =>
      simulate(
        (function* (): Coro<void> {
          for (;;) yield* sleep(1);
        })(),
        {
          onStep: () => {
            if (++steps === 3) throw boom;
          },
        },
      ),
    );
    expect(exc).toBe(boom);
    expect(steps).toBeGreaterThanOrEqual(3);
  });
});

describe('the simulator seam: a network factory and the run\'s decisions', () => {
  test('network options without a simulator installed are refused, saying what to import', () => {
    expect(() => simulate(sleep(0), { network: { latency: 0.01 } })).toThrow(
      new TypeError("simulate(): network options need the simulated network; import '@yieldio/sim' first, or pass a Network object"),
    );
    expect(() => simulate(sleep(0), { network: 5 as never })).toThrow(
      new TypeError('simulate(): network must be a Network, an options object for the simulated network, or null, got 5 (a number)'),
    );
  });

  test('decide() draws from the seed: the same seed gives the same choices, 0 for a single option', () => {
    const draws = (seed: number): number[] => {
      const host = newVirtualEventLoop({ seed }).host;
      return [host.decide(1), ...Array.from({ length: 20 }, () => host.decide(1000))];
    };
    expect(draws(7)).toEqual(draws(7));
    expect(draws(7)).not.toEqual(draws(8));
    expect(draws(7)[0]).toBe(0);
    expect(draws(7).every((n) => Number.isInteger(n) && n >= 0 && n < 1000)).toBe(true);
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
