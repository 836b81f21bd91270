// W2 spawn+join: a main task creates 100,000 tasks, each returning a value at its first
// step, and gathers them all (results in order). Figure: wall time per task, for the
// whole program (start, spawn, join, results).
//
//   yieldio        createTask(child(i)) x N, then yield* gather(tasks)
//   yieldio eager  the same with { eagerStart: true } (3.12 eager tasks: each child
//                  finishes inside createTask and never touches the ready queue)
//   floor          bench/floor.mjs Ring: spawn a fiber per child, join them
//   native         async functions returning i, Promise.all
//   effection      yield* all(ops) (it spawns a task per operation)
//   asyncio        gather(*[create_task(child(i)) ...])
//
// Where the time goes (#15, target 2x the floor): about a third is garbage collection of
// the 100,000 live tasks (a task is a generator of ~140 bytes plus a Task of 17 fields,
// where the floor's fiber has 5). With a 64 MiB young generation (node
// --max-semi-space-size=64, less GC for everyone) the floor fell to ~290 ns a task and
// yieldio to ~1130 ns, so the rest is per-task work spread thin, no part above 10%: the
// Task constructor and its place in the loop's task list, a step in its context with
// the current task set, gather's per-child bookkeeping (an awaited-by edge, a waiter, and
// one pass per completion, as asyncio's done callbacks take). #15 removed a Context copy,
// an options object and two fields per task (W4); W2 moved within the noise. Its second
// round measured the heap (sampling profiler): about 400 bytes allocated per task, of
// which the Task is 128 (13 fields), the child's generator object about 130 and its
// first `next()` result 40; the rest is the ready queue and gather's completion queue
// growing to 100,000 entries. GC was 35-45% of the run (PerformanceObserver 'gc'
// entries), the floor's 65% of a shorter run: the difference in bytes is the Task's
// fields beyond the floor's 5, which asyncio's duties need (state, result, exception,
// loop, callbacks, awaited-by, coroutine, context, name, waited-on future,
// cancellation count, and the pending-task list's two links). The CPU part lost a
// second coroutine check per task (loop.createTask checks; the Task constructor
// trusted it). Measured on the way: returning to Node's event loop between the two
// passes of 100,000 steps (a real host that read its clock every 64 callbacks, and so
// yielded after each long pass) cost a third more CPU, GC work done at the macrotask
// boundary; the host yields after 8 passes at the soonest, as it always did. In CPU
// time (4 runs interleaved with a build of the round's start, load 8 to 11): createTask
// + gather 3.0x -> 2.8x, eager 1.9x -> 1.8x.
import * as yio from '@yieldio/core';
import * as effection from 'effection';
import { Group, Ring, join } from './floor.mjs';
import { interleavedBest, row, runPython } from './lib.mjs';

function check(results, n) {
  if (results.length !== n || results[n - 1] !== n - 1) throw new Error(`W2: wrong results (${results.length}, last ${results[n - 1]})`);
}

function* yioChild(i) {
  return i;
}

function yioRun(n, eager) {
  const options = eager ? { eagerStart: true } : undefined;
  return yio
    .run(
      (function* () {
        const tasks = new Array(n);
        for (let i = 0; i < n; i++) tasks[i] = yio.createTask(yioChild(i), options);
        return yield* yio.gather(tasks);
      })(),
    )
    .then((results) => check(results, n));
}

function* floorChild(i) {
  return i;
}

function floorRun(n) {
  const ring = new Ring();
  const main = ring.spawn(
    (function* () {
      const group = new Group();
      for (let i = 0; i < n; i++) ring.spawn(floorChild(i), group);
      return yield* join(group);
    })(),
  );
  ring.run();
  check(main.value, n);
}

async function nativeChild(i) {
  return i;
}

async function nativeRun(n) {
  const promises = new Array(n);
  for (let i = 0; i < n; i++) promises[i] = nativeChild(i);
  check(await Promise.all(promises), n);
}

function* effectionChild(i) {
  return i;
}

async function effectionRun(n) {
  const results = await effection.run(function* () {
    const ops = new Array(n);
    for (let i = 0; i < n; i++) ops[i] = effectionChild(i);
    return yield* effection.all(ops);
  });
  check(results, n);
}

const PYTHON = `
import asyncio, json, time
N, ROUNDS = %N%, %ROUNDS%
async def child(i):
    return i
async def main():
    results = await asyncio.gather(*[asyncio.create_task(child(i)) for i in range(N)])
    assert results[-1] == N - 1
asyncio.run(main())  # warm-up
best = float('inf')
for _ in range(ROUNDS):
    t0 = time.perf_counter()
    asyncio.run(main())
    best = min(best, time.perf_counter() - t0)
print(json.dumps(best * 1000))
`;

export default async function ({ python, quick }) {
  const n = quick ? 10_000 : 100_000;
  // effection spends ~250 us per task here (~28 s a run at 100,000): it runs a tenth as
  // many tasks, 3 rounds (the figure is per task, and its cost per task is flat in n).
  const effectionN = n / 10;
  const rounds = quick ? 1 : { default: 9, effection: 3 };
  const best = await interleavedBest(
    {
      floor: () => floorRun(n),
      yieldio: () => yioRun(n, false),
      'yieldio eager': () => yioRun(n, true),
      native: () => nativeRun(n),
      effection: () => effectionRun(effectionN),
    },
    { rounds },
  );
  const perTask = (ms, tasks = n) => (ms * 1e6) / tasks;
  const asyncio = python ? runPython(PYTHON.replace('%N%', n).replace('%ROUNDS%', quick ? 1 : 5)) : null;
  const goals = [{ maxRatio: 2 }, { minRatioOf: 'asyncio', min: 10 }]; // #15
  const rows = [
    row('W2 spawn+join', 'floor', perTask(best.floor), 'ns/task', { note: `${n} tasks` }),
    row('W2 spawn+join', 'yieldio', perTask(best.yieldio), 'ns/task', { target: goals, note: 'createTask + gather' }),
    row('W2 spawn+join', 'yieldio eager', perTask(best['yieldio eager']), 'ns/task', { target: goals, note: 'eagerStart: true' }),
    row('W2 spawn+join', 'native', perTask(best.native), 'ns/task', { note: 'async fn + Promise.all' }),
    row('W2 spawn+join', 'effection', perTask(best.effection, effectionN), 'ns/task', { note: `all(ops); ${effectionN} tasks` }),
  ];
  if (asyncio !== null) rows.push(row('W2 spawn+join', 'asyncio', perTask(asyncio), 'ns/task', { note: 'create_task + gather; best of 5' }));
  return rows;
}
