/**
 * ThreadPoolExecutor: a bounded pool of `worker_threads` that runs functions off the
 * loop's thread (Python's `concurrent.futures.ThreadPoolExecutor`, as asyncio's default
 * executor uses it). It implements core's `Executor` seam (packages/core/src/executor.ts).
 *
 * Threads start lazily, one per job until `maxWorkers` (default
 * `min(os.availableParallelism(), 4)`, Python's `min(32, cpus + 4)` scaled down because a
 * worker thread here is a whole V8 isolate, not a light OS thread); further jobs wait in a
 * FIFO queue. A job is `fn`'s source text (only the first time a thread sees it, an id
 * after) plus structured-cloned arguments (see worker-source.ts); the reply settles the
 * job's Promise, with an error rebuilt under its own name and message, and the thread
 * takes the next job.
 *
 * A busy thread keeps the process alive (`ref`), an idle one does not (`unref`), so a pool
 * no one shut down never holds the process open. `shutdown()` refuses new work, lets the
 * running and queued jobs finish (Python's `shutdown(wait=True)`), then terminates the
 * threads. A thread that dies (an uncaught asynchronous error, `process.exit`) fails its
 * job and is replaced on demand. Nothing stops a running job: a cancelled task only drops
 * the result (asyncio's behaviour, and a thread cannot be interrupted safely).
 *
 * Rejected: a pool library (piscina, workerpool). Their unit of work is a module file
 * loaded by path, while `toThread(fn)` has a function value: we would ship a worker file
 * to evaluate source anyway, plus a dependency for a queue of a few dozen lines.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { InvalidStateError, describeValue } from '@yieldio/core';
import type { Executor } from '@yieldio/core';
import { WORKER_SOURCE } from './worker-source';

/**
 * running: takes work; shuttingDown: finishing what it has; shutdown: threads terminated.
 * As the shutdown flags of Python's `concurrent.futures.ThreadPoolExecutor`.
 */
export type ExecutorState = 'running' | 'shuttingDown' | 'shutdown';

/** Options of `new ThreadPoolExecutor(options)`, as the keyword arguments of Python's `concurrent.futures.ThreadPoolExecutor`. */
export interface ThreadPoolExecutorOptions {
  /** Most threads at once; default `min(os.availableParallelism(), 4)`. */
  maxWorkers?: number;
}

/** What `submit` learns once per function value (W8: it read and checked the source text on every call). */
interface FnInfo {
  readonly source: string;
  /** The pool's number for `source`: a thread that has compiled it gets this instead of the text. */
  readonly sourceId: number;
  /** How errors name the function: `function heavy`. */
  readonly label: string;
}

interface Job {
  readonly id: number;
  readonly source: string;
  readonly sourceId: number;
  readonly args: unknown[];
  /** How errors name the function: `function heavy`. */
  readonly label: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
}

interface PoolThread {
  readonly worker: Worker;
  /** Invariant: null exactly when the thread is in `#idle` (or has exited). */
  job: Job | null;
  /**
   * W8: the source ids this thread has been sent, so a job carries `{ fn: sourceId }`
   * instead of the whole text each time (the plain code: `{ source, args }` on every job).
   * Cleared of an id whose source failed to compile, so the next job sends the text again.
   */
  readonly sent: Set<number>;
}

/** What worker-source.ts posts for a failed job. */
type WorkerError =
  | {
      isError: true;
      name: string;
      message: string;
      stack?: string;
      compile: boolean;
      missing: string | null;
      /** The error's own fields that could be cloned (`code`, `errno`, `path`...). */
      props: Record<string, unknown>;
      cause?: WorkerError;
      /** An AggregateError's members. */
      errors?: WorkerError[];
      /** Set when the function's result, or what it threw, could not be cloned: this is the DataCloneError. */
      uncloned: 'result' | 'exception' | null;
    }
  | { isError: false; value: unknown };

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WorkerError };

const ERROR_CLASSES: Record<string, new (message: string, options?: { cause?: unknown }) => Error> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** The default `maxWorkers`: `min(os.availableParallelism(), 4)`, where Python's `ThreadPoolExecutor` takes `min(32, os.cpu_count() + 4)`. */
export function defaultMaxWorkers(): number {
  return Math.max(1, Math.min(availableParallelism(), 4));
}

/** A pool of worker threads that runs functions for `toThread` and `runInExecutor` (Python `concurrent.futures.ThreadPoolExecutor`). */
export class ThreadPoolExecutor implements Executor {
  readonly maxWorkers: number;
  #state: ExecutorState = 'running';
  readonly #threads = new Set<PoolThread>();
  readonly #idle: PoolThread[] = [];
  /** Jobs waiting for a thread, oldest first. */
  readonly #queue: Job[] = [];
  #nextId = 0;
  /** W8: function value -> source, id and label, read once (plain code: `toString` and the checks per call). */
  readonly #fnInfo = new WeakMap<Function, FnInfo>();
  /** Source text -> its id, shared by every thread (the thread keeps compiled functions by id). */
  readonly #sourceIds = new Map<string, number>();
  #shutdown: Promise<void> | null = null;
  #drained: (() => void) | null = null;

  constructor(options: ThreadPoolExecutorOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError(`ThreadPoolExecutor(): options must be an object such as { maxWorkers: 4 }, got ${describeValue(options)}`);
    }
    for (const key in options) {
      if (key !== 'maxWorkers') throw new TypeError(`ThreadPoolExecutor(): unknown option ${JSON.stringify(key)}; known options: maxWorkers`);
    }
    const { maxWorkers = defaultMaxWorkers() } = options;
    if (!Number.isInteger(maxWorkers) || maxWorkers < 1) {
      throw new RangeError(`ThreadPoolExecutor(): maxWorkers must be an integer >= 1, got ${describeValue(maxWorkers)}`);
    }
    this.maxWorkers = maxWorkers;
  }

  get state(): ExecutorState {
    return this.#state;
  }

  /** Threads alive now (started lazily, terminated by `shutdown()`). */
  get threadCount(): number {
    return this.#threads.size;
  }

  submit<A extends unknown[], R>(fn: (...args: A) => R, args: A): Promise<Awaited<R>> {
    if (this.#state !== 'running') {
      throw new InvalidStateError(`ThreadPoolExecutor.submit(): cannot take new work after shutdown() (state: ${this.#state})`);
    }
    if (typeof fn !== 'function') {
      throw new TypeError(`ThreadPoolExecutor.submit(): expected a function, got ${describeValue(fn)}`);
    }
    if (!Array.isArray(args)) {
      throw new TypeError(`ThreadPoolExecutor.submit(): expected an array of arguments, got ${describeValue(args)}`);
    }
    const { source, sourceId, label } = this.#fnInfo.get(fn) ?? this.#learn(fn);
    return new Promise<Awaited<R>>((resolve, reject) => {
      const job: Job = { id: this.#nextId++, source, sourceId, args, label, resolve: resolve as (value: unknown) => void, reject };
      const thread = this.#idle.pop() ?? (this.#threads.size < this.maxWorkers ? this.#startThread() : null);
      if (thread === null) this.#queue.push(job);
      else this.#send(thread, job);
    });
  }

  /** Read `fn`'s source once, check it can be sent, and remember it (W8). */
  #learn(fn: Function): FnInfo {
    const source = Function.prototype.toString.call(fn);
    const name = fn.name.replace(/^bound /, '').trim();
    const label = name ? `function ${name}` : 'the function';
    if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
      throw new TypeError(
        `ThreadPoolExecutor.submit(): ${label} is built in or bound, so it has no source text to send to a thread; ` +
          'wrap it in a self-contained function: (x) => Math.sqrt(x)',
      );
    }
    let sourceId = this.#sourceIds.get(source);
    if (sourceId === undefined) {
      sourceId = this.#sourceIds.size;
      this.#sourceIds.set(source, sourceId);
    }
    const info: FnInfo = { source, sourceId, label };
    this.#fnInfo.set(fn, info);
    return info;
  }

  /** Take no new work, let submitted work finish, then terminate the threads. */
  shutdown(): Promise<void> {
    if (this.#shutdown !== null) return this.#shutdown;
    this.#state = 'shuttingDown';
    this.#shutdown = new Promise<void>((resolve) => {
      this.#drained = resolve;
      this.#checkDrained();
    }).then(async () => {
      const threads = [...this.#threads];
      this.#threads.clear();
      this.#idle.length = 0;
      await Promise.all(threads.map((thread) => thread.worker.terminate()));
      this.#state = 'shutdown';
    });
    return this.#shutdown;
  }

  #startThread(): PoolThread {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    const thread: PoolThread = { worker, job: null, sent: new Set() };
    this.#threads.add(thread);
    worker.on('message', (reply: Reply) => this.#onReply(thread, reply));
    // An error no job caught (thrown from a timer the function left behind): the thread dies.
    worker.on('error', (err) => this.#failJob(thread, err));
    worker.on('exit', (code) => this.#onExit(thread, code));
    return thread;
  }

  #send(thread: PoolThread, job: Job): void {
    thread.job = job;
    thread.worker.ref();
    const known = thread.sent.has(job.sourceId);
    try {
      // W8: the text only the first time this thread sees it (plain code: `source: job.source` always).
      thread.worker.postMessage({ id: job.id, fn: job.sourceId, source: known ? null : job.source, args: job.args });
      if (!known) thread.sent.add(job.sourceId);
    } catch (exc) {
      thread.job = null;
      job.reject(
        new TypeError(`ThreadPoolExecutor: the arguments of ${job.label} cannot cross to a thread (they are structured-cloned): ${errorMessage(exc)}`, {
          cause: exc,
        }),
      );
      this.#next(thread);
    }
  }

  #onReply(thread: PoolThread, reply: Reply): void {
    const job = thread.job;
    if (job === null || job.id !== reply.id) {
      throw new Error(`ThreadPoolExecutor: a reply for job ${reply.id} came while ${job === null ? 'no job' : `job ${job.id}`} ran; this is a bug in @yieldio/threads`);
    }
    thread.job = null;
    // The thread keeps no function whose source failed to compile: send the text again next time.
    if (!reply.ok && reply.error.isError && reply.error.compile) thread.sent.delete(job.sourceId);
    if (reply.ok) job.resolve(reply.value);
    else job.reject(rebuildError(job, reply.error));
    this.#next(thread);
  }

  /** Give the thread the next queued job, or park it. */
  #next(thread: PoolThread): void {
    const job = this.#queue.shift();
    if (job !== undefined) {
      this.#send(thread, job);
      return;
    }
    thread.worker.unref();
    this.#idle.push(thread);
    this.#checkDrained();
  }

  #failJob(thread: PoolThread, err: unknown): void {
    const job = thread.job;
    thread.job = null;
    job?.reject(err);
  }

  #onExit(thread: PoolThread, code: number): void {
    if (!this.#threads.delete(thread)) return; // terminated by shutdown()
    const idle = this.#idle.indexOf(thread);
    if (idle !== -1) this.#idle.splice(idle, 1);
    this.#failJob(thread, new Error(`ThreadPoolExecutor: the worker thread exited (code ${code}) while running the job`));
    // Replace it if jobs are waiting for a thread.
    const job = this.#queue.shift();
    if (job !== undefined) this.#send(this.#startThread(), job);
    else this.#checkDrained();
  }

  #checkDrained(): void {
    if (this.#drained === null || this.#queue.length > 0) return;
    for (const thread of this.#threads) if (thread.job !== null) return;
    const drained = this.#drained;
    this.#drained = null;
    drained();
  }
}

/** The error a job's Promise rejects with, from what the thread sent. */
function rebuildError(job: Job, error: WorkerError): unknown {
  if (!error.isError) return error.value;
  if (error.missing !== null) {
    const name = error.missing;
    if (callsName(job.source, name)) {
      // A function cannot be passed as an argument (structured clone refuses functions).
      return new TypeError(
        `${job.label} calls \`${name}\`, which does not exist in the worker thread: a function run in a thread ` +
          `must be self-contained, and functions cannot be passed to it (they cannot be cloned); define \`${name}\` ` +
          `inside the function you run, or in a module that function imports (await import(...) inside it)`,
        { cause: rebuildError(job, { ...error, missing: null }) },
      );
    }
    return new TypeError(
      `${job.label} closes over \`${name}\`, which does not exist in the worker thread: a function run in a thread ` +
        `must be self-contained; pass \`${name}\` as an argument instead: toThread(fn, ${name})`,
      { cause: rebuildError(job, { ...error, missing: null }) },
    );
  }
  if (error.compile) {
    return new TypeError(
      `${job.label} cannot be compiled from its source text in the worker thread (${error.name}: ${error.message}); ` +
        'pass a function expression or an arrow function, not a method',
    );
  }
  if (error.uncloned !== null) {
    const what = error.uncloned === 'result' ? 'returned' : 'threw';
    return new TypeError(
      `${job.label} ${what} a value that cannot be structured-cloned back to the loop's thread (${error.message}); ` +
        `${what === 'returned' ? 'return' : 'throw'} plain data (objects, arrays, Maps, typed arrays, Errors), not functions or generators`,
    );
  }
  return rebuildThrown(error);
}

/** Whether `source` calls `name(...)` itself (not as a method `x.name(`): then `name` is a function. */
function callsName(source: string, name: string): boolean {
  const escaped = name.replace(/[$]/g, '\\$&');
  return new RegExp(`(^|[^.\\w$])${escaped}\\s*\\(`).test(source);
}

/** An Error as it was thrown in the thread: its class by name, message, stack, fields, cause. */
function rebuildThrown(error: WorkerError): unknown {
  if (!error.isError) return error.value;
  const options = error.cause === undefined ? undefined : { cause: rebuildThrown(error.cause) };
  let exc: Error;
  if (error.errors !== undefined) {
    exc = new AggregateError(error.errors.map(rebuildThrown), error.message, options);
  } else {
    const Class = ERROR_CLASSES[error.name] ?? Error;
    exc = new Class(error.message, options);
  }
  if (exc.name !== error.name) Object.defineProperty(exc, 'name', { value: error.name, configurable: true, writable: true });
  // The stack that matters is the thread's, where it was thrown.
  if (error.stack !== undefined) exc.stack = error.stack;
  for (const [key, value] of Object.entries(error.props)) {
    Object.defineProperty(exc, key, { value, configurable: true, enumerable: true, writable: true });
  }
  return exc;
}

function errorMessage(exc: unknown): string {
  return exc instanceof Error ? exc.message : String(exc);
}
