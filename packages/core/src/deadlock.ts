/**
 * The errors a simulation ends with when it cannot go on: `DeadlockError` (nothing is
 * ready, no timer is pending, and tasks are still waiting, so nothing can ever happen
 * again) and `SimulationTimeoutError` (virtual time reached `until`). Each names every
 * pending task and what it waits for, so the report reads as a wait-for graph: a waiter
 * future made with `waiterOf` (sync's primitives, queues, streams) is named by its owner
 * and, for an owner with `holder()` (a Lock), by the task that holds it; a cycle of tasks
 * waiting on each other is printed as a cycle.
 *
 * Under Node an uncaught error is printed with `util.inspect`, which lists every own
 * enumerable property: `blocked` would print each Task's internals (about 150 lines). So
 * the data fields are non-enumerable, and a custom inspect (the well-known
 * `Symbol.for('nodejs.util.inspect.custom')`, no Node import) prints the message alone.
 */
import type { Future } from './future';
import { creationSiteOf } from './debug';
import { Task } from './task';

/**
 * What the reports read of the loop: its pending tasks and its clock. Not `EventLoop`,
 * so this module does not import the loop that calls it.
 */
interface PendingTasks {
  _pendingTasks(): Task<unknown>[];
  time(): number;
}

/**
 * One task in a `DeadlockError` report, and what it waits for.
 * No asyncio counterpart: part of a simulation's deadlock report.
 */
export interface BlockedTask {
  task: Task<unknown>;
  /** The future (or task) it waits for; null if it waits for nothing in particular. */
  waitsFor: Future<unknown> | null;
}

/**
 * A simulation that can never finish: every task waits on something no one will complete.
 * No asyncio counterpart: a simulation's report of a program that can never finish.
 */
export class DeadlockError extends Error {
  readonly blocked: readonly BlockedTask[];
  readonly time: number;
  constructor(message: string, blocked: readonly BlockedTask[], time: number) {
    super(message);
    this.blocked = blocked;
    this.time = time;
    hideFields(this, ['blocked', 'time']);
  }
}
Object.defineProperty(DeadlockError.prototype, 'name', { value: 'DeadlockError', writable: true, configurable: true });
defineInspect(DeadlockError);

/**
 * What a `waiterOf` object may offer the report: the task that holds it, so a task
 * waiting for it points at that task (a Lock and its owner). No asyncio counterpart.
 */
export interface WaitTarget {
  /** The task holding this primitive now (a Lock's owner), or null. */
  holder?(): Task<unknown> | null;
}

/**
 * `simulate({ until })` reached its limit with tasks still running.
 * No asyncio counterpart: a simulation that ran past its `until`.
 */
export class SimulationTimeoutError extends Error {
  readonly running: readonly BlockedTask[];
  readonly time: number;
  constructor(message: string, running: readonly BlockedTask[], time: number) {
    super(message);
    this.running = running;
    this.time = time;
    hideFields(this, ['running', 'time']);
  }
}
Object.defineProperty(SimulationTimeoutError.prototype, 'name', { value: 'SimulationTimeoutError', writable: true, configurable: true });
defineInspect(SimulationTimeoutError);

function hideFields(obj: object, keys: readonly string[]): void {
  for (const key of keys) Object.defineProperty(obj, key, { enumerable: false });
}

/** Node prints the stack (name, message, frames) and nothing else. */
function defineInspect(cls: { prototype: Error }): void {
  Object.defineProperty(cls.prototype, Symbol.for('nodejs.util.inspect.custom'), {
    value(this: Error): string {
      return this.stack ?? `${this.name}: ${this.message}`;
    },
    configurable: true,
  });
}

function blockedTasks(loop: PendingTasks): BlockedTask[] {
  return loop._pendingTasks().map((task) => ({ task, waitsFor: task._futWaiter }));
}

/** The task a task waits for, directly (a task) or through what it waits on (a held lock). */
function waitedTask(waitsFor: Future<unknown> | null): Task<unknown> | null {
  if (waitsFor === null) return null;
  if (waitsFor instanceof Task) return waitsFor;
  const owner = waitsFor._waiterOf as WaitTarget | undefined;
  return typeof owner?.holder === 'function' ? owner.holder() : null;
}

function taskName(task: Task<unknown>): string {
  return `task ${JSON.stringify(task.getName())}`;
}

function describeWait(waitsFor: Future<unknown> | null): string {
  if (waitsFor === null) return 'nothing (ready to run)';
  if (waitsFor instanceof Task) return taskName(waitsFor);
  const owner = waitsFor._waiterOf;
  if (owner === undefined) return String(waitsFor);
  let text = `${waitsFor.description ?? 'a future'} on ${String(owner)}`;
  const site = creationSiteOf(owner);
  if (site !== undefined) text += ` (created at ${site})`;
  const holder = waitedTask(waitsFor);
  if (holder !== null) text += `, held by ${taskName(holder)}${holder.done() ? ', which is done and never released it' : ''}`;
  return text;
}

/** Each cycle of tasks waiting on each other, once, starting from its oldest task. */
function findCycles(blocked: BlockedTask[]): Task<unknown>[][] {
  const next = new Map<Task<unknown>, Task<unknown>>();
  for (const { task, waitsFor } of blocked) {
    const target = waitedTask(waitsFor);
    if (target !== null) next.set(task, target);
  }
  const cycles: Task<unknown>[][] = [];
  const seen = new Set<Task<unknown>>();
  for (const { task } of blocked) {
    const path: Task<unknown>[] = [];
    let at: Task<unknown> | undefined = task;
    while (at !== undefined && !seen.has(at) && !path.includes(at)) {
      path.push(at);
      at = next.get(at);
    }
    if (at !== undefined && path.includes(at)) cycles.push(path.slice(path.indexOf(at)));
    for (const t of path) seen.add(t);
  }
  return cycles;
}

function report(blocked: BlockedTask[]): string {
  const lines = blocked.map(({ task, waitsFor }) => `  ${taskName(task)} waits for ${describeWait(waitsFor)}`);
  for (const cycle of findCycles(blocked)) {
    const self = cycle.length === 1 ? ' (a Lock is not reentrant: the task waits for a lock it holds)' : '';
    lines.push(`  cycle: ${[...cycle, cycle[0]!].map(taskName).join(' -> ')}${self}`);
  }
  return lines.join('\n');
}

export function deadlockError(loop: PendingTasks): DeadlockError {
  const blocked = blockedTasks(loop);
  const time = loop.time();
  const lines = blocked.length > 0 ? report(blocked) : '  (no task is pending: the loop waits on a future that nothing will complete)';
  return new DeadlockError(
    `deadlock at virtual time ${time}: nothing is ready, no timer is pending, and ${blocked.length} task(s) wait on something no one will complete:\n${lines}`,
    blocked,
    time,
  );
}

export function untilError(loop: PendingTasks, until: number): SimulationTimeoutError {
  const running = blockedTasks(loop);
  return new SimulationTimeoutError(
    `simulate(): virtual time reached until=${until} with ${running.length} task(s) still running:\n${report(running)}`,
    running,
    until,
  );
}
