// W8 (issue #7): toThread against worker_threads used directly.
//   (a) round trip: one call at a time, a trivial function, after warm-up;
//   (b) saturated: many calls in flight, as many threads as the pool has.
// The floor is a minimal pool written here on worker_threads: the same number of threads,
// one job per thread at a time, jobs dispatched in order, a fixed function in the thread.
// yieldio's pool cannot know the function in advance: it sends its source text to a thread
// the first time, an id after that, which is part of what is measured.
//
// Where the time goes (issue #15, profiled with --cpu-prof on 20,000 sequential calls, 2
// cores shared with other work, so figures move by 20% from run to run): most of a round
// trip is the two postMessage calls and the threads' wake-ups, which the floor pays too.
// The pool used to add ~10 us of CPU a call: the source text cloned into every job and
// hashed in the thread to find the compiled function, `toString` and the native-code check
// in every submit, and an async handler in the thread (a Promise and a microtask per job).
// Now a function is read once (WeakMap), a thread gets the text once then an id, and a
// plain result is posted at once (thread-pool-executor.ts, worker-source.ts). Measured
// interleaved, medians: round trip 1.46-1.96x -> 1.18-1.37x of the floor, saturated
// 1.17-1.38x -> 0.79-1.10x. What remains is core's, ~4 us of main-thread CPU a call
// (toThread on an executor that answers at once): the toThread coroutine, runInExecutor's
// checks, wrapPromise's Future and `then`, the Promise settling in a microtask, and the
// host's wake-up, a setImmediate hop before the pass that resumes the task (one pass; no
// extra ones), where the floor posts the next job from the reply's own callback.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { row } from './lib.mjs';

const core = await import('@yieldio/core');
const threads = await import('@yieldio/threads');

const REPEAT = 3;

function addOne(x) {
  return x + 1;
}

/** The floor: a pool of `size` threads running addOne on each message. */
function directPool(size) {
  const source = `
    const { parentPort } = require('node:worker_threads');
    parentPort.on('message', (job) => parentPort.postMessage({ id: job.id, result: job.arg + 1 }));
  `;
  const idle = [];
  const queue = [];
  const pending = new Map();
  let nextId = 0;
  const dispatch = () => {
    while (idle.length > 0 && queue.length > 0) {
      const worker = idle.pop();
      worker.postMessage(queue.shift());
    }
  };
  for (let i = 0; i < size; i++) {
    const worker = new Worker(source, { eval: true });
    worker.on('message', ({ id, result }) => {
      const resolve = pending.get(id);
      pending.delete(id);
      idle.push(worker);
      dispatch();
      resolve(result);
    });
    idle.push(worker);
  }
  return {
    call(arg) {
      return new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        queue.push({ id, arg });
        dispatch();
      });
    },
    close: () => Promise.all(idle.map((w) => w.terminate())),
  };
}

async function measureDirect(n, m, size) {
  const pool = directPool(size);
  for (let i = 0; i < 200; i++) await pool.call(i);
  let roundTrip = Infinity;
  let saturated = Infinity;
  for (let rep = 0; rep < REPEAT; rep++) {
    let t0 = performance.now();
    for (let i = 0; i < n; i++) await pool.call(i);
    roundTrip = Math.min(roundTrip, ((performance.now() - t0) * 1e6) / n);
    t0 = performance.now();
    await Promise.all(Array.from({ length: m }, (_, i) => pool.call(i)));
    saturated = Math.min(saturated, ((performance.now() - t0) * 1e6) / m);
  }
  await pool.close();
  return { roundTrip, saturated };
}

async function measureYieldio(n, m, size) {
  return core.run(
    (function* () {
      core.getRunningLoop().setDefaultExecutor(new threads.ThreadPoolExecutor({ maxWorkers: size }));
      for (let i = 0; i < 200; i++) yield* core.toThread(addOne, i);
      let roundTrip = Infinity;
      let saturated = Infinity;
      for (let rep = 0; rep < REPEAT; rep++) {
        let t0 = performance.now();
        for (let i = 0; i < n; i++) yield* core.toThread(addOne, i);
        roundTrip = Math.min(roundTrip, ((performance.now() - t0) * 1e6) / n);
        t0 = performance.now();
        yield* core.gather(Array.from({ length: m }, (_, i) => core.toThread(addOne, i)));
        saturated = Math.min(saturated, ((performance.now() - t0) * 1e6) / m);
      }
      return { roundTrip, saturated };
    })(),
  );
}

export default async function ({ quick }) {
  const n = quick ? 200 : 3000;
  const m = quick ? 2000 : 30000;
  const size = Math.min(availableParallelism(), 4);
  const direct = await measureDirect(n, m, size);
  const ours = await measureYieldio(n, m, size);
  const a = 'W8a toThread round trip';
  const b = 'W8b toThread saturated';
  const notes = { note: `${size} threads; best of ${REPEAT}` };
  return [
    row(a, 'floor', direct.roundTrip / 1000, 'us/call', { note: `worker_threads used directly; ${n} calls` }),
    row(a, 'yieldio toThread', ours.roundTrip / 1000, 'us/call', { target: { maxRatio: 1.2 }, ...notes }),
    row(b, 'floor', direct.saturated / 1000, 'us/call', { note: `worker_threads used directly; ${m} calls in flight` }),
    row(b, 'yieldio toThread', ours.saturated / 1000, 'us/call', { target: { maxRatio: 1.2 }, ...notes }),
  ];
}
