// S4: how fast each scheduler finds the races of spec/races.ts: for each race, the
// median number of runs explore() needs to the first failure, over 25 explorations
// with different base seeds, under 'random' and under 'pct' (depth 3, or the race's
// preemptions + 1 when that is more). Lower is better; a race not found within the cap
// counts as the cap.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { explore } from '@yieldio/sim';
import { row } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));

/** spec/races.ts, bundled against the built packages (one copy of core: Node's entry). */
async function loadRaces() {
  // Node's entries (index.node.mjs wraps the CommonJS build), as @yieldio/sim's own imports
  // resolve: the races and explore share one core.
  // `core/internal` is core's dist/internal.node.mjs.
  const dist = (spec) => {
    const [name, entry = 'index'] = spec.split('/');
    return pathToFileURL(join(here, '..', 'packages', name, 'dist', `${entry}.node.mjs`)).href;
  };
  const out = await build({
    entryPoints: [join(here, '..', 'spec', 'races.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    logLevel: 'silent',
    plugins: [
      {
        name: 'dist',
        setup(b) {
          b.onResolve({ filter: /^@yieldio\// }, (args) => ({ path: dist(args.path.slice('@yieldio/'.length)), external: true }));
        },
      },
    ],
  });
  const code = out.outputFiles[0].text;
  return (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)).races;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export default async function s4({ quick }) {
  const races = await loadRaces();
  const trials = quick ? 5 : 25;
  const cap = quick ? 500 : 5000;
  const rows = [];
  for (const race of races) {
    const W = `S4 ${race.name}`;
    for (const scheduler of ['random', 'pct']) {
      const depth = Math.max(3, race.preemptions + 1);
      const found = [];
      let missed = 0;
      for (let t = 0; t < trials; t++) {
        try {
          explore(() => race.main(), { runs: cap, seed: t * 100_003, scheduler, depth, shrink: false, network: race.network });
          found.push(cap);
          missed++;
        } catch (err) {
          if (err?.name !== 'ScheduleFailure') throw err;
          found.push(err.run);
        }
      }
      rows.push(
        row(W, scheduler === 'pct' ? `pct, depth ${depth}` : 'random', median(found), 'runs to find', {
          note: `${race.preemptions} preemption(s); median of ${trials}${missed ? `, ${missed} not found in ${cap}` : ''}`,
        }),
      );
    }
  }
  return rows;
}
