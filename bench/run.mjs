// `npm run bench`: runs every bench/wN-*.mjs and sN-*.mjs (simulator) workload and prints one table.
// `npm run bench -- W1 W3` runs only those; `--quick` shrinks every workload (a smoke run).
// `--json` also writes the rows as JSON lines, one per row, to .bench-out/<commit>.jsonl
// (`--json=FILE` to choose the file); `node bench/compare.mjs BEFORE.jsonl AFTER.jsonl`
// then prints the change per workload.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { formatTable, hasPython } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.filter((a) => !a.startsWith('--')).map((a) => a.toLowerCase());
const jsonArg = args.find((a) => a === '--json' || a.startsWith('--json='));
const python = hasPython();
const files = readdirSync(here)
  .filter((f) => /^[ws]\d+.*\.mjs$/.test(f))
  .filter((f) => only.length === 0 || only.some((o) => new RegExp(`^${o}(-|\\.mjs$)`).test(f.toLowerCase())))
  .sort((a, b) => parseInt(a.slice(1)) - parseInt(b.slice(1)));

console.log(`yieldio benchmarks: node ${process.version}, python3 ${python ? 'present' : 'missing (its rows are skipped)'}${quick ? ', quick (smoke run: figures mean nothing)' : ''}`);
console.log(
  `${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at start; ` +
    'figures are best-of-N on a shared machine and may be noisy',
);
const core = describeCore();
console.log(`core: ${core.text}`);
const startLoad = loadavg()[0];
const rows = [];
let failed = 0;
for (const file of files) {
  process.stderr.write(`running ${file}...\n`);
  const t0 = performance.now();
  try {
    const mod = await import(pathToFileURL(join(here, file)).href);
    rows.push(...(await mod.default({ python, quick })));
  } catch (err) {
    // One broken workload must not hide the others' figures.
    failed++;
    process.stderr.write(`${file} failed: ${err?.stack ?? err}\n`);
    rows.push({ workload: file, impl: 'error', value: null, unit: '', note: String(err?.message ?? err).split('\n')[0] });
  }
  process.stderr.write(`  ${file}: ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}
console.log(formatTable(rows));
if (jsonArg !== undefined) writeJson(jsonArg === '--json' ? join(here, '..', '.bench-out', `${core.commit}.jsonl`) : jsonArg.slice('--json='.length));
if (failed > 0) process.exitCode = 1;

/** The rows as JSON lines, each with what it was measured on (formatTable set `ratio` and `met`). */
function writeJson(path) {
  const meta = { commit: core.commit, dirty: core.dirty, node: process.version, quick, load: startLoad, date: new Date().toISOString() };
  const lines = rows.map((r) => JSON.stringify({ ...meta, ...r }));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, lines.join('\n') + '\n');
  console.log(`wrote ${rows.length} rows to ${path}`);
}

/** Which core the figures are for: the commit, and whether its sources differ from it. */
function describeCore() {
  try {
    const git = (...a) => execFileSync('git', a, { cwd: here, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = git('status', '--porcelain', '--', '../packages/core/src') !== '';
    const commit = git('rev-parse', '--short', 'HEAD');
    return { commit, dirty, text: `commit ${commit}${dirty ? ', with uncommitted changes in packages/core/src' : ''}` };
  } catch {
    return { commit: 'unknown', dirty: true, text: 'unknown (not a git checkout)' };
  }
}
