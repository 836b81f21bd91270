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
// Where the time goes (#15, target 2x the floor): about half of the run is garbage
// collection, as it is of the floor's: all 100,000 tasks live until the gather ends, so
// every scavenge copies them (V8's --trace-gc-nvp: scavenges are almost all
// "scavenge.parallel", at ~660 KB of survivors a millisecond). What survives per task is
// a Task of 128 bytes (13 fields: state, result, exception, loop, callbacks, awaited-by,
// coroutine, context, name, waited-on future, cancellation state, and the pending-task
// list's two links, which asyncio's duties need) and the child's generator of 128 (80
// and its registers), where the floor's fiber is 64 bytes (5 fields). #15's first
// rounds removed a Context copy, an options object and two fields per task (W4), and a
// second coroutine check per task.
//
// #15's third round cut what grew with the number of tasks rather than the per-task
// fields. Bytes allocated per task (heap used across one run in a process with a
// 128 MiB young generation, so that no GC runs during it; steady to 1 byte):
//   - gather's waiter put itself on the ready queue once per completed child, and kept
//     the children in an array grown by push: completions that arrive back to back now
//     share one ready entry (asyncio runs their done callbacks one after another, and so
//     does that one run), and the array is sized at the first completion;     405 -> 358
//   - the loop's ready queue was one array, copied at each growth, past 16,000 entries
//     into a new large object each time (every W2 round is a fresh loop): it now goes on
//     in chunks of 4096 entries, made once and kept;                           358 -> 342
//   - eager: gather's list of children done already was grown by push (390 -> 330).
// What is left of the 342: the Task 128, the generator 128, the child's first next()
// result 40, and 8 each in the tasks array, gather's children, its completion queue and
// the results. Instructions per task (callgrind over node, 3 runs minus 1 run, so steady
// whatever the machine's load): createTask + gather 6683 -> 5208, eager 5493 -> 5007,
// the floor 5145: the instructions are now the floor's, so what is left of the gap in
// time is not work done but memory touched: the GC's copies of the larger survivors
// (a --cpu-prof: GC 54% of yieldio's run, 60% of the floor's shorter one), and a Task
// visited by createTask, its step, gather's registration and its completion, where the
// floor visits a fiber twice, each visit out of cache once 100,000 tasks (26 MB) outgrow
// it. This file, 3 interleaved runs with the round's start (wall, best of 9, load
// about 5 on 2 cores): createTask + gather 1.97 / 1.59 / 1.77x -> 1.53 / 1.26 / 1.37x the
// floor (medians 1.77x -> 1.37x); eager within the noise (1.05x -> 1.20x median, the
// instruction counts say 9% fewer). Measured on the way: returning to Node's event loop
// between the two passes of 100,000 steps (a real host that read its clock every 64
// callbacks, and so yielded after each long pass) cost a third more CPU, GC work done at
// the macrotask boundary; the host yields after 8 passes at the soonest, as it always did.
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
