/**
 * livelock.ts: work while virtual time stands still ends in LivelockError past
 * `maxStepsPerInstant`, naming who spins.
 */
import {
  LivelockError,
  SimulationTimeoutError,
  createTask,
  getRunningLoop,
  simulate,
  sleep,
  type Coro,
  type SimulateOptions,
} from '@yieldio/core';
import { thrownBy } from './fixtures/helpers';



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
