// S3: explore's speed. A small program (10 tasks of 100 bare yields each, a counter
// checked at the end) run under many seeds:
//   explore random / pct   runs per second of explore() in one thread (one core), no failure
//   sweep, 1 / 2 workers   yieldio-sim sweep (worker threads) on the same program, runs per
//                          second, and the speed-up from 1 to 2 workers
// Targets (issue #12): >= 5,000 runs/s for the small program; >= 1.7x on 2 cores.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createTask, gather } from '@yieldio/core';
import { explore } from '@yieldio/sim';
import { row } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const W = 'S3 explore';

function* program() {
  let count = 0;
  const tasks = [];
  for (let t = 0; t < 10; t++) {
    tasks.push(
      createTask(
        (function* () {
          for (let i = 0; i < 100; i++) {
            count++;
            yield;
          }
        })(),
      ),
    );
  }
  yield* gather(tasks);
  if (count !== 1000) throw new Error(`count is ${count}`);
}

function best(fn, repeats) {
  let top = 0;
  for (let r = 0; r < repeats; r++) top = Math.max(top, fn());
  return top;
}

export default async function s3({ quick }) {
  const runs = quick ? 200 : 3000;
  const repeats = quick ? 1 : 3;
  explore(() => program(), { runs: 200 }); // warm up
  const random = best(() => explore(() => program(), { runs, scheduler: 'random' }).seedsPerSecond, repeats);
  const pct = best(() => explore(() => program(), { runs, scheduler: 'pct' }).seedsPerSecond, repeats);
  const fifo = best(() => explore(() => program(), { runs, scheduler: 'fifo' }).seedsPerSecond, repeats);

  // The sweep, 1 and 2 workers, on the same program in a module file.
  const dir = mkdtempSync(join(tmpdir(), 'yieldio-s3-'));
  // Node's entry of core (the ESM wrapper of its CommonJS build), the one the CLI's own
  // import of @yieldio/core resolves to: the program and the sweep share one core.
  const core = pathToFileURL(join(here, '..', 'packages', 'core', 'dist', 'index.node.mjs')).href;
  writeFileSync(
    join(dir, 'program.mjs'),
    `import { createTask, gather } from ${JSON.stringify(core)};\n` +
      `export default () => (function* () {\n  let count = 0; const tasks = [];\n` +
      `  for (let t = 0; t < 10; t++) tasks.push(createTask((function* () { for (let i = 0; i < 100; i++) { count++; yield; } })()));\n` +
      `  yield* gather(tasks);\n  if (count !== 1000) throw new Error('count is ' + count);\n})();\n` +
      `export const options = { scheduler: 'random' };\n`,
  );
  const sweepRuns = quick ? 1000 : 20000;
  const sweep = (workers) => {
    const t0 = performance.now();
    const result = spawnSync(
      process.execPath,
      [join(here, '..', 'packages', 'sim', 'dist', 'cli.mjs'), 'sweep', join(dir, 'program.mjs'), '--runs', String(sweepRuns), '--workers', String(workers)],
      { encoding: 'utf8' },
    );
    if (result.status !== 0) throw new Error(`sweep failed: ${result.stderr || result.stdout}`);
    return sweepRuns / ((performance.now() - t0) / 1000);
  };
  let one = 0;
  let two = 0;
  try {
    for (let r = 0; r < repeats; r++) {
      one = Math.max(one, sweep(1));
      two = Math.max(two, sweep(2));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const note = '10 tasks x 100 yields per run';
  return [
    row(W, 'explore, random', Math.round(random), 'runs/s', { higherIsBetter: true, target: { min: 5000 }, note }),
    row(W, 'explore, pct', Math.round(pct), 'runs/s', { higherIsBetter: true, target: { min: 5000 }, note }),
    row(W, 'explore, fifo', Math.round(fifo), 'runs/s', { higherIsBetter: true, note: `${note}; no scheduling decisions` }),
    row(W, 'sweep, 1 worker', Math.round(one), 'runs/s', { higherIsBetter: true, note: `${sweepRuns} runs, whole command (startup included)` }),
    row(W, 'sweep, 2 workers', Math.round(two), 'runs/s', {
      higherIsBetter: true,
      target: { minRatioOf: 'sweep, 1 worker', min: 1.7 },
      note: `speed-up ${(two / one).toFixed(2)}x over 1 worker`,
    }),
  ];
}
