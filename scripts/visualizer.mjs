// Builds the loop visualizer (docs/visualizer/): bundles docs/visualizer/visualizer.ts
// with yieldio's browser entry (packages/yieldio/src/browser.ts, from source, so no
// package build is needed first) into docs/visualizer/dist/visualizer.js, with the
// esbuild options the packages ship with. Open docs/visualizer/index.html afterwards.
// An argument writes the bundle there instead (the visualizer's test does).
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { browser } = createRequire(import.meta.url)(join(root, 'scripts', 'esbuild-options.cjs'));

/** `yieldio` resolves to its browser entry, each `@yieldio/<name>` to its src/index.ts (`@yieldio/core/internal` to core's src/internal.ts). */
const sources = {
  name: 'yieldio-sources',
  setup(b) {
    b.onResolve({ filter: /^(@yieldio\/[a-z-]+(\/internal)?|yieldio)$/ }, (args) => {
      const [name, entry = 'index'] = (args.path === 'yieldio' ? 'yieldio' : args.path.slice('@yieldio/'.length)).split('/');
      const path = join(root, 'packages', name, 'src', name === 'yieldio' ? 'browser.ts' : `${entry}.ts`);
      if (!existsSync(path)) return { errors: [{ text: `${args.path} has no source entry at ${path}` }] };
      return { path };
    });
  },
};

const outfile = process.argv[2] ?? join(root, 'docs', 'visualizer', 'dist', 'visualizer.js');
await build({
  ...browser,
  entryPoints: [join(root, 'docs', 'visualizer', 'visualizer.ts')],
  outfile,
  // A classic script (see index.html): the page works opened straight from the disk.
  format: 'iife',
  plugins: [sources],
});
console.log(`wrote ${outfile}${process.argv[2] === undefined ? '; open docs/visualizer/index.html' : ''}`);
