// Builds every package under packages/: esbuild bundles src/index.ts into
// dist/index.cjs (require) and dist/index.mjs (import), and tsc emits the .d.ts files.
// `--js-only` skips the declarations (the demo and the benches need only the JS).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const jsOnly = process.argv.includes('--js-only');

for (const name of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', name);
  const entry = join(dir, 'src', 'index.ts');
  if (!existsSync(entry)) continue;
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  // Dependencies stay imports, so every package shares one copy of @yieldio/core.
  const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];
  // A full build starts from an empty dist; --js-only replaces the bundles and keeps the
  // declarations an earlier full build wrote.
  if (!jsOnly) rmSync(join(dir, 'dist'), { recursive: true, force: true });
  for (const [format, ext] of [['cjs', 'cjs'], ['esm', 'mjs']]) {
    await build({
      entryPoints: [entry],
      outfile: join(dir, 'dist', `index.${ext}`),
      bundle: true,
      format,
      // net and threads are Node's (node:net, node:worker_threads); the rest run anywhere.
      platform: name === 'net' || name === 'threads' ? 'node' : 'neutral',
      mainFields: ['module', 'main'],
      // Node 20 has no `using`: esbuild lowers it (and TypeScript's types check it).
      target: 'node20',
      external,
      sourcemap: true,
      logLevel: 'warning',
    });
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
  }
  console.log(`built ${pkg.name}`);
}
