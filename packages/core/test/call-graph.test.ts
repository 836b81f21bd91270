/**
 * captureCallGraph, formatCallGraph, printCallGraph (asyncio 3.14 `graph.py`) and the
 * awaited-by edges under them (`futureAddToAwaitedBy`, `futureDiscardFromAwaitedBy`).
 * JavaScript does not expose a suspended generator's frame, so only the await edges are
 * checked: who waits on whom, through tasks, gather, shield and task groups.
 */
import {
  captureCallGraph,
  createTask,
  formatCallGraph,
  futureAddToAwaitedBy,
  futureDiscardFromAwaitedBy,
  gather,
  getRunningLoop,
  printCallGraph,
  shield,
  simulate,
  sleep,
  taskGroup,
  type Coro,
  type Future,
  type FutureCallGraph,
} from '@yieldio/core';

/** The graph as nested labels: a task by its name, a future by its description. */
function shape(graph: FutureCallGraph | null): unknown {
  if (graph === null) return null;
  const fut = graph.future as Future<unknown> & { getName?: () => string };
  const label = fut.getName?.() ?? fut.description ?? String(fut);
  return graph.awaitedBy.length === 0 ? label : { [label]: graph.awaitedBy.map(shape) };
}

function* sleeper(delay: number): Coro<number> {
  yield* sleep(delay);
  return delay;
}

/**
 * Main awaits `middle`, which awaits `leaf`; half-way through, a watcher task captures
 * the graph from `leaf` (with `limit`, if given) and returns its shape.
 */
function* chainOfThree(limit?: number): Coro<unknown> {
  const leaf = createTask(sleeper(1), { name: 'leaf' });
  const middle = createTask(
    (function* () {
      return yield* leaf;
    })(),
    { name: 'middle' },
  );
  const watcher = createTask(
    (function* () {
      yield* sleep(0.5);
      return shape(captureCallGraph(leaf, limit === undefined ? undefined : { limit }));
    })(),
  );
  yield* middle;
  return yield* watcher;
}

describe('captureCallGraph', () => {
  test('a task awaiting another is an edge from the awaited task up to it', () => {
    expect(simulate(chainOfThree())).toEqual({ leaf: [{ middle: ['Task-1'] }] });
  });

  test('with no argument it starts at the current task', () => {
    simulate(
      (function* (): Coro<void> {
        const graph = captureCallGraph();
        expect(graph?.future).toBe(getRunningLoop()._currentTask);
        expect(graph?.callStack).toEqual([]);
      })(),
    );
  });

  test('a child of gather is awaited by the gather, which is awaited by the task', () => {
    simulate(
      (function* (): Coro<void> {
        const a = createTask(sleeper(1), { name: 'a' });
        const b = createTask(sleeper(2), { name: 'b' });
        const watcher = createTask(
          (function* () {
            yield* sleep(0.5);
            return [shape(captureCallGraph(a)), shape(captureCallGraph(b))];
          })(),
        );
        yield* gather(a, b);
        expect(yield* watcher).toEqual([{ a: [{ 'gather(2)': ['Task-1'] }] }, { b: [{ 'gather(2)': ['Task-1'] }] }]);
      })(),
    );
  });

  test('after a gather finishes, its children no longer name it', () => {
    simulate(
      (function* (): Coro<void> {
        const a = createTask(sleeper(1), { name: 'a' });
        const b = createTask(sleeper(2), { name: 'b' });
        yield* gather(a, b);
        yield* gather(a, b, a);
        expect(shape(captureCallGraph(a))).toBe('a');
        expect(shape(captureCallGraph(b))).toBe('b');
      })(),
    );
  });

  test('a child that is done already when gathered is not left naming the gather', () => {
    simulate(
      (function* (): Coro<void> {
        const done = createTask(sleeper(0), { name: 'done' });
        yield* done;
        const pending = createTask(sleeper(1), { name: 'pending' });
        const g = gather(done, pending);
        expect(shape(captureCallGraph(done))).toBe('done');
        yield* g;
      })(),
    );
  });

  test('a shielded task is awaited by the shield until it finishes', () => {
    simulate(
      (function* (): Coro<void> {
        const inner = createTask(sleeper(1), { name: 'inner' });
        const outer = shield(inner);
        yield* sleep(0.5);
        expect(shape(captureCallGraph(inner))).toEqual({ inner: ['shield()'] });
        yield* outer;
        expect(shape(captureCallGraph(inner))).toBe('inner');
      })(),
    );
  });

  test('a cancelled shield lets go of the inner task at once', () => {
    simulate(
      (function* (): Coro<void> {
        const inner = createTask(sleeper(1), { name: 'inner' });
        const outer = shield(inner);
        outer.cancel();
        yield* sleep(0);
        expect(shape(captureCallGraph(inner))).toBe('inner');
        yield* inner;
      })(),
    );
  });

  test("a task group's children are awaited by its parent task while they run", () => {
    simulate(
      (function* (): Coro<void> {
        let seen: unknown;
        let child: Future<unknown> | undefined;
        yield* taskGroup(function* (tg) {
          child = tg.createTask(sleeper(1), { name: 'child' });
          yield* sleep(0.5);
          seen = shape(captureCallGraph(child));
        });
        expect(seen).toEqual({ child: ['Task-1'] });
        expect(shape(captureCallGraph(child!))).toBe('child');
      })(),
    );
  });

  test('limit cuts the graph at that depth', () => {
    expect(simulate(chainOfThree(1))).toEqual({ leaf: ['middle'] });
  });

  test('a value that is not a future is refused', () => {
    simulate(
      (function* (): Coro<void> {
        expect(() => captureCallGraph(42 as never)).toThrow(new TypeError('captureCallGraph(): expected a future or a task'));
      })(),
    );
  });
});

describe('formatCallGraph and printCallGraph', () => {
  test('print the graph as Python does: the future, then who awaits it, indented', () => {
    simulate(
      (function* (): Coro<void> {
        const leaf = createTask(sleeper(1), { name: 'leaf' });
        const watcher = createTask(
          (function* () {
            yield* sleep(0.5);
            const printed: string[] = [];
            printCallGraph(leaf, { write: (text) => printed.push(text) });
            return [formatCallGraph(leaf), printed];
          })(),
        );
        yield* gather(leaf);
        const expected = [
          '* Task(name="leaf")',
          '  + Awaited by:',
          '     * Future(gather(1))',
          '       + Awaited by:',
          '          * Task(name="Task-1")',
        ].join('\n');
        expect(yield* watcher).toEqual([expected, [expected]]);
      })(),
    );
  });
});

describe('futureAddToAwaitedBy and futureDiscardFromAwaitedBy', () => {
  test('edges are added and discarded one at a time, in any order', () => {
    simulate(
      (function* (): Coro<void> {
        const loop = getRunningLoop();
        const fut = loop.createFuture({ description: 'fut' });
        const x = loop.createFuture({ description: 'x' });
        const y = loop.createFuture({ description: 'y' });
        futureAddToAwaitedBy(fut, x);
        futureAddToAwaitedBy(fut, y);
        expect(shape(captureCallGraph(fut))).toEqual({ fut: ['x', 'y'] });
        futureDiscardFromAwaitedBy(fut, x);
        expect(shape(captureCallGraph(fut))).toEqual({ fut: ['y'] });
        futureDiscardFromAwaitedBy(fut, x); // not there: nothing happens
        futureDiscardFromAwaitedBy(fut, y);
        expect(shape(captureCallGraph(fut))).toBe('fut');
      })(),
    );
  });
});
