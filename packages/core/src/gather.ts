/**
 * gather(a, b, c): run awaitables concurrently; their results, in argument order
 * (asyncio `tasks.gather`).
 *
 * Coroutines are wrapped in tasks; the same future passed twice is awaited once.
 * Without `returnExceptions`, the first exception becomes the gather's, and the other
 * children are *not* cancelled (asyncio's choice; a `taskGroup` is the tool that cancels
 * siblings). With it, exceptions (and a `CancelledError` for a cancelled child) take
 * their place in the results. Cancelling the gather cancels every child that is not done;
 * the gather then ends cancelled even with `returnExceptions` (bpo-32684).
 *
 * Two forms: `gather(a, b, c)` gives a typed tuple; `gather([a, b, c], { returnExceptions })`
 * takes an array and options.
 */
import type { AwaitedOf, Awaitable, Coro } from './coro';
import { loopCancelledError } from './errors';
import { Future, cancelMessageOf, futureAddToAwaitedBy, futureDiscardFromAwaitedBy } from './future';
import type { DoneCallback, FutureWaiter } from './future';
import type { Context } from './context';
import type { CoroRecord } from './debug';
import { markAwaited, watchNeverAwaited } from './debug';
import type { Runnable } from './handle';
import type { EventLoop } from './loop';
import { getEventLoop } from './running';
import { isGenerator } from './repr';
import { describeCoroArgument } from './task';
import { checkOptions } from './options';

/** Options of `gather()`: asyncio's `gather(*aws, return_exceptions=False)`. */
export interface GatherOptions {
  returnExceptions?: boolean;
}

type Results<A extends readonly unknown[]> = { -readonly [K in keyof A]: AwaitedOf<A[K]> };
type ResultsOrErrors<A extends readonly unknown[]> = { -readonly [K in keyof A]: AwaitedOf<A[K]> | unknown };

/** Run `aws` concurrently; the result is their results in order (asyncio `gather`). With `returnExceptions: true`, an error is returned in its place instead of thrown. */
export function gather<A extends readonly Awaitable<unknown>[]>(
  aws: [...A],
  options: GatherOptions & { returnExceptions: true },
): GatheringFuture<ResultsOrErrors<A>>;
/** Run `aws` concurrently; the result is their results in order, and the first error is thrown (asyncio `gather`). */
export function gather<A extends readonly Awaitable<unknown>[]>(aws: [...A], options?: GatherOptions): GatheringFuture<Results<A>>;
/** Run the awaitables concurrently; the result is their results in order, and the first error is thrown (asyncio `gather(*aws)`). */
export function gather<A extends readonly Awaitable<unknown>[]>(...aws: A): GatheringFuture<Results<A>>;
export function gather(...args: unknown[]): GatheringFuture<unknown[]> {
  let aws: readonly unknown[] = args;
  let returnExceptions = false;
  if (Array.isArray(args[0])) {
    if (args.length > 2 || (args.length === 2 && args[1] !== undefined && (typeof args[1] !== 'object' || args[1] === null))) {
      throw new TypeError('gather(): pass awaitables as arguments, gather(a, b), or as one array with options, gather([a, b], { returnExceptions })');
    }
    checkOptions('gather()', args[1], ['returnExceptions']);
    aws = args[0];
    returnExceptions = Boolean((args[1] as GatherOptions | undefined)?.returnExceptions);
  } else if (args.length > 0 && isOptionsObject(args[args.length - 1])) {
    const list = args.length === 2 ? 'a' : 'a, b';
    throw new TypeError(
      `gather(): options go with the array form; got them as argument ${args.length} of gather(${list}, { returnExceptions }); ` +
        `write gather([${list}], { returnExceptions: true })`,
    );
  }
  return gatherFutures(aws as Awaitable<unknown>[], returnExceptions);
}

/** A plain object with gather's option: what `gather(a, b, { returnExceptions })` passes last. */
function isOptionsObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype && 'returnExceptions' in value;
}

function gatherFutures(aws: readonly Awaitable<unknown>[], returnExceptions: boolean): GatheringFuture<unknown[]> {
  if (aws.length === 0) {
    const outer = new GatheringFuture<unknown[]>([], getEventLoop('gather'));
    outer.setResult([]);
    return outer;
  }
  // Every argument is checked before any task is created: a bad one creates nothing.
  let loop: EventLoop | undefined;
  for (let i = 0; i < aws.length; i++) {
    const aw = aws[i];
    if (aw instanceof Future) {
      if (loop === undefined) loop = aw._loop;
      else if (aw._loop !== loop) throw new TypeError(`gather(): argument ${i + 1} (${aw}) belongs to another event loop`);
    } else if (!isGenerator(aw)) {
      throw new TypeError(`gather(): argument ${i + 1} expected a future, a task or a coroutine, got ${describeCoroArgument(aw)}`);
    }
  }
  loop ??= getEventLoop('gather');

  // Each distinct child is awaited once (asyncio's `arg_to_fut`). A future is recognised
  // as a repeat by the awaited-by edge to `outer` added when it was first seen, which
  // costs one compare where hashing every child into a Map cost more than creating it
  // (W2 in bench/); only coroutines, which carry no such edge, go through a Map.
  const children: Future<unknown>[] = new Array(aws.length);
  const outer = new GatheringFuture<unknown[]>(children, loop);
  let nfuts = 0;
  let nfinished = 0;
  const onChildDone = (fut: Future<unknown>): void => {
    nfinished++;
    futureDiscardFromAwaitedBy(fut, outer);
    if (outer.done()) {
      // Too late to matter; mark the exception as seen so it is not reported.
      if (!fut.cancelled()) fut.exception();
      return;
    }
    if (!returnExceptions) {
      if (fut.cancelled()) {
        // Not outer.cancel(): asyncio ends the gather *with* the CancelledError, so
        // `outer.cancelled()` stays false and awaiting it throws the error.
        outer._setExceptionUnchecked(fut._makeCancelledError(false));
        return;
      }
      const exc = fut.exception();
      if (exc !== null) {
        outer._setExceptionUnchecked(exc);
        return;
      }
    }
    if (nfinished === nfuts) {
      const results = children.map((child) => {
        if (child.cancelled()) return loopCancelledError(cancelMessageOf(child) ?? '', outer._loop._debug);
        const exc = child.exception();
        return exc === null ? child._result : exc;
      });
      if (outer._cancelRequested) {
        // The gather was cancelled: it raises CancelledError whatever returnExceptions says.
        outer._setExceptionUnchecked(fut.cancelled() ? fut._makeCancelledError(false) : loopCancelledError('', outer._loop._debug));
      } else {
        outer.setResult(results);
      }
    }
  };
  const waiter = new ChildrenWaiter(loop, onChildDone, aws.length);
  // Children done already (W2 eager: all of them), made at the first one, with room for
  // every child from there on, so it never grows (plain code: `[]` and `push`).
  let doneAlready: Future<unknown>[] | null = null;
  let ndone = 0;
  let tasksOfCoros: Map<unknown, Future<unknown>> | null = null;
  for (let i = 0; i < aws.length; i++) {
    const aw = aws[i];
    let fut: Future<unknown> | undefined;
    if (aw instanceof Future) {
      fut = aw;
      if (isAwaitedBy(fut, outer)) {
        children[i] = fut;
        continue;
      }
    } else {
      tasksOfCoros ??= new Map();
      fut = tasksOfCoros.get(aw);
      if (fut !== undefined) {
        children[i] = fut;
        continue;
      }
      fut = loop.createTask(aw as Coro<unknown>);
      tasksOfCoros.set(aw, fut);
    }
    children[i] = fut;
    nfuts++;
    futureAddToAwaitedBy(fut, outer);
    if (fut.done()) (doneAlready ??= new Array<Future<unknown>>(aws.length - i))[ndone++] = fut;
    else fut._addWaiter(waiter);
  }

  // Children done already (eager tasks, finished futures) count now, as in asyncio: if all
  // are, the gather is done without waiting a pass.
  for (let k = 0; k < ndone; k++) onChildDone(doneAlready![k]!);
  return outer;
}

/** Whether `waiter` has an awaited-by edge to `fut` (see `futureAddToAwaitedBy`). */
function isAwaitedBy(fut: Future<unknown>, waiter: Future<unknown>): boolean {
  const edges = fut._awaitedBy;
  return edges === waiter || (Array.isArray(edges) && edges.includes(waiter));
}

/**
 * Waits on every child of one gather, as a task waits on a future (FutureWaiter). Each
 * child that completes is queued here and puts the waiter on the ready queue, at the
 * very place where asyncio queues that child's done callback; each run handles the
 * completions its entry stands for, oldest first. So the gather hears of each child in
 * the pass and order asyncio's would (the pass rule: a child that completes in pass N is
 * counted in pass N+1), and a completion costs a queue slot instead of a Handle and an
 * argument array (W2 in bench/ gathers 100,000 tasks).
 *
 * W2: completions that arrive back to back, with nothing scheduled between them, share
 * one entry on the ready queue: asyncio would run their done callbacks one after the
 * other, and so does the one run here, in the same order. 100,000 children finishing in
 * one pass cost one entry instead of 100,000 (the ready queue grew to 100,000 slots for
 * it, about 27 bytes a child in copies as it grew). Not under a host that permutes the
 * ready queue (the simulator's chaos), which may put other callbacks between them.
 * Plain code: `_wakeupSoon` pushes the child and schedules the waiter every time, and
 * `_run` handles one child.
 */
class ChildrenWaiter implements FutureWaiter, Runnable {
  readonly #loop: EventLoop;
  readonly #onChildDone: (fut: Future<unknown>) => void;
  /**
   * Completions not handled yet, oldest at `#head`, as runs: a count n, then the n
   * children that completed, one run per entry of the waiter on the ready queues. Made
   * at the first completion, sized for one run of all children, so it never grows while
   * a big gather's children complete (W2), and nothing is kept for it while they all
   * wait (W9). Plain code: `[]` in the constructor, and `push`.
   */
  #completed: (Future<unknown> | number | undefined)[] | null = null;
  readonly #children: number;
  #head = 0;
  #tail = 0;
  /** Where the count of the newest run is (meaningful while `#head < #tail`). */
  #lastRun = 0;

  constructor(loop: EventLoop, onChildDone: (fut: Future<unknown>) => void, children: number) {
    this.#loop = loop;
    this.#onChildDone = onChildDone;
    this.#children = children;
  }

  _wakeupSoon(fut: Future<unknown>): void {
    const completed = this.#completed ?? (this.#completed = new Array(this.#children + 1));
    if (this.#head < this.#tail && this.#loop._isLastScheduled(this)) {
      // Our newest entry is still the last thing on the ready queue: join its run (W2).
      (completed[this.#lastRun] as number)++;
      completed[this.#tail++] = fut;
      return;
    }
    this.#lastRun = this.#tail;
    completed[this.#tail++] = 1;
    completed[this.#tail++] = fut;
    this.#loop._schedule(this);
  }

  _run(): void {
    const completed = this.#completed!;
    let head = this.#head;
    const count = completed[head] as number;
    completed[head++] = undefined;
    for (let k = 0; k < count; k++) {
      const fut = completed[head] as Future<unknown>;
      completed[head++] = undefined;
      // Each child's outcome in the state the loop would see between two callbacks.
      this.#head = head;
      try {
        this.#onChildDone(fut);
      } catch (exc) {
        this.#loop.callExceptionHandler({ message: 'Exception in gather() handling a child', exception: exc, future: fut });
      }
    }
    if (head === this.#tail) this.#head = this.#tail = 0; // drained: start over at the front
  }
}

/** The future `gather` returns: cancelling it cancels the children. asyncio `_GatheringFuture`. */
export class GatheringFuture<T> extends Future<T> {
  readonly _children: readonly Future<unknown>[];
  _cancelRequested = false;

  /** Debug mode: reported if no one awaits this gather or takes its outcome (debug.ts). */
  _neverAwaited: CoroRecord | null = null;

  constructor(children: readonly Future<unknown>[], loop: EventLoop) {
    super({ loop, description: `gather(${children.length})` });
    this._children = children;
    if (loop._debug) this._neverAwaited = watchNeverAwaited(this, 'gather', 'future', loop);
  }

  // Each way of taking the outcome counts as awaiting it.
  override _addWaiter(waiter: FutureWaiter): void {
    if (this._neverAwaited !== null) markAwaited(this._neverAwaited);
    super._addWaiter(waiter);
  }

  override addDoneCallback(fn: DoneCallback<this>, options?: { context?: Context }): void {
    if (this._neverAwaited !== null) markAwaited(this._neverAwaited);
    super.addDoneCallback(fn, options);
  }

  override result(): T {
    if (this._neverAwaited !== null) markAwaited(this._neverAwaited);
    return super.result();
  }

  override exception(): unknown {
    if (this._neverAwaited !== null) markAwaited(this._neverAwaited);
    return super.exception();
  }

  override cancel(msg?: string): boolean {
    if (this.done()) return false;
    let cancelled = false;
    for (const child of this._children) {
      if (child.cancel(msg)) cancelled = true;
    }
    // A child actually cancelled: the gather ends cancelled even with returnExceptions.
    if (cancelled) this._cancelRequested = true;
    return cancelled;
  }
}
