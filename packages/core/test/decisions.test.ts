/**
 * decisions.ts: who orders the callbacks ready in a pass (`scheduler: 'fifo' | 'random' |
 * 'pct'`, `chaos`) and the checks of those options, on the virtual clock.
 */
import { Schedule, createTask, gather, simulate, sleep, type Coro, type SimulateOptions } from '@yieldio/core';
import { fourWorkers, traced } from './fixtures/helpers';

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
