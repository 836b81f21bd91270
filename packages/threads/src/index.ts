/**
 * @yieldio/threads: a worker-thread pool as the loop's default executor, for asyncio's
 * `to_thread` and `run_in_executor` on Node (issue #7).
 *
 * Core declares the seam (`Executor`, `toThread`, `loop.runInExecutor`, in
 * packages/core/src/executor.ts) but cannot import `worker_threads`: it runs in browsers.
 * Importing this package installs `ThreadPoolExecutor` (thread-pool-executor.ts) as the
 * factory of every real host's default executor, as `@yieldio/net` installs Node's
 * network; worker-source.ts is the program each thread runs.
 */
import { RealHost } from '@yieldio/core';
import { ThreadPoolExecutor } from './thread-pool-executor';

// Importing the package gives every real loop a pool of its own, made on first use.
RealHost.defaultExecutorFactory ??= () => new ThreadPoolExecutor();

export { ThreadPoolExecutor, defaultMaxWorkers } from './thread-pool-executor';
export type { ExecutorState, ThreadPoolExecutorOptions } from './thread-pool-executor';
