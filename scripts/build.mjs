// Builds every package under packages/: esbuild bundles src/index.ts into
// dist/index.cjs (require) and dist/index.mjs (import), and tsc emits the .d.ts files.
// A package with a src/browser.ts (yieldio) gets dist/browser.{cjs,mjs} from it as well,
// built without Node's platform: its `exports` conditions hand it to browsers.
// A package with a src/internal.ts (core: `@yieldio/core/internal`, for the sibling
// packages) gets dist/internal.{cjs,mjs} that share the index's modules: see
// buildWithInternal in esbuild-options.cjs.
// The declarations leave out every underscore member (strip-internals.cjs): the public
// .d.ts shows the public API only.
// `--js-only` skips the declarations (the demo and the benches need only the JS).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import esbuildOptions from './esbuild-options.cjs';
import stripInternals from './strip-internals.cjs';

const root = new URL('..', import.meta.url).pathname;
const jsOnly = process.argv.includes('--js-only');

// One copy of each package on Node, however it is loaded (the dual-package hazard): a
// program that imports @yieldio/core and requires @yieldio/threads (whose CommonJS build
// requires core's) would otherwise run two cores, with two loop registries and two
// RealHost classes, and toThread would find no pool. So Node's "import" condition loads
// <base>.node.mjs, which re-exports the CommonJS build, and Node runs that one only.
// Browsers and bundlers keep the real ESM build (<base>.mjs), which tree-shakes.
// Rejected: state on a global symbol (it fixes the registry but not `instanceof` across
// two copies of Future, nor the statics net and threads set on RealHost).
const { writeNodeWrapper } = esbuildOptions;
for (const name of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', name);
  if (!existsSync(join(dir, 'src', 'index.ts'))) continue;
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  // Dependencies stay imports, so every package shares one copy of @yieldio/core.
  const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];
  // A full build starts from an empty dist; --js-only replaces the bundles and keeps the
  // declarations an earlier full build wrote.
  if (!jsOnly) rmSync(join(dir, 'dist'), { recursive: true, force: true });
  // Node's own entries: net and threads (node:net, node:worker_threads), and yieldio's
  // index.ts, which imports them. Every other entry runs anywhere.
  const entries = [['index', name === 'net' || name === 'threads' || name === 'yieldio' ? 'node' : 'neutral']];
  if (existsSync(join(dir, 'src', 'browser.ts'))) entries.push(['browser', 'neutral']);
  if (existsSync(join(dir, 'src', 'internal.ts'))) {
    // The index is built with the internal entry, over one copy of the modules.
    const [, platform] = entries.shift();
    esbuildOptions.buildWithInternal(join(dir, 'src'), dir, platform, external);
  }
  for (const [base, platform] of entries) {
    for (const [format, ext] of [['cjs', 'cjs'], ['esm', 'mjs']]) {
      await build({
        ...esbuildOptions.shared,
        entryPoints: [join(dir, 'src', `${base}.ts`)],
        outfile: join(dir, 'dist', `${base}.${ext}`),
        format,
        platform,
        mainFields: ['module', 'main'],
        external,
        sourcemap: true,
      });
    }
    if (base === 'index') writeNodeWrapper(dir, base);
  }
  // A command-line entry (`bin`: dist/NAME.mjs from src/NAME.ts) is Node's, bundled apart
  // so the package's index stays free of Node built-ins.
  for (const bin of new Set(Object.values(pkg.bin ?? {}))) {
    const name = bin.replace(/^(\.\/)?dist\//, '').replace(/\.mjs$/, '');
    await build({
      entryPoints: [join(dir, 'src', `${name}.ts`)],
      outfile: join(dir, bin),
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      external,
      banner: { js: '#!/usr/bin/env node' },
      sourcemap: true,
      logLevel: 'warning',
    });
  }
  if (!jsOnly) {
    execFileSync(
      process.execPath,
      [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.build.json')],
      { stdio: 'inherit' },
    );
    const stripped = stripInternals.stripDeclarations(join(dir, 'dist'));
    console.log(`built ${pkg.name} (${stripped} underscore members left out of its .d.ts)`);
  } else {
    console.log(`built ${pkg.name}`);
  }
}
