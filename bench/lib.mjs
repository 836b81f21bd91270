// Shared helpers for the benchmarks. Each workload file bench/wN-*.mjs exports
// `default async function ({ python, quick }) => Row[]`; bench/run.mjs runs them all and
// prints one table. Ratios are always against the `floor` row of the same workload,
// measured in the same run: machines are shared and noisy, absolute times are not.
import { execFileSync, spawnSync } from 'node:child_process';

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

export function hasPython() {
  const r = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  return r.status === 0;
}

/** Run a Python script that prints one JSON value; returns it (or null when python3 is missing). */
export function runPython(script, { timeoutMs = 600000 } = {}) {
  if (!hasPython()) return null;
  const out = execFileSync('python3', ['-c', script], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split('\n').pop());
}

/**
 * A row: { workload, impl, value, unit, higherIsBetter?, target? } where target is
 * { maxRatio } or { minRatio } against the floor (or { max } absolute, for bytes).
 */
export function row(workload, impl, value, unit, extra = {}) {
  return { workload, impl, value, unit, ...extra };
}

export function formatTable(rows) {
  const byWorkload = new Map();
  for (const r of rows) {
    if (!byWorkload.has(r.workload)) byWorkload.set(r.workload, []);
    byWorkload.get(r.workload).push(r);
  }
  const lines = [];
  const header = ['workload', 'implementation', 'figure', 'ratio to floor', 'target', 'met'];
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
      let target = '';
      let met = '';
      if (r.target) {
        if (r.target.maxRatio !== undefined) {
          target = `<= ${r.target.maxRatio}x`;
          met = r.ratio === undefined ? '?' : r.ratio <= r.target.maxRatio ? 'yes' : 'NO';
        } else if (r.target.max !== undefined) {
          target = `<= ${r.target.max} ${r.unit}`;
          met = r.value <= r.target.max ? 'yes' : 'NO';
        } else if (r.target.minRatioOf !== undefined) {
          const other = group.find((g) => g.impl === r.target.minRatioOf);
          const x = other ? (r.higherIsBetter ? r.value / other.value : other.value / r.value) : undefined;
          target = `>= ${r.target.min}x ${r.target.minRatioOf}`;
          met = x === undefined ? 'n/a' : x >= r.target.min ? `yes (${x.toFixed(1)}x)` : `NO (${x.toFixed(1)}x)`;
        }
      }
      table.push([workload, r.impl, `${formatNumber(r.value)} ${r.unit}`, ratio, target, met]);
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
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}
