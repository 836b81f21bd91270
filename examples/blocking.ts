// blocking: blocking functions made non-blocking. `wait(seconds)` blocks its thread,
// as a synchronous file read, a CPU-bound loop or a legacy library would. Called in a
// coroutine, it freezes the whole loop: a ticker task that should tick every 50 ms
// cannot. Moved to worker threads with `toThread` (the default pool, `@yieldio/threads`)
// or `loop.runInExecutor` (a pool of our own), the calls overlap, and the loop keeps
// ticking meanwhile. The timings prove both.
// Run it: npm run example -- blocking
import { gather, getRunningLoop, sleep, toThread, wrapPromise, type Awaitable, type Coro } from '@yieldio/core';
import { ThreadPoolExecutor } from '@yieldio/threads';

/**
 * Blocks the calling thread for `seconds`. Self-contained on purpose: a function crosses
 * to a worker thread as source text, so it may use nothing from outside its body.
 */
function wait(seconds: number): number {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
  return seconds;
}

export interface Phase {
  name: string;
  took: number;
  ticks: number;
}

export function* main(jobs = 4, seconds = 0.2): Coro<Phase[]> {
  const loop = getRunningLoop();
  let ticks = 0;
  const ticker = loop.createTask(
    (function* (): Coro<void> {
      for (;;) {
        yield* sleep(0.05);
        ticks++;
      }
    })(),
  );
  const phases: Phase[] = [];
  function* measure(name: string, body: () => Awaitable<unknown>, warmUp?: () => Awaitable<unknown>): Coro<void> {
    // Starting a thread takes tens of milliseconds: start them before the clock runs.
    if (warmUp !== undefined) yield* warmUp();
    yield* sleep(0.06); // let the ticker settle
    const start = loop.time();
    const ticksBefore = ticks;
    yield* body();
    const phase = { name, took: loop.time() - start, ticks: ticks - ticksBefore };
    phases.push(phase);
    console.log(`${name}: ${jobs} x wait(${seconds}) took ${phase.took.toFixed(2)} s; the ticker ticked ${phase.ticks} times`);
  }

  yield* measure('called in the loop', function* () {
    for (let i = 0; i < jobs; i++) wait(seconds); // the loop is stuck here
  });
  const onThreads = (n: number) => gather(...Array.from({ length: jobs }, () => toThread(wait, n)));
  yield* measure('toThread (default pool)', () => onThreads(seconds), () => onThreads(0.05));
  const pool = new ThreadPoolExecutor({ maxWorkers: jobs });
  const onPool = (n: number) => gather(...Array.from({ length: jobs }, () => loop.runInExecutor(pool, wait, n)));
  try {
    yield* measure(`runInExecutor (${jobs} threads)`, () => onPool(seconds), () => onPool(0.05));
  } finally {
    yield* wrapPromise(pool.shutdown());
  }
  ticker.cancel();
  return phases;
}
