// Shared helpers for the benchmarks. Each workload file bench/wN-*.mjs exports
// `default async function ({ python, quick }) => Row[]`; bench/run.mjs runs them all and
// prints one table. Ratios are always against the `floor` row of the same workload,
// measured in the same run: machines are shared and noisy, absolute times are not.
import { execFileSync, spawnSync } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// A forced young-generation GC between timed runs, so one implementation's short-lived
// garbage is not collected on the next one's clock (works without `node --expose-gc`).
// Not a full GC: a full collection frees the previous run's objects that V8's optimized
// code had embedded (a closure it called, a map it checked), and every such function is
// deoptimized and must warm up again. A full GC before each run measured S1 at 112k
// round trips/s, a young one at 365k, with the same code in the same minute; W2 2.8x
// against 2.1x of its floor; floors, small and quick to optimize, moved little. A program
// meets a full GC only when its old generation grows, so the warm figure is the one a
// long run sees; S1's "cold" row shows a first run in a fresh process.
setFlagsFromString('--expose-gc');
const gcNow = runInNewContext('gc');

/** Collect the young generation's garbage now (a scavenge): see above. */
export function forceGc() {
  gcNow({ type: 'minor' });
}

/** Best wall time (ms) of `repeat` runs of `fn` (async or not), after one warm-up. */
export async function bestOf(fn, { repeat = 5, warmup = 1 } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  let best = Infinity;
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    await fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** Best CPU time (ms, user+system) of `repeat` runs. */
export async function bestCpuOf(fn, { repeat = 3, warmup = 1 } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  let best = Infinity;
  for (let i = 0; i < repeat; i++) {
    const c0 = process.cpuUsage();
    await fn();
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / 1000);
  }
  return best;
}

/**
 * Time several implementations in interleaved rounds (a, b, c, a, b, c, ...) and keep
 * each one's best time (ms): on a shared machine a burst of load then hits every
 * implementation alike, rather than whichever ran during it. A young-generation GC is
 * forced before each run (forceGc). `impls` maps a name to a function (sync or async); `rounds` may be a number or a
 * map name -> number (with `default`), so slow peers run fewer rounds; `warmup` untimed
 * runs each first. `clock` is 'wall' (performance.now) or 'cpu' (user + system time of
 * this process, all threads). Returns name -> { ms, value }, where `value` is what the
 * function returned in its best run (lateness statistics, a checksum).
 */
export async function interleaved(impls, { rounds = 5, warmup = 1, clock = 'wall' } = {}) {
  const names = Object.keys(impls);
  const roundsOf = (name) => (typeof rounds === 'number' ? rounds : rounds[name] ?? rounds.default ?? 5);
  const now = clock === 'cpu' ? () => {
    const c = process.cpuUsage();
    return (c.user + c.system) / 1000;
  } : () => performance.now();
  const best = Object.fromEntries(names.map((n) => [n, { ms: Infinity, value: undefined }]));
  for (const name of names) for (let i = 0; i < warmup; i++) await impls[name]();
  const maxRounds = Math.max(...names.map(roundsOf));
  for (let round = 0; round < maxRounds; round++) {
    for (const name of names) {
      if (round >= roundsOf(name)) continue;
      forceGc();
      const t0 = now();
      const value = await impls[name]();
      const ms = now() - t0;
      if (ms < best[name].ms) best[name] = { ms, value };
    }
  }
  return best;
}

/** `interleaved` on the wall clock, best times only: name -> ms. */
export async function interleavedBest(impls, options) {
  const best = await interleaved(impls, options);
  return Object.fromEntries(Object.entries(best).map(([name, { ms }]) => [name, ms]));
}

let pythonPresent;
export function hasPython() {
  pythonPresent ??= spawnSync('python3', ['--version'], { encoding: 'utf8' }).status === 0;
  return pythonPresent;
}

/** Run a Python script that prints one JSON value; returns it (or null when python3 is missing). */
export function runPython(script, { timeoutMs = 600000 } = {}) {
  if (!hasPython()) return null;
  const out = execFileSync('python3', ['-c', script], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split('\n').pop());
}

/**
 * Run a Node script in a child process (e.g. with `--expose-gc` to measure memory
 * after a forced GC, away from this process's heap); it prints one JSON value as its
 * last line of stdout, which is returned. `args` go to the script.
 */
export function runNode(scriptPath, args = [], { nodeFlags = [], timeoutMs = 600000 } = {}) {
  const out = execFileSync(process.execPath, [...nodeFlags, scriptPath, ...args.map(String)], {
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 1 << 24,
  });
  return JSON.parse(out.trim().split('\n').pop());
}

/** A seeded PRNG (mulberry32) in [0, 1): the same delays for every implementation. */
export function seededRandom(seed = 1) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A row: { workload, impl, value, unit, higherIsBetter?, target?, note? }.
 * `target` is one target or an array of them:
 *   { maxRatio }          at most this many times the floor (or, with higherIsBetter, ...)
 *   { minRatio }          at least this ratio to the floor
 *   { max } / { min }     an absolute bound in the row's unit (bytes, ms)
 *   { minRatioOf, min }   at least `min` times better than the row named `minRatioOf`
 *                         (e.g. { minRatioOf: 'asyncio', min: 10 }: 10x ahead of asyncio)
 * `note` is free text shown in the last column (lateness, repeats, why a row is missing).
 */
export function row(workload, impl, value, unit, extra = {}) {
  return { workload, impl, value, unit, ...extra };
}

/** Check one target of row `r` in `group`: [text, met] (met is 'yes', 'NO', 'n/a'). */
function checkTarget(r, t, group) {
  if (t.maxRatio !== undefined) {
    return [`<= ${t.maxRatio}x floor`, r.ratio === undefined ? 'n/a' : r.ratio <= t.maxRatio ? 'yes' : 'NO'];
  }
  if (t.minRatio !== undefined) {
    return [`>= ${t.minRatio}x floor`, r.ratio === undefined ? 'n/a' : r.ratio >= t.minRatio ? 'yes' : 'NO'];
  }
  if (t.max !== undefined) return [`<= ${t.max} ${r.unit}`, r.value <= t.max ? 'yes' : 'NO'];
  if (t.min !== undefined && t.minRatioOf === undefined) return [`>= ${t.min} ${r.unit}`, r.value >= t.min ? 'yes' : 'NO'];
  if (t.minRatioOf !== undefined) {
    const other = group.find((g) => g.impl === t.minRatioOf);
    const text = `>= ${t.min}x ahead of ${t.minRatioOf}`;
    if (!other || !(other.value > 0) || !(r.value > 0)) return [text, 'n/a'];
    const x = r.higherIsBetter ? r.value / other.value : other.value / r.value;
    return [text, `${x >= t.min ? 'yes' : 'NO'} (${x.toFixed(1)}x)`];
  }
  return ['?', '?'];
}

export function formatTable(rows) {
  const byWorkload = new Map();
  for (const r of rows) {
    if (!byWorkload.has(r.workload)) byWorkload.set(r.workload, []);
    byWorkload.get(r.workload).push(r);
  }
  const lines = [];
  const header = ['workload', 'implementation', 'figure', 'ratio to floor', 'target', 'met', 'notes'];
  const table = [header];
  for (const [workload, group] of byWorkload) {
    const floor = group.find((r) => r.impl === 'floor');
    for (const r of group) {
      let ratio = '';
      if (floor && r !== floor && floor.value > 0 && r.value > 0) {
        const x = r.higherIsBetter ? floor.value / r.value : r.value / floor.value;
        ratio = `${x.toFixed(2)}x`;
        r.ratio = x;
      }
      const targets = r.target === undefined ? [] : Array.isArray(r.target) ? r.target : [r.target];
      const checked = targets.map((t) => checkTarget(r, t, group));
      r.met = checked.map(([, met]) => met);
      const figure = r.value === null || r.value === undefined ? 'n/a' : `${formatNumber(r.value)} ${r.unit}`;
      table.push([workload, r.impl, figure, ratio, checked.map(([t]) => t).join('; '), r.met.join('; '), r.note ?? '']);
    }
  }
  const widths = header.map((_, i) => Math.max(...table.map((row) => String(row[i]).length)));
  for (const [i, r] of table.entries()) {
    lines.push(r.map((cell, j) => String(cell).padEnd(widths[j])).join('  ').trimEnd());
    if (i === 0) lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  return lines.join('\n');
}

function formatNumber(v) {
  if (v >= 1e6) return v.toExponential(2);
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}
