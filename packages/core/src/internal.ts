/**
 * @yieldio/core/internal: what yieldio's own packages need of core beyond its public API.
 *
 * Who may use it: @yieldio/net, sim, sync, queues, threads and yieldio, which are
 * released together with core at one version. Anyone else should not: nothing here has
 * a semver promise, and a minor (or patch) release of core may change or remove any of
 * it. Every name here is a function over public types (an `EventLoop`, a `Task`, a
 * `Handle`), so a sibling package never names an underscore member of a core class: the
 * published declarations of core (dist/*.d.ts) leave those members out
 * (scripts/strip-internals.cjs), and a user's editor sees the public API only.
 *
 * What is here, and why it is not public:
 * - scheduling without the public checks: `callSoonWithContext` and `callAtWithContext`
 *   are what `loop.callSoon`/`callAt` do after checking their arguments, in a context
 *   the caller already holds (asyncio's transports call `loop._call_soon` the same way);
 *   `scheduleHandle` queues a Handle made once and reused (net's socket transport);
 *   `checkLoopOpen` is the loop's own "the event loop is closed" guard, so a method that
 *   net adds to the loop fails with the loop's words.
 * - `killTask`: a simulated machine crash stops a task without running its `finally`
 *   (sim's `SimHost.crash()`); asyncio has no such thing, and no user code should.
 * - `createFutureUnchecked`: `loop.createFuture(options)` without checking the options'
 *   keys, for a primitive that passes its own literal on every wait (sync's Lock, net's
 *   stream reader).
 * - `LoopBound` and `bindLoop`: the base of sync's and queues' primitives, which bind
 *   to the first loop that waits on them (asyncio `mixins._LoopBoundMixin`); a class
 *   whose one method is internal has nothing to show in the public API.
 * Helpers that name public concepts only stay public, for anyone building primitives on
 * core: `describeValue`, `isGenerator`, `trackCoro`, `noteCreationSite`.
 *
 * One copy: this entry and the public one share core's modules. On Node both are the
 * CommonJS build of one bundle (dist/shared.cjs); for bundlers both are ESM entries of
 * one split build, so a Task made through `@yieldio/core` is the Task these functions
 * know (spec/packaging.test.ts runs a program that mixes import and require to check).
 * Rejected: a typed view of the underscore members (`internalsOf(loop)._ready`): it
 * would publish the members' names and types after all, and pin them.
 */
import type { Context } from './context';
import type { EventLoop } from './loop';
import { CHECKED_OPTIONS, Future } from './future';
import type { FutureOptions } from './future';
import { Handle } from './handle';
import type { Timer, TimerHandle } from './handle';
import type { Task } from './task';
import type { LoopBound } from './loop-bound';

export { LoopBound } from './loop-bound';
/** The shape `scheduleTimer` takes: what the loop's timer heap holds (handle.ts). */
export type { Timer } from './handle';

/**
 * `loop.callSoon(callback, ...args)` without its checks, in `context` (null: the
 * callback runs in no context). For a transport's protocol callbacks.
 */
export function callSoonWithContext(
  loop: EventLoop,
  callback: (...args: never[]) => unknown,
  args: readonly unknown[] | null,
  context: Context | null,
): Handle {
  return loop._callSoonWithContext(callback, args, context);
}

/** `loop.callAt(when, callback, ...args)` without its checks, in `context`. For the simulated network's timers. */
export function callAtWithContext(
  loop: EventLoop,
  when: number,
  callback: (...args: never[]) => unknown,
  args: readonly unknown[] | null,
  context: Context | null,
): TimerHandle {
  return loop._callAt(when, callback, args, context);
}

/**
 * Put `handle` (made once, for `loop`) on the loop's ready queue again: it runs in the
 * loop's next pass. For a socket's events: from outside a pass the host is woken with
 * `wakeForIo` (RealHost may run that pass at the end of the I/O callback).
 */
export function scheduleHandle(loop: EventLoop, handle: Handle): void {
  loop._scheduleIo(handle);
}

/**
 * Put `timer`, an object of core's `Timer` shape that a sibling made, in `loop`'s heap,
 * due at loop time `when` and numbered from the counter a `TimerHandle` would take, so
 * the run is the same event for event. For the simulated network's packets, which are
 * their own arrival timers (sim's timed-packet.ts): no handle and no arguments array per
 * packet.
 */
export function scheduleTimer(loop: EventLoop, timer: { _when: number; _seq: number } & Timer, when: number): void {
  timer._when = when;
  timer._seq = loop._timerSeq++;
  timer._scheduled = true;
  loop._addTimer(timer);
}

/**
 * The callbacks scheduled on `loop` that have not run yet: the ready queue's and the
 * timer heap's `Handle`s, in no particular order (a timed object that is not a Handle,
 * such as a sleep's, is left out). For `SimHost.crash()`, which cancels its host's.
 */
export function pendingCallbacks(loop: EventLoop): Handle[] {
  const found: Handle[] = [];
  const ready = loop._ready;
  for (let i = 0; i < ready.length; i++) {
    const item = ready.at(i);
    if (item instanceof Handle) found.push(item);
  }
  for (const timer of loop._scheduled.toArray()) if (timer instanceof Handle) found.push(timer);
  return found;
}

/** Throw the loop's own InvalidStateError if `loop` is closed, naming `method` (e.g. `'addSignalHandler'`). */
export function checkLoopOpen(loop: EventLoop, method: string): void {
  loop._checkClosed(method);
}

/**
 * Stop `task` as a machine crash would: its coroutine is dropped without resuming it (no
 * `finally` runs) and its future is cancelled with `msg`. Returns false when the task is
 * done or is the one running now. For `SimHost.crash()`.
 */
export function killTask(task: Task<unknown>, msg?: string): boolean {
  return task._kill(msg);
}

/**
 * `loop.createFuture(options)` without its check of `options`' keys, which costs a
 * contended acquire more than making the future (W7 in bench/), and net's stream reader
 * a few percent of a simulated round trip (S1): for a primitive whose options are
 * literals of its own, made once (`{ description, waiterOf }`).
 */
export function createFutureUnchecked<T>(loop: EventLoop, options: Pick<FutureOptions, 'description' | 'waiterOf'>): Future<T> {
  return new Future<T>(options, CHECKED_OPTIONS, loop);
}

/**
 * The running loop, which must be the loop `primitive` is bound to; binds it on first
 * use. Throws (naming `caller`) when called outside a running loop or from another loop.
 */
export function bindLoop(primitive: LoopBound, caller: string): EventLoop {
  return primitive._getLoop(caller);
}
