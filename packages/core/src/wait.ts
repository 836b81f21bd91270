/**
 * wait(futures, { timeout, returnWhen }): wait until some or all are done, and return
 * `[done, pending]` (asyncio `tasks.wait`).
 *
 * `returnWhen` is FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED (the default).
 * A timeout returns what is done so far; it cancels nothing and raises nothing.
 * As in asyncio 3.11+, coroutines are refused: wrap them in tasks first, because wait
 * hands back the futures and a coroutine you never see as a task cannot be found in them.
 */
import type { Coro } from './coro';
import type { DoneCallback } from './future';
import { Future, setResultUnlessCancelled } from './future';
import { describe, isGenerator } from './repr';
import { getRunningLoop } from './running';
import { checkOptions } from './options';
import { trackCoro } from './debug';

/** `wait()` returns when any future finishes (asyncio `FIRST_COMPLETED`). */
export const FIRST_COMPLETED = 'FIRST_COMPLETED';
/** `wait()` returns when any future fails, or all finish (asyncio `FIRST_EXCEPTION`). */
export const FIRST_EXCEPTION = 'FIRST_EXCEPTION';
/** `wait()` returns when all futures finish (asyncio `ALL_COMPLETED`). */
export const ALL_COMPLETED = 'ALL_COMPLETED';
/** When `wait()` returns (asyncio's `return_when`). */
export type ReturnWhen = typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED;

/** Options of `wait()`: asyncio's `wait(aws, *, timeout=None, return_when=ALL_COMPLETED)`. */
export interface WaitOptions {
  /** Seconds; null or undefined waits as long as it takes. */
  timeout?: number | null;
  returnWhen?: ReturnWhen;
}

/** Wait for the futures in `fs` until `returnWhen` holds or `timeout` expires; returns `[done, pending]` (asyncio `wait`). Nothing is cancelled. */
export function wait<F extends Future<unknown>>(fs: Iterable<F>, options: WaitOptions = {}): Coro<[Set<F>, Set<F>]> {
  return trackCoro(waitCoro(fs, options), 'wait');
}

function* waitCoro<F extends Future<unknown>>(fs: Iterable<F>, options: WaitOptions): Coro<[Set<F>, Set<F>]> {
  checkOptions('wait()', options, ['timeout', 'returnWhen']);
  const { timeout = null, returnWhen = ALL_COMPLETED } = options;
  if (fs instanceof Future || isGenerator(fs) || typeof (fs as Iterable<F>)?.[Symbol.iterator] !== 'function') {
    throw new TypeError(`wait(): expected an array or set of futures/tasks, got ${describe(fs)}; for example wait([t1, t2])`);
  }
  const futures = new Set(fs);
  if (futures.size === 0) throw new RangeError('wait(): the set of futures is empty; pass at least one future or task');
  if (returnWhen !== FIRST_COMPLETED && returnWhen !== FIRST_EXCEPTION && returnWhen !== ALL_COMPLETED) {
    throw new RangeError(`wait(): returnWhen must be FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED, got ${describe(returnWhen)}`);
  }
  checkTimeout('wait', timeout);
  for (const f of futures) {
    if (!(f instanceof Future)) {
      throw new TypeError(
        isGenerator(f)
          ? 'wait(): passing coroutines is forbidden; wrap each in a task first: createTask(coro)'
          : `wait(): expected futures or tasks, got ${describe(f)}`,
      );
    }
  }
  const loop = getRunningLoop('wait');
  const waiter = loop.createFuture<undefined>({ description: `wait(${returnWhen})` });
  const timer = timeout === null ? null : loop._callAt(loop.time() + timeout, setResultUnlessCancelled as (...args: never[]) => unknown, [waiter, undefined], null);
  let counter = futures.size;
  const onCompletion = (f: Future<unknown>): void => {
    counter--;
    if (
      counter <= 0 ||
      returnWhen === FIRST_COMPLETED ||
      (returnWhen === FIRST_EXCEPTION && !f.cancelled() && f.exception() !== null)
    ) {
      timer?.cancel();
      if (!waiter.done()) waiter.setResult(undefined);
    }
  };
  for (const f of futures) f._addDoneCallback(onCompletion as DoneCallback<never>, null);
  try {
    yield* waiter;
  } finally {
    timer?.cancel();
    for (const f of futures) f.removeDoneCallback(onCompletion as DoneCallback<Future<unknown>>);
  }
  const done = new Set<F>();
  const pending = new Set<F>();
  for (const f of futures) (f.done() ? done : pending).add(f);
  return [done, pending];
}

export function checkTimeout(caller: string, timeout: unknown): void {
  if (timeout === null || timeout === undefined) return;
  if (typeof timeout !== 'number') {
    throw new TypeError(`${caller}(): timeout must be a number of seconds or null, got ${describe(timeout)}`);
  }
  if (Number.isNaN(timeout)) throw new RangeError(`${caller}(): timeout must be a number of seconds or null, got NaN`);
}
