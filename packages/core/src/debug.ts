/**
 * Debug mode: what it records and the mistakes it reports (asyncio `coroutines.py`,
 * `_is_debug_mode`, and `base_events.py` `set_debug`).
 *
 * Debug mode is on for a loop made with `{ debug: true }` (or `run(main(), { debug: true })`,
 * `loop.setDebug(true)`), and for every new loop when the environment has
 * `YIELDIO_DEBUG=1`, as `PYTHONASYNCIODEBUG=1` does for asyncio. The environment is read
 * where a `process` global exists only, so this module runs in browsers too.
 *
 * What it records: where futures and tasks were created (`sourceTracebacks`, printed
 * beside an error no one retrieved), and where the coroutines yieldio returns were
 * created. A coroutine does nothing until something drives it, so `sleep(1);` without
 * `yield*` is silently a no-op; asyncio reports "coroutine ... was never awaited" from the
 * interpreter. JavaScript has no such hook, so in debug mode `trackCoro` wraps the
 * coroutines yieldio hands out (`sleep`, `wait`, `lock.acquire()`, `q.get()`,
 * `reader.readline()`...) in a `CoroWrapper`, as asyncio 3.4-3.7 wrapped generator-based
 * coroutines in debug mode ("was never yielded from"). A wrapper garbage-collected, or
 * still alive when its loop closes, before its first step is reported to the loop's
 * exception handler with where it was created.
 *
 * Rejected: wrapping outside debug mode. A FinalizationRegistry entry per `sleep(0)`
 * would double the cost of W1's switch; outside debug mode `trackCoro` costs one read of
 * a module flag. Rejected too: a Proxy around generator objects (slower, and `yield*` on a
 * Proxy of a generator throws "incompatible receiver"). Rejected: keeping the Error and
 * reading its stack only at report time (V8 formats lazily): its captured frames hold
 * their receivers, the wrapper among them, so a forgotten coroutine would never be
 * collected and never reported. The string is made at once; debug mode pays for it.
 */
import type { Coro } from './coro';
import type { EventLoop } from './loop';
import { logger } from './log';
import { getRunningLoopOrNull } from './running';

/** Where futures and tasks were created, recorded in debug mode only; a WeakMap, so outside debug a task pays nothing. */
export const sourceTracebacks = new WeakMap<object, string>();

function readEnvironmentDebug(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.YIELDIO_DEBUG;
  return value !== undefined && value !== '' && value !== '0';
}

/** `YIELDIO_DEBUG` from the environment, read once (asyncio reads `PYTHONASYNCIODEBUG` once too). */
export const environmentDebug = readEnvironmentDebug();

/**
 * True once any loop has been in debug mode (or the environment asks for it): the one
 * check `trackCoro` makes outside debug mode. It never goes back to false; a loop turned
 * out of debug mode still makes `trackCoro` look at the running loop, which is cheap.
 */
let anyDebug = environmentDebug;

export function noteDebugLoop(): void {
  anyDebug = true;
}

/** created: not yet stepped; started: stepped (or closed) at least once; reported: said never awaited. */
type CoroRecordState = 'created' | 'started' | 'reported';

interface CoroRecord {
  readonly what: string;
  /** A coroutine never ran; a future (a gather) ran but no one took its outcome. */
  readonly kind: 'coroutine' | 'future';
  readonly sourceTraceback: string;
  /** Weak, so a forgotten coroutine does not keep a closed loop alive. */
  readonly loop: WeakRef<EventLoop> | null;
  state: CoroRecordState;
}

/** The records of a loop's coroutines not started yet, reported at close (see the note). */
const unstartedByLoop = new WeakMap<EventLoop, Set<CoroRecord>>();

const neverAwaitedRegistry = new FinalizationRegistry<CoroRecord>((record) => {
  if (record.state !== 'created') return;
  const loop = record.loop?.deref();
  if (loop !== undefined) unstartedByLoop.get(loop)?.delete(record);
  reportNeverAwaited(record, loop);
});

function reportNeverAwaited(record: CoroRecord, loop: EventLoop | undefined): void {
  record.state = 'reported';
  const message =
    record.kind === 'coroutine'
      ? `coroutine ${record.what}() was never awaited, so it never ran; await it: yield* ${record.what}(...), or run it alongside: createTask(${record.what}(...))`
      : `${record.what}() was never awaited, so its results and errors went nowhere; await it: yield* ${record.what}(...)`;
  if (loop !== undefined) {
    loop.callExceptionHandler({ message, sourceTraceback: record.sourceTraceback });
  } else {
    logger.warning(`${message}\nsourceTraceback:\n${record.sourceTraceback}`);
  }
}

/** At loop close (loop.ts): every coroutine of this loop created in debug mode and never started. */
export function reportUnstartedCoros(loop: EventLoop): void {
  const records = unstartedByLoop.get(loop);
  if (records === undefined) return;
  unstartedByLoop.delete(loop);
  for (const record of records) {
    if (record.state === 'created') reportNeverAwaited(record, loop);
  }
}

/**
 * In debug mode, wrap `coro` so that it is reported if it is never started; otherwise
 * return it as it is. `what` names the call that made it, as the user wrote it
 * (`'sleep'`, `'lock.acquire'`). For packages built on core: every coroutine a public
 * function or method returns goes through this. asyncio 3.4-3.7's debug-mode
 * `CoroWrapper` did the same.
 */
export function trackCoro<C extends Coro<unknown>>(coro: C, what: string): C {
  if (!anyDebug) return coro;
  const loop = getRunningLoopOrNull();
  if (loop === null ? !environmentDebug : !loop._debug) return coro;
  return CoroWrapper.watch(coro, what, loop) as unknown as C;
}

/**
 * Report `obj` if it is collected, or its loop closes, before `markAwaited` (the record
 * returned). For a coroutine (`CoroWrapper`) and a gather's future (gather.ts).
 */
export function watchNeverAwaited(obj: object, what: string, kind: 'coroutine' | 'future', loop: EventLoop | null): CoroRecord {
  const stack = new Error(`${kind} created here`).stack ?? '';
  // Drop the first frames (watchNeverAwaited and its caller: CoroWrapper.watch and trackCoro, or gather): the trace starts at the call that made it.
  const lines = stack.split('\n');
  const sourceTraceback = [lines[0], ...lines.slice(kind === 'coroutine' ? 4 : 3)].join('\n');
  const record: CoroRecord = { what, kind, sourceTraceback, loop: loop === null ? null : new WeakRef(loop), state: 'created' };
  neverAwaitedRegistry.register(obj, record, record);
  if (loop !== null) {
    let records = unstartedByLoop.get(loop);
    if (records === undefined) unstartedByLoop.set(loop, (records = new Set()));
    records.add(record);
  }
  return record;
}

/** `obj` was awaited (or started, or its outcome taken): nothing to report. */
export function markAwaited(record: CoroRecord): void {
  if (record.state !== 'created') return;
  record.state = 'started';
  neverAwaitedRegistry.unregister(record);
  const loop = record.loop?.deref();
  if (loop !== undefined) unstartedByLoop.get(loop)?.delete(record);
}

export type { CoroRecord };

/**
 * A coroutine that remembers whether it was ever started. `yield*` drives it through
 * `next`/`throw`/`return` like the generator it wraps, so it costs a call per step, in
 * debug mode only.
 */
export class CoroWrapper<T> {
  readonly #coro: Coro<T>;
  #record!: CoroRecord;

  private constructor(coro: Coro<T>) {
    this.#coro = coro;
  }

  /**
   * A wrapper around `coro`, watched. The creation stack is taken here, not in the
   * constructor: a constructor's frame has the new wrapper as its receiver, and a stack
   * trace's frames hold their receivers, so anything that keeps the frames (a test
   * runner's source-map hook) would keep the wrapper alive and it would never be reported.
   */
  static watch<T>(coro: Coro<T>, what: string, loop: EventLoop | null): CoroWrapper<T> {
    const wrapper = new CoroWrapper(coro);
    wrapper.#record = watchNeverAwaited(wrapper, what, 'coroutine', loop);
    return wrapper;
  }

  /** The call that made this coroutine, for messages: `sleep`, `lock.acquire`. */
  get what(): string {
    return this.#record.what;
  }

  #start(): void {
    markAwaited(this.#record);
  }

  next(value?: unknown): IteratorResult<unknown, T> {
    this.#start();
    return this.#coro.next(value);
  }

  throw(exc: unknown): IteratorResult<unknown, T> {
    this.#start();
    return this.#coro.throw(exc);
  }

  return(value: T): IteratorResult<unknown, T> {
    this.#start();
    return this.#coro.return(value);
  }

  [Symbol.iterator](): this {
    return this;
  }

  /**
   * `await sleep(1)` from async code: a Promise would adopt a coroutine as a plain value
   * and go on at once. A coroutine runs on a loop, so say so instead (debug mode only:
   * outside it the coroutine is not wrapped, and nothing can see the mistake).
   */
  then(_onFulfilled?: unknown, onRejected?: (reason: unknown) => unknown): Promise<never> {
    markAwaited(this.#record);
    const what = this.#record.what;
    const error = new TypeError(
      `coroutine ${what}() was awaited with await, which does not run it; inside a function* write yield* ${what}(...), ` +
        'and from async code run the coroutine on a loop: await run(main())',
    );
    const rejected = Promise.reject(error);
    return (typeof onRejected === 'function' ? rejected.catch(onRejected) : rejected) as Promise<never>;
  }

  toString(): string {
    return `<coroutine ${this.#record.what}()>`;
  }
}

/**
 * In debug mode, say that a body caught the cancellation that `who` (timeout, taskGroup)
 * sent it and went on: the scope could not stop it, and nothing else would have said so.
 */
export function warnSwallowedCancellation(loop: EventLoop, task: object, who: string, why: string): void {
  if (!loop._debug) return;
  loop.callExceptionHandler({
    message:
      `${who}: the body caught the CancelledError that ${why} and went on, so ${who} could not stop it; ` +
      'let cancellations through: catch (e) { rethrowIfCancelled(e); ... }',
    task,
  });
}

/**
 * In debug mode, remember where `obj` was created, for reports that name it (a lock in a
 * DeadlockError). `skip` is the constructor called: its frames and those above are left
 * out where the engine allows (V8's captureStackTrace), so the site is the user's line.
 * asyncio keeps such a site for futures and tasks (`_source_traceback`).
 */
export function noteCreationSite(obj: object, skip?: abstract new (...args: never[]) => unknown): void {
  if (!anyDebug) return;
  const loop = getRunningLoopOrNull();
  if (loop === null ? !environmentDebug : !loop._debug) return;
  const holder: { stack?: string } = {};
  const capture = (Error as { captureStackTrace?: (target: object, fn?: unknown) => void }).captureStackTrace;
  if (capture !== undefined) capture(holder, skip ?? noteCreationSite);
  else holder.stack = new Error().stack;
  sourceTracebacks.set(obj, holder.stack ?? '');
}

/** The first frame of a recorded creation site (`at file:line:col`), or undefined. */
export function creationSiteOf(obj: object): string | undefined {
  const stack = sourceTracebacks.get(obj);
  const frame = stack?.split('\n').find((line) => /^\s+at /.test(line));
  return frame?.trim().replace(/^at /, '');
}

/** Errors already given their yield* chain (the same error can be thrown into many awaiters). */
const chained = new WeakSet<object>();

/**
 * In debug mode, add to `exc.stack` the coroutine's own chain at the point where it is
 * thrown in: the `yield*` path from the task's coroutine down to where it waited. An
 * error made in a callback (a future failed by a timer, a socket, another task) has only
 * the loop's frames; but while a task throws it in, V8 runs the suspended generators
 * again, so their frames are on the stack of whatever iterator of ours receives it
 * (`yield* fut`'s iterator, a sleep). Called from there. Not possible for a bad `yield`:
 * the coroutine's own frame is innermost, and no code of ours runs inside it.
 */
export function addYieldChain(exc: unknown): void {
  if (!(exc instanceof Error) || chained.has(exc)) return;
  chained.add(exc);
  // `stackTraceLimit` is V8's (Node, Chromium), not the language's: elsewhere it is absent
  // and setting it does nothing.
  const v8Error = Error as { stackTraceLimit?: number };
  const limit = v8Error.stackTraceLimit;
  v8Error.stackTraceLimit = 50;
  const stack = new Error().stack ?? '';
  v8Error.stackTraceLimit = limit;
  const frames = stack.split('\n').slice(3);
  const end = frames.findIndex((line) => /\b_runStep\b/.test(line));
  const chain = (end < 0 ? frames : frames.slice(0, end)).filter((line) => !line.endsWith('(<anonymous>)'));
  if (chain.length === 0) return;
  try {
    exc.stack = `${exc.stack}\n    -- thrown into the coroutine at (innermost first):\n${chain.join('\n')}`;
  } catch {
    // A frozen error keeps its stack: the chain is a help, not a must.
  }
}
