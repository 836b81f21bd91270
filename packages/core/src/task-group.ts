/**
 * taskGroup(body): structured concurrency (asyncio 3.11+ `taskgroups.py`;
 * `async with TaskGroup() as tg:` becomes `yield* taskGroup(function* (tg) { ... })`).
 *
 * The body starts children with `tg.createTask`. The group returns only when every child
 * is done. If a child fails, the group cancels the other children and the body (by
 * cancelling its own task, which it later withdraws with `uncancel()`), waits for them,
 * and throws an `ExceptionGroup` of every failure. If the parent is cancelled from
 * outside, the children are cancelled and the `CancelledError` propagates.
 *
 * asyncio keeps this state in four booleans; here it is a phase plus the two facts that
 * really are independent of it:
 *
 *     created --enter--> entered --body ends--> exiting --children done--> exited
 *
 *     _aborting:  the children are being cancelled; no new task may join.
 *                 Can become true in `entered` (a child failed) or `exiting`.
 *     _parentCancelRequested: we cancelled the parent task to interrupt the body,
 *                 and owe it exactly one uncancel() on exit.
 *
 * Not ported: Python's special cases for `KeyboardInterrupt`/`SystemExit` (no such
 * errors here) and for `GeneratorExit` in async generators.
 */
import type { Coro } from './coro';
import { CancelledError, ExceptionGroup, InvalidStateError } from './errors';
import type { DoneCallback } from './future';
import { Future, futureAddToAwaitedBy, futureDiscardFromAwaitedBy } from './future';
import type { EventLoop } from './loop';
import { getRunningLoop } from './running';
import type { Task, TaskOptions } from './task';
import { TASK_OPTIONS, describeCoroArgument } from './task';
import { isGenerator } from './repr';
import { checkBody } from './timeouts';
import { checkOptions } from './options';
import { trackCoro, warnSwallowedCancellation } from './debug';

export type TaskGroupPhase = 'created' | 'entered' | 'exiting' | 'exited';

/**
 * "unhandled errors in a TaskGroup (1 sub-exception): TypeError: ...": the count, as
 * Python's `str()` of the group shows it, and what each error says, since a JavaScript
 * stack trace prints only the message and would hide that a `tg.createTask(42)` in the
 * body was the TypeError (#18).
 */
function groupMessage(errors: readonly unknown[]): string {
  const n = errors.length;
  const each = errors.map((e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)));
  return `unhandled errors in a TaskGroup (${n} sub-exception${n === 1 ? '' : 's'}): ${each.join('; ')}`;
}

/** A group of tasks that ends only when all are done, and cancels the rest when one fails (asyncio `TaskGroup`, 3.11); used through `taskGroup()`. */
export class TaskGroup {
  _phase: TaskGroupPhase = 'created';
  _aborting = false;
  _parentCancelRequested = false;
  _loop: EventLoop | null = null;
  _parentTask: Task<unknown> | null = null;
  /** Children not done yet. */
  readonly _tasks = new Set<Task<unknown>>();
  /** Children's failures, in the order they happened. */
  readonly _errors: unknown[] = [];
  /** Resolved when the last child is done, while exit waits for them. */
  _onCompletedFut: Future<boolean> | null = null;
  readonly #onTaskDone = (task: Task<unknown>): void => this._onTaskDone(task);

  /** Start `coro` as a child of the group. */
  createTask<T>(coro: Coro<T>, options?: TaskOptions): Task<T> {
    if (!isGenerator(coro)) {
      throw new TypeError(`TaskGroup.createTask(): expected a coroutine (a generator object), got ${describeCoroArgument(coro)}`);
    }
    checkOptions('TaskGroup.createTask()', options, TASK_OPTIONS);
    if (this._phase === 'created') {
      coro.return(undefined as T);
      throw new InvalidStateError('TaskGroup.createTask(): the task group has not been entered; use it inside taskGroup(function* (tg) { ... })');
    }
    if (this._phase === 'exited' || (this._phase === 'exiting' && this._tasks.size === 0)) {
      coro.return(undefined as T);
      throw new InvalidStateError('TaskGroup.createTask(): the task group is finished; start tasks while its body or its children run');
    }
    if (this._aborting) {
      coro.return(undefined as T);
      throw new InvalidStateError('TaskGroup.createTask(): the task group is shutting down (a task failed or it was cancelled)');
    }
    const task = this._loop!.createTask(coro, options);
    futureAddToAwaitedBy(task, this._parentTask!);
    // Always through the done callback, even for a task that finished eagerly: otherwise
    // its failure would cancel the parent before the group is ready (gh-128550).
    this._tasks.add(task as Task<unknown>);
    task._addDoneCallback(this.#onTaskDone as DoneCallback<never>, null);
    // An eager task can abort the group before it has joined (gh-155418).
    if (this._aborting && !task.done()) task.cancel();
    return task;
  }

  _enter(): void {
    if (this._phase !== 'created') throw new InvalidStateError('taskGroup(): this task group has already been entered');
    this._loop = getRunningLoop('taskGroup');
    this._parentTask = this._loop._currentTask;
    if (this._parentTask === null) throw new InvalidStateError('taskGroup(): cannot determine the parent task; use it inside a task');
    this._phase = 'entered';
  }

  /**
   * The body is over (it returned, or threw `exc`). Wait for the children; then throw
   * what must propagate, or return to let the body's outcome stand.
   */
  *_exit(threw: boolean, exc: unknown): Coro<void> {
    this._phase = 'exiting';
    if (this._parentCancelRequested && !(threw && exc instanceof CancelledError)) {
      warnSwallowedCancellation(this._loop!, this._parentTask!, 'taskGroup()', 'the group sent when a child failed');
    }
    let propagateCancellation: CancelledError | null = threw && exc instanceof CancelledError ? exc : null;
    // The body failed, or our parent is being cancelled: stop the children.
    if (threw && !this._aborting) this._abort();

    // A loop, because the wait can be cancelled again and again (the parent cancelled
    // repeatedly, or once while our own cancellation is already under way).
    let pendingCancellation: CancelledError | null = null;
    while (this._tasks.size > 0) {
      this._onCompletedFut ??= this._loop!.createFuture<boolean>({ description: 'taskGroup() waiting for its tasks' });
      try {
        yield* this._onCompletedFut;
      } catch (err) {
        if (!(err instanceof CancelledError)) throw err;
        pendingCancellation = err;
        if (!this._aborting) {
          // Our parent is being cancelled while children still run: cancel them too.
          propagateCancellation = err;
          this._abort();
        }
      }
      this._onCompletedFut = null;
    }
    this._phase = 'exited';

    const parent = this._parentTask!;
    if (this._parentCancelRequested) {
      // We cancelled the parent: withdraw exactly that request.
      if (parent.uncancel() === 0) propagateCancellation = null;
      // The cancellation left over is not ours: do not drop it (gh-155433).
      else propagateCancellation ??= pendingCancellation;
    }
    // A CancelledError propagates unless there are errors: those take priority.
    if (propagateCancellation !== null && this._errors.length === 0) throw propagateCancellation;

    if (threw && !(exc instanceof CancelledError)) this._errors.push(exc);
    if (this._errors.length > 0) {
      // Cancelled from outside too: keep the parent's cancel count stable.
      if (parent.cancelling() > 0) {
        parent.uncancel();
        parent.cancel();
      }
      throw new ExceptionGroup(groupMessage(this._errors), this._errors.slice());
    }
  }

  _abort(): void {
    this._aborting = true;
    for (const task of this._tasks) if (!task.done()) task.cancel();
  }

  _onTaskDone(task: Task<unknown>): void {
    this._tasks.delete(task);
    futureDiscardFromAwaitedBy(task, this._parentTask!);
    if (this._onCompletedFut !== null && this._tasks.size === 0 && !this._onCompletedFut.done()) {
      this._onCompletedFut.setResult(true);
    }
    if (task.cancelled()) return;
    const exc = task.exception();
    if (exc === null) return;
    this._errors.push(exc);
    const parent = this._parentTask!;
    if (parent.done()) {
      this._loop!.callExceptionHandler({
        message: `Task ${task} has errored out but its parent task ${parent} is already completed`,
        exception: exc,
        task,
      });
      return;
    }
    if (!this._aborting && !this._parentCancelRequested) {
      // A child failed while the body runs: interrupt the body by cancelling the parent,
      // and withdraw that cancellation on exit, so code after the group still runs:
      //
      //     try { yield* taskGroup(function* (tg) { tg.createTask(crashSoon()); yield* sleep(10); }) }
      //     catch { /* the group's errors */ }
      //     yield* somethingElse();   // must run: the parent is not left cancelled
      this._abort();
      this._parentCancelRequested = true;
      parent.cancel();
    }
  }

  /** `<TaskGroup tasks=n ...>`, as asyncio's `repr`. */
  toString(): string {
    const parts = [this._aborting ? 'cancelling' : this._phase];
    if (this._tasks.size > 0) parts.push(`tasks=${this._tasks.size}`);
    if (this._errors.length > 0) parts.push(`errors=${this._errors.length}`);
    return `<TaskGroup ${parts.join(' ')}>`;
  }
}

/** Run `body(tg)`, then wait for every task it started; return the body's result. asyncio `async with TaskGroup() as tg:`. */
export function taskGroup<T>(body: (tg: TaskGroup) => Coro<T>): Coro<T> {
  return trackCoro(taskGroupCoro(body), 'taskGroup');
}

function* taskGroupCoro<T>(body: (tg: TaskGroup) => Coro<T>): Coro<T> {
  checkBody('taskGroup', body);
  const tg = new TaskGroup();
  tg._enter();
  let result: T;
  try {
    result = yield* body(tg);
  } catch (exc) {
    yield* tg._exit(true, exc);
    // _exit suppresses only a cancellation that was entirely the group's own; the body's
    // result does not exist then, so the cancellation goes on.
    throw exc;
  }
  yield* tg._exit(false, undefined);
  return result;
}
