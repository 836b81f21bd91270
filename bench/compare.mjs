// `node bench/compare.mjs BEFORE.jsonl AFTER.jsonl`: the change per workload between two
// `npm run bench -- --json` runs, so a regression shows in one command.
//
// Rows are matched by workload and implementation. Absolute figures move with the
// machine's load, so the column to read is the ratio to the floor measured in the same
// run (`ratio`): for every row it is "how many floors", lower is better, whichever way
// the raw figure goes. A change of more than 10% in that ratio is flagged.
import { readFileSync } from 'node:fs';

const [beforePath, afterPath] = process.argv.slice(2);
if (beforePath === undefined || afterPath === undefined) {
  console.error('usage: node bench/compare.mjs BEFORE.jsonl AFTER.jsonl (files written by `npm run bench -- --json`)');
  process.exit(2);
}

function load(path) {
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    console.error(`compare: cannot read ${path}: ${err.message}`);
    process.exit(2);
  }
  const rows = new Map();
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let r;
    try {
      r = JSON.parse(line);
    } catch {
      console.error(`compare: ${path} line ${i + 1} is not JSON; pass files written by \`npm run bench -- --json\``);
      process.exit(2);
    }
    rows.set(`${r.workload}\u0000${r.impl}`, r);
  }
  return rows;
}

const before = load(beforePath);
const after = load(afterPath);
const describeRun = (rows) => {
  const r = rows.values().next().value;
  return r === undefined ? '(empty)' : `commit ${r.commit}${r.dirty ? '+' : ''}, node ${r.node}, load ${Number(r.load).toFixed(2)}${r.quick ? ', quick' : ''}`;
};
console.log(`before: ${beforePath}: ${describeRun(before)}`);
console.log(`after:  ${afterPath}: ${describeRun(after)}`);

const fmt = (v) => (v === null || v === undefined ? 'n/a' : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));
const table = [['workload', 'implementation', 'before', 'after', 'unit', 'ratio before', 'ratio after', 'change', '']];
let regressions = 0;
for (const key of new Set([...before.keys(), ...after.keys()])) {
  const b = before.get(key);
  const a = after.get(key);
  const r = a ?? b;
  let change = '';
  let flag = '';
  if (b?.ratio > 0 && a?.ratio > 0) {
    const pct = (a.ratio / b.ratio - 1) * 100;
    change = `${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%`;
    if (pct > 10) {
      flag = 'slower';
      regressions++;
    } else if (pct < -10) {
      flag = 'faster';
    }
  } else if (b === undefined) {
    flag = 'new';
  } else if (a === undefined) {
    flag = 'gone';
  }
  table.push([r.workload, r.impl, fmt(b?.value), fmt(a?.value), r.unit, b?.ratio ? `${fmt(b.ratio)}x` : '', a?.ratio ? `${fmt(a.ratio)}x` : '', change, flag]);
}
const widths = table[0].map((_, i) => Math.max(...table.map((row) => String(row[i]).length)));
for (const [i, row] of table.entries()) {
  console.log(row.map((cell, j) => String(cell).padEnd(widths[j])).join('  ').trimEnd());
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
}
console.log(regressions === 0 ? 'no ratio worse by more than 10%' : `${regressions} row(s) worse by more than 10% in their ratio to the floor`);
