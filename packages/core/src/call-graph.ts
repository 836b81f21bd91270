/**
 * captureCallGraph / printCallGraph: who awaits whom (asyncio 3.14 `graph.py`).
 *
 * Starting at a future or task (default: the current task), follow "awaited by" edges
 * upwards: the tasks suspended on it, and the futures that wait on it without a task
 * between (a `gather`, a `shield`, a task group's parent). Python also prints each
 * coroutine's stack frames; a JavaScript generator does not expose where it is suspended,
 * so `callStack` is always empty and the graph shows the await edges only.
 */
import { Future } from './future';
import { getRunningLoop } from './running';
import type { Task } from './task';
import { checkOptions } from './options';

/** A future and the chain of futures that await it (asyncio `FutureCallGraph`, 3.14); `callStack` is empty here, since a suspended generator's frames are not visible. */
export interface FutureCallGraph {
  future: Future<unknown>;
  /** Always empty: generator frames are not visible from JavaScript. */
  callStack: readonly never[];
  awaitedBy: readonly FutureCallGraph[];
}

function awaitersOf(fut: Future<unknown>): Future<unknown>[] {
  const result: Future<unknown>[] = [];
  for (const task of fut._loop._pendingTasks()) if (task._futWaiter === fut) result.push(task);
  const extra = fut._awaitedBy;
  if (extra !== null) for (const other of Array.isArray(extra) ? extra : [extra]) if (!result.includes(other)) result.push(other);
  return result;
}

/** The await graph of `future` (default: the current task): what awaits it, up the chain (asyncio `capture_call_graph`, 3.14). */
export function captureCallGraph(future?: Future<unknown> | null, options?: { limit?: number }): FutureCallGraph | null {
  checkOptions('captureCallGraph()', options, ['limit']);
  let start = future ?? null;
  if (start === null) {
    start = getRunningLoop('captureCallGraph')._currentTask;
    if (start === null) return null;
  }
  if (!(start instanceof Future)) throw new TypeError('captureCallGraph(): expected a future or a task');
  const limit = options?.limit ?? Infinity;
  const seen = new Set<Future<unknown>>();
  const build = (fut: Future<unknown>, depth: number): FutureCallGraph => {
    seen.add(fut);
    const awaitedBy = depth >= limit ? [] : awaitersOf(fut).filter((f) => !seen.has(f)).map((f) => build(f, depth + 1));
    return { future: fut, callStack: [], awaitedBy };
  };
  return build(start, 0);
}

function label(fut: Future<unknown>): string {
  if ('getName' in fut) return `Task(name=${JSON.stringify((fut as Task<unknown>).getName())})`;
  return `Future(${fut.description ?? fut._state})`;
}

/** The call graph as text, in the shape of Python's `format_call_graph`. */
export function formatCallGraph(future?: Future<unknown> | null, options?: { limit?: number }): string {
  checkOptions('formatCallGraph()', options, ['limit']);
  const graph = captureCallGraph(future, options === undefined ? undefined : { limit: options.limit });
  if (graph === null) return '';
  const lines: string[] = [];
  const render = (node: FutureCallGraph, indent: string): void => {
    lines.push(`${indent}* ${label(node.future)}`);
    if (node.awaitedBy.length > 0) {
      lines.push(`${indent}  + Awaited by:`);
      for (const child of node.awaitedBy) render(child, indent + '     ');
    }
  };
  render(graph, '');
  return lines.join('\n');
}

/** Print the call graph to the console (or to `write`). asyncio `print_call_graph` (3.14). */
export function printCallGraph(future?: Future<unknown> | null, options?: { limit?: number; write?: (text: string) => void }): void {
  checkOptions('printCallGraph()', options, ['limit', 'write']);
  const text = formatCallGraph(future, options === undefined ? undefined : { limit: options.limit });
  (options?.write ?? ((t: string) => console.log(t)))(text);
}
