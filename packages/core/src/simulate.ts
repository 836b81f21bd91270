/**
 * simulate(coro, options): run a program on the virtual clock, synchronously, and return
 * its result. Deterministic: the same program and seed give the same run, step for step.
 *
 *   - Time starts at 0 and jumps to the next timer whenever nothing is ready, so an hour
 *     of `sleep`s takes microseconds.
 *   - `seed`, `scheduler` (`'fifo'`, `'random'`, `'pct'` with `depth`; `chaos: true` is
 *     `'random'`): every choice of the run (the order of a pass's ready callbacks, each
 *     packet's fate, each `Math.random()`) is one recorded decision stream
 *     (decisions.ts). `onSchedule(schedule)` receives it when the run ends (returns or
 *     throws); `String(schedule)` passed back as `schedule` replays the run exactly, and
 *     a schedule that no longer fits the program raises `ScheduleDivergedError` naming
 *     the decision where it left it.
 *   - Globals run on the seed and the virtual clock while it runs (determinism.ts):
 *     `Math.random`, `crypto`, `Date`, `performance.now`, `setTimeout` and kin.
 *   - A program that can never finish throws `DeadlockError`, naming each blocked task and
 *     what it waits for, instead of hanging; `until` (virtual seconds) bounds a program
 *     that would run forever, with `SimulationTimeoutError`; one that spins while time
 *     stands still throws `LivelockError` past `maxStepsPerInstant` (livelock.ts).
 *   - `checkDeterminism: true` (given a function returning the coroutine) runs it twice
 *     and raises `NondeterminismError` at the first step or decision that differs.
 *   - `onStep(name, time)` is called before every task step: record it to compare traces.
 *
 * Like `run`, it cancels the tasks left when the main one is done and closes the loop.
 * Real I/O (sockets, subprocesses, Promises) cannot happen inside: the loop is synchronous.
 */
import type { Coro } from './coro';
import { newVirtualEventLoop } from './events';
import type { EventLoop } from './loop';
import { Runner } from './runners';
import type { VirtualHostOptions } from './virtual-host';
import type { VirtualHost } from './virtual-host';
import { getRunningLoopOrNull } from './running';
import { InvalidStateError, NondeterminismError } from './errors';
import { describe, isGenerator } from './repr';
import { describeCoroArgument } from './task';
import { installDeterminism } from './determinism';
import type { Schedule } from './schedule';

/** Options of `simulate()`: the virtual host's, and `debug`. No asyncio counterpart. */
export interface SimulateOptions extends VirtualHostOptions {
  debug?: boolean;
  /** Run twice (the program given as `() => main()`) and raise `NondeterminismError` where the runs differ. */
  checkDeterminism?: boolean;
  /** Called with the run's schedule when it ends, whether it returns or throws. */
  onSchedule?: (schedule: Schedule) => void;
}

const KNOWN_OPTIONS: readonly string[] = [
  'seed',
  'scheduler',
  'depth',
  'schedule',
  'chaos',
  'until',
  'maxStepsPerInstant',
  'network',
  'onStep',
  'onSchedule',
  'checkDeterminism',
  'debug',
  'pctSteps',
];

/** Run `coro` on a virtual clock, synchronously and deterministically, and return its result (no asyncio counterpart; the virtual-clock sibling of `run`). */
export function simulate<T>(coro: Coro<T>, options?: SimulateOptions): T;
export function simulate<T>(main: () => Coro<T>, options: SimulateOptions & { checkDeterminism: true }): T;
export function simulate<T>(coro: Coro<T> | (() => Coro<T>), options: SimulateOptions = {}): T {
  if (getRunningLoopOrNull() !== null) {
    throw new InvalidStateError('simulate(): cannot be called from a running event loop; await the coroutine instead: yield* coro');
  }
  checkOptions(options);
  if (options.checkDeterminism === true) {
    if (typeof coro !== 'function') {
      throw new TypeError(
        `simulate(): checkDeterminism runs the program twice, so it needs a function that makes the coroutine, got ${isGenerator(coro) ? 'a coroutine (a generator object)' : describeCoroArgument(coro)}; pass simulate(() => main(), { checkDeterminism: true })`,
      );
    }
    return runTwice(coro, options);
  }
  if (!isGenerator(coro)) {
    throw new TypeError(`simulate(): expected a coroutine, got ${describeCoroArgument(coro)}`);
  }
  return runSimulation(coro, options, null);
}

function checkOptions(options: SimulateOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`simulate(): options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.includes(key)) {
      throw new TypeError(`simulate(): unknown option ${JSON.stringify(key)}; the options are ${KNOWN_OPTIONS.join(', ')}`);
    }
  }
  const { onSchedule, checkDeterminism } = options;
  if (onSchedule !== undefined && typeof onSchedule !== 'function') {
    throw new TypeError(`simulate(): onSchedule must be a function (schedule) => void, got ${describe(onSchedule)}`);
  }
  if (checkDeterminism !== undefined && typeof checkDeterminism !== 'boolean') {
    throw new TypeError(`simulate(): checkDeterminism must be true or false, got ${describe(checkDeterminism)}`);
  }
}

function runSimulation<T>(coro: Coro<T>, options: SimulateOptions, trace: string[] | null): T {
  const { debug, onSchedule, checkDeterminism: _, ...hostOptions } = options;
  if (trace !== null) {
    const onStep = options.onStep;
    hostOptions.onStep = (name, time) => {
      trace.push(`step of task ${JSON.stringify(name)} at virtual time ${time}`);
      if (typeof onStep === 'function') onStep(name, time);
    };
  }
  const runner = new Runner<VirtualHost>({ loopFactory: () => newVirtualEventLoop(hostOptions), debug });
  const loop: EventLoop<VirtualHost> = runner.getLoop();
  const stream = loop.host.decisions;
  if (trace !== null) stream.trace = trace;
  const restore = installDeterminism(loop);
  let result: T;
  try {
    try {
      result = runner.run(coro);
    } catch (err) {
      closeQuietly(runner);
      throw err;
    }
    runner.close();
  } catch (err) {
    stream.finish();
    if (stream.diverged !== null && stream.diverged !== err) throw withCause(stream.diverged, err);
    throw err;
  } finally {
    restore();
    if (onSchedule !== undefined) onSchedule(stream.schedule());
  }
  stream.finish();
  if (stream.diverged !== null) throw stream.diverged;
  return result;
}

function withCause(err: Error, cause: unknown): Error {
  if (err.cause === undefined) Object.defineProperty(err, 'cause', { value: cause, writable: true, configurable: true });
  return err;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

function runTwice<T>(main: () => Coro<T>, options: SimulateOptions): T {
  const traces: string[][] = [[], []];
  const outcomes: Outcome<T>[] = [];
  for (const trace of traces) {
    try {
      const coro = main();
      if (!isGenerator(coro)) {
        throw new TypeError(`simulate(): the function given with checkDeterminism must return a coroutine, got ${describeCoroArgument(coro)}`);
      }
      outcomes.push({ ok: true, value: runSimulation(coro, options, trace) });
    } catch (error) {
      if (error instanceof TypeError && outcomes.length === 0 && trace.length === 0) throw error;
      outcomes.push({ ok: false, error });
    }
  }
  const [a, b] = traces as [string[], string[]];
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  if (i < n || a.length !== b.length) {
    const first = i < a.length ? a[i] : `the run ended after ${i} events`;
    const second = i < b.length ? b[i] : `the run ended after ${i} events`;
    throw new NondeterminismError(
      `simulate(): the same seed gave two different runs (checkDeterminism): event #${i} differs:\n` +
        `  first run:  ${first}\n  second run: ${second}\n` +
        'the program reads something that outlives a run (a module-level variable, a cache, real time or entropy from before simulate()): reset it at the start of main()',
    );
  }
  const outcome = outcomes[0]!;
  if (outcome.ok) return outcome.value;
  throw outcome.error;
}

/** After a failure: try to let the other tasks clean up, but report the first error. */
function closeQuietly(runner: Runner<VirtualHost>): void {
  try {
    runner.close();
  } catch {
    // Cleanup deadlocked too (tasks that wait on each other can't be cancelled out of it):
    // abandon them; the original error says what went wrong.
    const loop = runner._loop;
    if (loop !== null && !loop.isRunning()) loop.close();
  }
}
