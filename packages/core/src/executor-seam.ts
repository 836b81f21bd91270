/**
 * The executor seam: what core knows of a thread pool (asyncio's
 * `concurrent.futures.Executor`), types only.
 *
 * Core runs in browsers, so it cannot import `worker_threads`; `@yieldio/threads`
 * implements `Executor` and installs an `ExecutorFactory` on the real host. A leaf
 * module, apart from executor.ts (`runInExecutor`, `toThread`), so that host.ts and
 * real-host.ts can name these types without importing the loop through executor.ts.
 */

/** Runs functions somewhere else (asyncio's `concurrent.futures.Executor`, types only). */
export interface Executor {
  /** Run `fn(...args)` and settle with its result or its exception. */
  submit<A extends unknown[], R>(fn: (...args: A) => R, args: A): PromiseLike<Awaited<R>>;
  /** Refuse new work, let the work already submitted finish, then release the threads. */
  shutdown(): PromiseLike<void>;
}

/**
 * Makes a loop's default executor, on first use (a host's `executorFactory`).
 * No asyncio counterpart: asyncio's loop makes its default `ThreadPoolExecutor` itself.
 */
export type ExecutorFactory = () => Executor;
