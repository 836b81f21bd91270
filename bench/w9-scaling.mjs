// W9 scaling: does a task cost the same when there are a million of them? (issue #15)
//
// W2 (createTask + gather, each child returning at its first step) and W5b (tasks each
// sleeping twice on the virtual clock) at 10^3, 10^4, 10^5 and 10^6 tasks. Figures: wall
// time per task at each size, and the peak heap (heap used at the moment every task
// exists, after a forced GC, minus the heap before). Target: the cost per task at 10^6 at
// most 1.5x the cost at 10^3, for each workload. Costs that grow with the task count
// come from what each task keeps alive (the GC walks it at every major collection).
//
// Each size runs in a child `node --expose-gc` process (this file, with arguments), warmed
// up on the smallest size first, so one size's heap and JIT state do not colour the next.
// `--quick` stops at 10^5.
import { fileURLToPath } from 'node:url';
import { row, runNode } from './lib.mjs';

const self = fileURLToPath(import.meta.url);
const SIZES = [1e3, 1e4, 1e5, 1e6];
const SLEEPS = 2;

function heapAfterGc() {
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

/** In the child: one run of `workload` at size n; returns { ms, peak } (peak heap bytes). */
async function once(yio, workload, n) {
  let peak = 0;
  const before = heapAfterGc();
  const t0 = performance.now();
  if (workload === 'W2') {
    await yio.run(
      (function* () {
        const tasks = new Array(n);
        for (let i = 0; i < n; i++) tasks[i] = yio.createTask(child(i));
        peak = process.memoryUsage().heapUsed;
        const results = yield* yio.gather(tasks);
        if (results[n - 1] !== n - 1) throw new Error('W9: wrong results');
      })(),
    );
  } else {
    yio.simulate(
      (function* () {
        const tasks = new Array(n);
        for (let i = 0; i < n; i++) tasks[i] = yio.createTask(sleeper(yio, i));
        yield; // every sleeper has taken its first step and armed its timer
        peak = process.memoryUsage().heapUsed;
        yield* yio.gather(tasks);
      })(),
      // 10^5 tasks starting at one instant are more steps than the livelock budget allows.
      { maxStepsPerInstant: Infinity },
    );
  }
  return { ms: performance.now() - t0, peak: peak - before };
}

function* child(i) {
  return i;
}

function* sleeper(yio, i) {
  for (let k = 0; k < SLEEPS; k++) yield* yio.sleep(((i * 7919 + k * 104729) % 1000) / 1000);
}

async function childMain(workload, n) {
  const yio = await import('@yieldio/core');
  for (let i = 0; i < 5; i++) await once(yio, workload, 1e3); // warm up the JIT
  const repeat = n >= 1e6 ? 1 : n >= 1e5 ? 3 : n >= 1e4 ? 10 : 30; // small sizes are noisy: take more bests
  let best = { ms: Infinity, peak: 0 };
  for (let i = 0; i < repeat; i++) {
    const r = await once(yio, workload, n);
    if (r.ms < best.ms) best = r;
  }
  console.log(JSON.stringify({ nsPerTask: (best.ms * 1e6) / n, peakMiB: best.peak / 2 ** 20 }));
}

if (process.argv[1] === self) {
  await childMain(process.argv[2], Number(process.argv[3]));
}

export default async function w9({ quick }) {
  const rows = [];
  for (const workload of ['W2', 'W5b']) {
    const name = `W9 scaling ${workload === 'W2' ? 'W2 spawn+join' : `W5b ${SLEEPS} virtual sleeps`}`;
    let base = null;
    for (const n of SIZES.filter((s) => !quick || s <= 1e5)) {
      const r = runNode(self, [workload, n], { nodeFlags: ['--expose-gc', '--max-old-space-size=8192'] });
      base ??= r.nsPerTask;
      rows.push(
        row(name, `yieldio ${n.toExponential(0).replace('e+', 'e')} tasks`, r.nsPerTask, 'ns/task', {
          note: `peak heap ${r.peakMiB.toFixed(1)} MiB; ${(r.nsPerTask / base).toFixed(2)}x the cost at 1e3`,
          ...(n === 1e6 ? { target: { max: Math.round(1.5 * base) } } : {}),
        }),
      );
    }
  }
  return rows;
}
