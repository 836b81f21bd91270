/**
 * Properties of the core, checked over random programs with fast-check, all on the
 * virtual clock (simulate), so every run is exact and replayable. The seed is fixed and
 * printed in each describe title: a failure names the seed and the shrunk program.
 */
import fc from 'fast-check';
import {
  ALL_COMPLETED,
  CancelledError,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  allTasks,
  asCompleted,
  createTask,
  gather,
  getRunningLoop,
  newVirtualEventLoop,
  simulate,
  sleep,
  taskGroup,
  wait,
  type Coro,
  type ReturnWhen,
  type Task,
} from '@yieldio/core';

const SEED = 20261123;
const RUNS = 150;

describe(`fairness (seed ${SEED})`, () => {
  function* yielder(k: number): Coro<void> {
    for (let i = 0; i < k; i++) yield;
  }

  function traceOf(n: number, k: number, options: { chaos: boolean; seed: number }): string[] {
    const trace: string[] = [];
    simulate(
      (function* (): Coro<void> {
        const tasks = Array.from({ length: n }, (_, i) => createTask(yielder(k), { name: `t${i}` }));
        yield* gather(tasks);
      })(),
      { ...options, onStep: (name) => name !== 'Task-1' && trace.push(name) },
    );
    return trace;
  }

  test('N tasks each yielding K times are resumed round-robin, in the same order every round', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 12 }), (n, k) => {
        const trace = traceOf(n, k, { chaos: false, seed: 0 });
        const round = Array.from({ length: n }, (_, i) => `t${i}`);
        expect(trace).toEqual(Array.from({ length: k + 1 }, () => round).flat());
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  test('under chaos every ready task still runs exactly once in each pass', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 12 }), fc.integer(), (n, k, seed) => {
        const trace = traceOf(n, k, { chaos: true, seed });
        expect(trace).toHaveLength(n * (k + 1));
        for (let pass = 0; pass <= k; pass++) {
          // No task runs twice before every other ready task has run once.
          expect(new Set(trace.slice(pass * n, (pass + 1) * n)).size).toBe(n);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

// A random tree of tasks: leaves sleep then return or throw; inner nodes await their
// children with gather, one by one, or in a taskGroup.
type Node =
  | { kind: 'leaf'; delay: number; fails: boolean; catchesCancel: boolean }
  | { kind: 'gather' | 'sequence' | 'group'; children: Node[]; returnExceptions: boolean };

const leafArb: fc.Arbitrary<Node> = fc.record({
  kind: fc.constant('leaf' as const),
  delay: fc.integer({ min: 0, max: 6 }),
  fails: fc.boolean(),
  catchesCancel: fc.boolean(),
});

const treeArb: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.record({
      kind: fc.constantFrom('gather' as const, 'sequence' as const, 'group' as const),
      children: fc.array(tie('node'), { minLength: 1, maxLength: 3 }),
      returnExceptions: fc.boolean(),
    }),
  ),
})).node;

const cancellationsArb = fc.array(fc.record({ at: fc.integer({ min: 0, max: 8 }), target: fc.nat() }), { maxLength: 4 });

interface Census {
  tasks: Task<unknown>[];
  /** Tasks whose body started: a task cancelled before its first step never enters it. */
  started: Set<string>;
  finallies: Map<string, number>;
  doneCallbacks: Map<string, number>;
}

function* runNode(node: Node, name: string, census: Census): Coro<unknown> {
  census.started.add(name);
  try {
    if (node.kind === 'leaf') {
      try {
        yield* sleep(node.delay);
      } catch (exc) {
        // Some leaves swallow a cancellation and finish normally: a request, not a kill.
        if (!(node.catchesCancel && exc instanceof CancelledError)) throw exc;
      }
      if (node.fails) throw new Error(`${name} failed`);
      return name;
    }
    const spawn = (child: Node, i: number) => spawnNode(child, `${name}.${i}`, census);
    if (node.kind === 'group') {
      return yield* taskGroup(function* (tg) {
        node.children.forEach((child, i) => track(tg.createTask(runNode(child, `${name}.${i}`, census), { name: `${name}.${i}` }), census));
        return name;
      });
    }
    const tasks = node.children.map(spawn);
    try {
      if (node.kind === 'gather') return yield* gather(tasks, { returnExceptions: node.returnExceptions });
      const results: unknown[] = [];
      for (const task of tasks) results.push(yield* task);
      return results;
    } catch (exc) {
      // gather (as asyncio) and a plain await leave the other children running on error:
      // cancel them and wait, as a careful program does, so no child outlives its parent.
      for (const task of tasks) task.cancel();
      yield* gather(tasks, { returnExceptions: true });
      throw exc;
    }
  } finally {
    census.finallies.set(name, (census.finallies.get(name) ?? 0) + 1);
  }
}

function spawnNode(node: Node, name: string, census: Census): Task<unknown> {
  return track(createTask(runNode(node, name, census), { name }), census);
}

function track(task: Task<unknown>, census: Census): Task<unknown> {
  census.tasks.push(task);
  const name = task.getName();
  task.addDoneCallback(() => census.doneCallbacks.set(name, (census.doneCallbacks.get(name) ?? 0) + 1));
  return task;
}

function* program(tree: Node, cancellations: { at: number; target: number }[], census: Census): Coro<string> {
  const root = spawnNode(tree, 'root', census);
  const cancellers = cancellations.map(({ at, target }) =>
    createTask(
      (function* (): Coro<void> {
        yield* sleep(at);
        const victim = census.tasks[target % census.tasks.length];
        victim.cancel(`cancelled at ${at}`);
      })(),
    ),
  );
  let outcome: string;
  try {
    outcome = `result ${JSON.stringify(yield* root)}`;
  } catch (exc) {
    outcome = `error ${String(exc)}`;
  }
  yield* gather(cancellers);
  // Let the last done callbacks run (they are scheduled, never called synchronously).
  yield* sleep(0);
  // Nothing is left pending: only this task is alive.
  expect([...allTasks()].map((t) => t.getName())).toEqual(['Task-1']);
  return outcome;
}

describe(`cancellation of random task trees (seed ${SEED})`, () => {
  test('every task ends in exactly one final state, every finally entered runs once, no callback runs twice', () => {
    fc.assert(
      fc.property(treeArb, cancellationsArb, fc.boolean(), fc.integer(), (tree, cancellations, chaos, seed) => {
        const census: Census = { tasks: [], started: new Set(), finallies: new Map(), doneCallbacks: new Map() };
        simulate(program(tree, cancellations, census), { chaos, seed });
        for (const task of census.tasks) {
          expect(task.done()).toBe(true);
          const name = task.getName();
          expect(census.finallies.get(name)).toBe(census.started.has(name) ? 1 : undefined);
          expect(census.doneCallbacks.get(name)).toBe(1);
          if (task.cancelled()) {
            expect(() => task.result()).toThrow(CancelledError);
          } else if (task.exception() !== null) {
            expect(() => task.result()).toThrow();
          } else {
            expect(() => task.result()).not.toThrow();
          }
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe(`determinism (seed ${SEED})`, () => {
  test('chaos is not a no-op: over seeds, one program runs in many orders, FIFO without chaos', () => {
    // Without this, the property below would hold for a chaos option that did nothing.
    function traceFor(options: { chaos: boolean; seed: number }): string {
      const trace: string[] = [];
      simulate(
        (function* (): Coro<void> {
          const tasks = Array.from({ length: 5 }, (_, i) =>
            createTask(
              (function* (): Coro<void> {
                for (let k = 0; k < 3; k++) yield;
              })(),
              { name: `t${i}` },
            ),
          );
          yield* gather(tasks);
        })(),
        { ...options, onStep: (name) => trace.push(name) },
      );
      return trace.join(' ');
    }
    const chaotic = new Set<string>();
    const fifo = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      chaotic.add(traceFor({ chaos: true, seed }));
      fifo.add(traceFor({ chaos: false, seed }));
    }
    expect(chaotic.size).toBeGreaterThan(10);
    expect(fifo.size).toBe(1);
  });

  test('the same program and seed give the same trace and outcome, with chaos on', () => {
    fc.assert(
      fc.property(treeArb, cancellationsArb, fc.integer(), (tree, cancellations, seed) => {
        const runOnce = () => {
          const trace: string[] = [];
          const census: Census = { tasks: [], started: new Set(), finallies: new Map(), doneCallbacks: new Map() };
          const outcome = simulate(program(tree, cancellations, census), {
            chaos: true,
            seed,
            onStep: (name, time) => trace.push(`${time}:${name}`),
          });
          return { trace, outcome };
        };
        expect(runOnce()).toEqual(runOnce());
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

// A job finishes after `delay` with a value, or an error. Delays are distinct so the
// model's "first to finish" is unambiguous.
type Job = { delay: number; fails: boolean };
const jobsArb = fc
  .uniqueArray(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 8 })
  .chain((delays) => fc.tuple(...delays.map((delay) => fc.record({ delay: fc.constant(delay), fails: fc.boolean() }))));

function* job({ delay, fails }: Job): Coro<number> {
  yield* sleep(delay);
  if (fails) throw new Error(`job ${delay}`);
  return delay;
}

const byDelay = (jobs: Job[]) => [...jobs].sort((a, b) => a.delay - b.delay);

describe(`gather, wait and asCompleted against a sequential model (seed ${SEED})`, () => {
  test('gather returns every result in argument order, or the first error to happen', () => {
    fc.assert(
      fc.property(jobsArb, fc.boolean(), (jobs, chaos) => {
        const outcome = simulate(
          (function* (): Coro<unknown> {
            try {
              return yield* gather(jobs.map(job));
            } catch (exc) {
              return String(exc);
            }
          })(),
          { chaos, seed: SEED },
        );
        const firstError = byDelay(jobs).find((j) => j.fails);
        expect(outcome).toEqual(firstError ? `Error: job ${firstError.delay}` : jobs.map((j) => j.delay));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  test('gather with returnExceptions puts each error in its place', () => {
    fc.assert(
      fc.property(jobsArb, (jobs) => {
        const outcome = simulate(
          (function* (): Coro<unknown[]> {
            return yield* gather(jobs.map(job), { returnExceptions: true });
          })(),
        );
        expect(outcome.map((r) => (r instanceof Error ? r.message : r))).toEqual(jobs.map((j) => (j.fails ? `job ${j.delay}` : j.delay)));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  test('wait returns done and pending sets as the model predicts, for every returnWhen and timeout', () => {
    fc.assert(
      fc.property(
        jobsArb,
        fc.constantFrom<ReturnWhen>(FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED),
        fc.option(fc.integer({ min: 0, max: 50 }).map((t) => t + 0.5)),
        (jobs, returnWhen, timeout) => {
          const doneDelays = simulate(
            (function* (): Coro<number[]> {
              const tasks = jobs.map((j) => createTask(job(j), { name: String(j.delay) }));
              const [done, pending] = yield* wait(tasks, { returnWhen, timeout });
              expect(done.size + pending.size).toBe(jobs.length);
              for (const task of tasks) task.cancel();
              yield* gather(tasks, { returnExceptions: true });
              return [...done].map((t) => Number(t.getName())).sort((a, b) => a - b);
            })(),
          );
          const sorted = byDelay(jobs);
          let stopAt: number;
          if (returnWhen === FIRST_COMPLETED) stopAt = sorted[0].delay;
          else if (returnWhen === FIRST_EXCEPTION) stopAt = sorted.find((j) => j.fails)?.delay ?? sorted[sorted.length - 1].delay;
          else stopAt = sorted[sorted.length - 1].delay;
          if (timeout !== null) stopAt = Math.min(stopAt, timeout);
          expect(doneDelays).toEqual(sorted.filter((j) => j.delay <= stopAt).map((j) => j.delay));
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  test('asCompleted yields outcomes in completion order', () => {
    fc.assert(
      fc.property(jobsArb, fc.boolean(), (jobs, chaos) => {
        const outcomes = simulate(
          (function* (): Coro<unknown[]> {
            const seen: unknown[] = [];
            for (const next of asCompleted(jobs.map(job))) {
              try {
                seen.push(yield* next);
              } catch (exc) {
                seen.push((exc as Error).message);
              }
            }
            return seen;
          })(),
          { chaos, seed: SEED },
        );
        expect(outcomes).toEqual(byDelay(jobs).map((j) => (j.fails ? `job ${j.delay}` : j.delay)));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe(`timers (seed ${SEED})`, () => {
  test('timers fire in deadline order, ties in scheduling order, cancelled ones never', () => {
    const timerArb = fc.array(fc.record({ delay: fc.integer({ min: 0, max: 5 }), cancelled: fc.boolean(), absolute: fc.boolean() }), {
      maxLength: 40,
    });
    fc.assert(
      fc.property(timerArb, (timers) => {
        const loop = newVirtualEventLoop();
        const fired: number[] = [];
        loop.runUntilComplete(
          (function* (): Coro<void> {
            const running = getRunningLoop();
            const handles = timers.map(({ delay, absolute }, i) =>
              absolute ? running.callAt(running.time() + delay, () => fired.push(i)) : running.callLater(delay, () => fired.push(i)),
            );
            timers.forEach((t, i) => t.cancelled && handles[i].cancel());
            yield* sleep(10);
          })(),
        );
        loop.close();
        const expected = timers
          .map((t, i) => ({ ...t, i }))
          .filter((t) => !t.cancelled)
          .sort((a, b) => a.delay - b.delay || a.i - b.i)
          .map((t) => t.i);
        expect(fired).toEqual(expected);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
  test('hundreds of timers, most cancelled, some scheduled from a timer callback: the same order', () => {
    // Over 100 timers with more than half cancelled makes the loop rebuild its heap
    // rather than pop cancelled timers one by one; the order must not change.
    const specArb = fc.record({ delay: fc.integer({ min: 0, max: 5 }), cancelled: fc.integer({ min: 0, max: 9 }).map((n) => n < 7) });
    const planArb = fc.record({
      first: fc.array(specArb, { minLength: 101, maxLength: 300 }),
      later: fc.array(specArb, { maxLength: 60 }),
      at: fc.integer({ min: 0, max: 5 }),
    });
    fc.assert(
      fc.property(planArb, ({ first, later, at }) => {
        const fired: number[] = [];
        simulate(
          (function* (): Coro<void> {
            const loop = getRunningLoop();
            // Scheduled first (seq 0): at time `at` it schedules the later batch.
            loop.callAt(at, () => {
              later.forEach(({ delay, cancelled }, i) => {
                const handle = loop.callLater(delay, () => fired.push(first.length + i));
                if (cancelled) handle.cancel();
              });
            });
            first.forEach(({ delay, cancelled }, i) => {
              const handle = loop.callLater(delay, () => fired.push(i));
              if (cancelled) handle.cancel();
            });
            yield* sleep(20);
          })(),
        );
        // The model: deadline, then the order of scheduling (the later batch after the first).
        const all = [...first.map((t, i) => ({ ...t, when: t.delay, i })), ...later.map((t, i) => ({ ...t, when: at + t.delay, i: first.length + i }))];
        const expected = all
          .filter((t) => !t.cancelled)
          .sort((a, b) => a.when - b.when || a.i - b.i)
          .map((t) => t.i);
        expect(fired).toEqual(expected);
      }),
      { seed: SEED, numRuns: 60 },
    );
  });
});
