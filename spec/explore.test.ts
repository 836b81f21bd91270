/**
 * explore() over the corpus of known races (spec/races.ts): each is found, shrunk to at
 * most as many departures from FIFO as it needs, and the printed repro replays it.
 * Plus the replay round trip over random programs (fast-check): run -> schedule ->
 * replay gives the same trace and the same printed schedule.
 */
import fc from 'fast-check';
import { Schedule, createTask, gather, simulate, sleep, type Coro } from '@yieldio/core';
import { ScheduleFailure, explore } from '@yieldio/sim';
import { races } from './races';

/** The schedule string on the last line of a failure's message. */
function reproSchedule(failure: ScheduleFailure): { seed: number; schedule: string } {
  const last = failure.message.split('\n').at(-1)!;
  const m = /^simulate\(main\(\), \{ seed: (\d+), schedule: ("[^"]*")(?:, network: \{.*\})? \}\)$/.exec(last);
  expect(m).not.toBeNull();
  return { seed: Number(m![1]), schedule: JSON.parse(m![2]!) as string };
}

function caught(fn: () => unknown): ScheduleFailure {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ScheduleFailure);
    return err as ScheduleFailure;
  }
  throw new Error('explore() found nothing');
}

/** The races the shrinker must cut to their preemptions (the three-phase one is for bench S4). */
const shrinkable = races.filter((race) => race.preemptions <= 2);

describe.each(shrinkable)('the race "$name"', (race) => {
  const { network } = race;
  test('passes in FIFO order', () => {
    expect(() => simulate(race.main())).not.toThrow();
    // And with every packet at the least latency of the race's network.
    if (network) expect(() => simulate(race.main(), { network, schedule: Schedule.guide('fifo', []) })).not.toThrow();
  });

  test.each(['random', 'pct'] as const)(`explore(%s) finds it and shrinks it to at most ${race.preemptions} departure(s) from FIFO`, (scheduler) => {
    const failure = caught(() => explore(() => race.main(), { runs: 2000, scheduler, network }));
    expect(Schedule.parse(failure.shrunk).departures).toBeLessThanOrEqual(race.preemptions);
    expect(Schedule.parse(failure.shrunk).departures).toBeGreaterThan(0);
    const { seed, schedule } = reproSchedule(failure);
    expect(seed).toBe(failure.seed);
    expect(schedule).toBe(failure.shrunk);
    // The printed line replays the same failure: same class, same message.
    let replayed: unknown;
    try {
      simulate(race.main(), { seed, schedule, network });
    } catch (err) {
      replayed = err;
    }
    const cause = failure.cause as Error;
    expect(replayed).toBeInstanceOf(cause.constructor);
    expect((replayed as Error).message).toBe(cause.message);
    // The recorded (unshrunk) schedule replays it too.
    expect(() => simulate(race.main(), { seed, schedule: failure.schedule, network })).toThrow(cause.message);
  });
});

test('the set overtaken by a get on another connection: shrunk to one packet slower than the least latency', () => {
  const race = races.find((r) => r.network !== undefined)!;
  const failure = caught(() => explore(() => race.main(), { runs: 200, scheduler: 'fifo', network: race.network }));
  expect((failure.cause as Error).message).toBe('reordered across connections: get color returned (none) after set color blue');
  const shrunk = Schedule.parse(failure.shrunk);
  expect(shrunk.departures).toBe(1);
  // The one departure is a latency draw of one microsecond above the least: the set's packet.
  expect(shrunk.values.filter((v) => v !== 0)).toEqual([1]);
  expect(failure.message.split('\n').at(-1)).toBe(
    `simulate(main(), { seed: ${failure.seed}, schedule: ${JSON.stringify(failure.shrunk)}, network: {"latency":[0.001,0.005]} })`,
  );
});

test('the three-phase race passes in FIFO order, and PCT of depth 4 finds it', () => {
  const race = races.find((r) => r.preemptions === 3)!;
  expect(() => simulate(race.main())).not.toThrow();
  const failure = caught(() => explore(() => race.main(), { runs: 20000, scheduler: 'pct', depth: 4 }));
  expect((failure.cause as Error).message).toBe('handover race: the follower led, then not, in 3 phases of 4 passes');
});

describe('explore()', () => {
  test('a program that never fails returns its runs and speed', () => {
    const result = explore(() => sleep(1), { runs: 50 });
    expect(result.runs).toBe(50);
    expect(result.failures).toBe(0);
    expect(result.seedsPerSecond).toBeGreaterThan(0);
  });

  test('the failure carries seed, schedules and cause, and its message ends with the line to paste', () => {
    const failure = caught(() => explore(() => races[0]!.main(), { seed: 100, runs: 500 }));
    expect(failure.seed).toBeGreaterThanOrEqual(100);
    expect((failure.cause as Error).message).toBe('lost update: balance is 1, expected 11');
    const lines = failure.message.split('\n');
    expect(lines[0]).toBe(
      `explore(): run ${failure.seed - 99} of 500 failed (seed ${failure.seed}, scheduler random): Error: lost update: balance is 1, expected 11`,
    );
    expect(lines.at(-1)).toBe(`simulate(main(), { seed: ${failure.seed}, schedule: ${JSON.stringify(failure.shrunk)} })`);
  });

  test('shrink: false keeps the recorded schedule', () => {
    const failure = caught(() => explore(() => races[0]!.main(), { runs: 500, shrink: false }));
    expect(failure.shrunk).toBe(failure.schedule);
  });

  test('works inside fc.assert: the failing property carries the line to paste', () => {
    let err: unknown;
    try {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 1000 }), (seed) => {
          explore(() => races[1]!.main(), { seed, runs: 200 });
        }),
        { numRuns: 3, seed: 7 },
      );
    } catch (e) {
      err = e;
    }
    const cause = (err as Error).cause as ScheduleFailure;
    expect(cause).toBeInstanceOf(ScheduleFailure);
    expect(cause.message.split('\n').at(-1)).toBe(`simulate(main(), { seed: ${cause.seed}, schedule: ${JSON.stringify(cause.shrunk)} })`);
  });

  test('a coroutine instead of a function is refused, saying what to pass', () => {
    expect(() => explore(races[0]!.main() as never)).toThrow(
      new TypeError(
        'explore(): expected a function that returns the coroutine, got a coroutine (a generator object), which can run only once; pass explore(() => main())',
      ),
    );
  });

  test.each([0, -3, 1.5])('runs %p is refused', (runs) => {
    expect(() => explore(() => sleep(0), { runs })).toThrow(new RangeError(`explore(): runs must be an integer >= 1, got ${runs} (a number)`));
  });

  test('an unknown option is refused, naming the known ones', () => {
    expect(() => explore(() => sleep(0), { rusn: 3 } as never)).toThrow(
      new TypeError('explore(): unknown option "rusn"; the options are runs, seed, scheduler, depth, network, until, shrink, maxStepsPerInstant'),
    );
  });

  test('a livelock is a failure like any other', () => {
    const failure = caught(() =>
      explore(
        () =>
          (function* (): Coro<void> {
            for (;;) yield;
          })(),
        { runs: 3, maxStepsPerInstant: 1000 },
      ),
    );
    expect((failure.cause as Error).name).toBe('LivelockError');
    expect(failure.message.split('\n').at(-1)).toBe(`simulate(main(), { seed: 0, schedule: "y1s:", maxStepsPerInstant: 1000 })`);
  });
});

describe('replay round trip (fast-check)', () => {
  /** A random program: tasks of bare yields, sleeps and Math.random draws, each step traced. */
  const program = fc.array(fc.array(fc.constantFrom('yield', 'sleep0', 'sleep1', 'random'), { maxLength: 6 }), { minLength: 1, maxLength: 5 });

  function run(shape: string[][], trace: string[]): Coro<void> {
    return (function* (): Coro<void> {
      const tasks = shape.map((ops, t) =>
        createTask(
          (function* (): Coro<void> {
            for (const op of ops) {
              if (op === 'yield') yield;
              else if (op === 'sleep0') yield* sleep(0);
              else if (op === 'sleep1') yield* sleep(1);
              else trace.push(`t${t} drew ${Math.random()}`);
              trace.push(`t${t} ${op}`);
            }
          })(),
        ),
      );
      yield* gather(tasks);
    })();
  }

  test('run -> schedule -> replay gives the same trace and the same printed schedule', () => {
    fc.assert(
      fc.property(program, fc.integer(), fc.constantFrom('fifo', 'random', 'pct'), (shape, seed, scheduler) => {
        const first: string[] = [];
        let schedule = '';
        simulate(run(shape, first), { seed, scheduler, onSchedule: (s) => (schedule = String(s)) });
        const again: string[] = [];
        let printed = '';
        simulate(run(shape, again), { seed: seed ^ 1, schedule, onSchedule: (s) => (printed = String(s)) });
        expect(again).toEqual(first);
        expect(printed).toBe(schedule);
      }),
      { seed: 12, numRuns: 200 },
    );
  });
});
