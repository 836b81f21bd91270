// `npm run bench`: runs every bench/wN-*.mjs workload and prints one table.
// `npm run bench -- W1 W3` runs only those; `--quick` shrinks every workload (a smoke run).
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { formatTable, hasPython } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.filter((a) => !a.startsWith('--')).map((a) => a.toLowerCase());
const python = hasPython();
const files = readdirSync(here)
  .filter((f) => /^w\d+.*\.mjs$/.test(f))
  .filter((f) => only.length === 0 || only.some((o) => f.toLowerCase().startsWith(o + '-') || f.toLowerCase().startsWith(o)))
  .sort((a, b) => parseInt(a.slice(1)) - parseInt(b.slice(1)));

console.log(`yieldio benchmarks: node ${process.version}, python3 ${python ? 'present' : 'missing (its rows are skipped)'}${quick ? ', quick' : ''}`);
const rows = [];
for (const file of files) {
  const mod = await import(pathToFileURL(join(here, file)).href);
  process.stderr.write(`running ${file}...\n`);
  rows.push(...(await mod.default({ python, quick })));
}
console.log(formatTable(rows));
