/**
 * @yieldio/core: Python's asyncio on `function*` coroutines.
 *
 * Read in this order to follow `yield* fut` into the loop and back:
 * future.ts (what is awaited), task.ts (the step), handle.ts and loop.ts (the pass),
 * host.ts with real-host.ts and virtual-host.ts (time and waiting).
 */
export type { Coro, Awaitable, AwaitedOf } from './coro';
export {
  CancelledError,
  TimeoutError,
  InvalidStateError,
  ExceptionGroup,
  LookupError,
  KeyboardInterrupt,
  SendfileNotAvailableError,
  NondeterminismError,
} from './errors';
export { isCancellation, rethrowIfCancelled } from './errors';
export type { ErrorMatcher } from './errors';
export { DeadlockError, SimulationTimeoutError } from './deadlock';
export type { BlockedTask, WaitTarget } from './deadlock';
export { Future, isFuture, futureAddToAwaitedBy, futureDiscardFromAwaitedBy } from './future';
export type { FutureState, FutureOptions, DoneCallback } from './future';
export { Task, createTask, currentTask, allTasks, eagerTaskFactory, createEagerTaskFactory } from './task';
export type { TaskOptions } from './task';
export { Handle, TimerHandle } from './handle';
export type { ExceptionContext } from './handle';
export { EventLoop } from './loop';
export type { ExceptionHandler, TaskFactory, LoopState } from './loop';
/** For packages that give the loop methods (net): see provided-methods.ts. */
export { provideLoopMethods, onLoopClose, PROVIDED_LOOP_METHODS } from './provided-methods';
export type { ProvidedLoopMethod } from './provided-methods';
export type { Host, SyncHost, AsyncHost, LoopDriver, Completion, Outcomes } from './host';
export type {
  Network,
  NetworkAddress,
  StreamSocket,
  StreamHandlers,
  ConnectRequest,
  ListenRequest,
  Listener,
  ListenerHandlers,
  IncomingStream,
  DatagramRequest,
  DatagramSocket,
  DatagramHandlers,
  ResolvedAddress,
  TlsOptions,
  TlsUpgrade,
  TlsInfo,
} from './network';
export { toThread } from './executor';
export type { Executor, ExecutorFactory } from './executor-seam';
export { RealHost } from './real-host';
export { VirtualHost } from './virtual-host';
export type { VirtualHostOptions, NetworkFactory, NetworkOptions } from './virtual-host';
export { newEventLoop, newVirtualEventLoop, getEventLoop, setEventLoop, getRunningLoop } from './events';
export { run, Runner } from './runners';
export type { RunnerOptions } from './runners';
export { simulate } from './simulate';
export type { SimulateOptions } from './simulate';
export { Schedule, ScheduleDivergedError } from './schedule';
export { holdSimulatedGlobals } from './determinism';
export type { ScheduleKind } from './schedule';
export { LivelockError } from './livelock';
export type { Spinner } from './livelock';
export type { SchedulerName } from './decisions';
export { sleep } from './sleep';
export { gather, GatheringFuture } from './gather';
export type { GatherOptions } from './gather';
export { wait, FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED } from './wait';
export type { WaitOptions, ReturnWhen } from './wait';
export { waitFor } from './wait-for';
export { timeout, timeoutAt, Timeout } from './timeouts';
export type { TimeoutState } from './timeouts';
export { shield } from './shield';
export { asCompleted, AsCompletedIterator } from './as-completed';
export type { AsCompletedOptions } from './as-completed';
export { ensureFuture } from './ensure-future';
export { taskGroup, TaskGroup } from './task-group';
export { wrapPromise } from './promise';
export { Context, ContextVar, Token, copyContext } from './context';
export { aiter, anext, DONE, StopAsyncIteration } from './aiter';
export type { AsyncIterator, AsyncIterable, Done } from './aiter';
export { captureCallGraph, formatCallGraph, printCallGraph } from './call-graph';
export type { FutureCallGraph } from './call-graph';
export { logger } from './log';
/** How yieldio's error messages name a bad value (`describeValue("1")` is `"1" (a string)`): for packages built on core. */
export { describe as describeValue } from './repr';
/** Whether a value is a generator object, our coroutine (asyncio `iscoroutine`): for packages built on core. */
export { isGenerator } from './repr';
/** Debug mode's "coroutine ... was never awaited" (debug.ts): for packages whose methods return coroutines. */
export { trackCoro, noteCreationSite } from './debug';
