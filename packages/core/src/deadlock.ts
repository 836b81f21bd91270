/**
 * The errors a simulation ends with when it cannot go on: `DeadlockError` (nothing is
 * ready, no timer is pending, and tasks are still waiting, so nothing can ever happen
 * again) and `SimulationTimeoutError` (virtual time reached `until`). Each names every
 * pending task and what it waits for, so the report reads as a wait-for graph.
 */
import type { Future } from './future';
import type { EventLoop } from './loop';
import type { Task } from './task';

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
  }
}
Object.defineProperty(DeadlockError.prototype, 'name', { value: 'DeadlockError', writable: true, configurable: true });

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
  }
}
Object.defineProperty(SimulationTimeoutError.prototype, 'name', { value: 'SimulationTimeoutError', writable: true, configurable: true });

function blockedTasks(loop: EventLoop): BlockedTask[] {
  return loop._pendingTasks().map((task) => ({ task, waitsFor: task._futWaiter }));
}

function describeWait(waitsFor: Future<unknown> | null): string {
  if (waitsFor === null) return 'nothing (ready to run)';
  if ('getName' in waitsFor) return `task ${JSON.stringify((waitsFor as Task<unknown>).getName())}`;
  return String(waitsFor);
}

function report(blocked: BlockedTask[]): string {
  return blocked.map(({ task, waitsFor }) => `  task ${JSON.stringify(task.getName())} waits for ${describeWait(waitsFor)}`).join('\n');
}

export function deadlockError(loop: EventLoop): DeadlockError {
  const blocked = blockedTasks(loop);
  const time = loop.time();
  const lines = blocked.length > 0 ? report(blocked) : '  (no task is pending: the loop waits on a future that nothing will complete)';
  return new DeadlockError(
    `deadlock at virtual time ${time}: nothing is ready, no timer is pending, and ${blocked.length} task(s) wait on something no one will complete:\n${lines}`,
    blocked,
    time,
  );
}

export function untilError(loop: EventLoop, until: number): SimulationTimeoutError {
  const running = blockedTasks(loop);
  return new SimulationTimeoutError(
    `simulate(): virtual time reached until=${until} with ${running.length} task(s) still running:\n${report(running)}`,
    running,
    until,
  );
}
