/**
 * schedule.ts: the recorded decision stream of a run and its replay (issue #12). The
 * schedulers, livelock detection and determinism of globals have their own files
 * (decisions, livelock, determinism .test.ts).
 */
import {
  Schedule,
  ScheduleDivergedError,
  createTask,
  gather,
  simulate,
  sleep,
  type Coro,
  type SimulateOptions,
} from '@yieldio/core';
import { thrownBy, fourWorkers, traced } from './fixtures/helpers';

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
