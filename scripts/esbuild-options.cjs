// The esbuild options every yieldio bundle shares: scripts/build.mjs builds the packages
// with them, and the tests that bundle for a browser use them too, so what is tested is
// what ships.
//
// keepNames: esbuild renames a class when it minifies, or when two bundled modules
// declare the same name (`class ExceptionGroup` becomes `_ExceptionGroup`); users test
// `err.constructor.name` and read it in stack traces, so the names must survive.
//
// writeNodeWrapper: Node's ESM entry of a package (dist/<base>.node.mjs), which
// re-exports its CommonJS build so that import and require share one copy (see build.mjs).
//
// buildWithInternal: the bundles of a package with a public and an internal entry
// (core's `@yieldio/core/internal`), sharing one copy of its modules.
'use strict';
const { buildSync } = require('esbuild');
const { execFileSync } = require('node:child_process');
const { writeFileSync } = require('node:fs');
const { basename, join } = require('node:path');

/** Options for every bundle, whatever its format and platform. */
const shared = {
  bundle: true,
  keepNames: true,
  // Node 20 has no `using`: esbuild lowers it (and TypeScript's types check it).
  target: 'node20',
  logLevel: 'warning',
};

/** Options for a bundle that must run in a browser: no Node built-in may resolve. */
const browser = {
  ...shared,
  platform: 'browser',
  target: ['es2022'],
  format: 'esm',
};

/** Write dist/<base>.node.mjs beside dist/<base>.cjs, naming each of its exports. */
function writeNodeWrapper(dir, base) {
  const cjs = join(dir, 'dist', `${base}.cjs`);
  // In a fresh node: the names are those Node itself sees, whoever calls this (jest too).
  const names = JSON.parse(
    execFileSync(process.execPath, ['-p', `JSON.stringify(Object.keys(require(${JSON.stringify(cjs)})))`], { encoding: 'utf8' }),
  ).filter((name) => name !== 'default').sort();
  writeFileSync(
    join(dir, 'dist', `${base}.node.mjs`),
    `// Node's ESM entry: the CommonJS build, so import and require share one copy.\n` +
      `import cjs from './${base}.cjs';\n` +
      `export const {\n${names.map((name) => `  ${name},\n`).join('')}} = cjs;\n`,
  );
}

/**
 * Bundle `srcDir`/index.ts and `srcDir`/internal.ts into `packageDir`/dist, sharing one
 * copy of the modules: a Task made through one entry must be the Task the other's
 * functions know (and the loop registry must be one).
 * - ESM (bundlers, browsers): one build of both entries with code splitting:
 *   dist/index.mjs and dist/internal.mjs import what they share from dist/shared-*.mjs.
 * - CommonJS (and Node's import, through the .node.mjs wrappers): dist/shared.cjs bundles
 *   both entries' modules; dist/index.cjs and dist/internal.cjs each re-export their own
 *   names from it (the names the ESM entries export), so the public entry shows no
 *   internal name at run time either. Each name is copied once, as a data property:
 *   esbuild's re-export would make it a getter over shared.cjs's getter (on an object
 *   too big for V8's fast properties), and every call a sibling package makes into core
 *   (`(0, import_internal.scheduleTimer)(...)`) would pay both, a few percent of a
 *   simulation's time. A copy is safe because no core export is a `let` that changes.
 * Rejected: each entry bundled whole (two copies of every module); the public entry
 * exporting the internal names too (they would show in `require('@yieldio/core')`).
 */
function buildWithInternal(srcDir, packageDir, platform, external) {
  const dist = join(packageDir, 'dist');
  const bases = ['index', 'internal'];
  const common = { ...shared, platform, mainFields: ['module', 'main'], external, sourcemap: true };
  const esm = buildSync({
    ...common,
    entryPoints: bases.map((base) => join(srcDir, `${base}.ts`)),
    outdir: dist,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'shared-[hash]',
    splitting: true,
    format: 'esm',
    metafile: true,
  });
  buildSync({
    ...common,
    stdin: { contents: bases.map((base) => `export * from './${base}';\n`).join(''), resolveDir: srcDir, sourcefile: 'shared.ts', loader: 'ts' },
    outfile: join(dist, 'shared.cjs'),
    format: 'cjs',
  });
  for (const base of bases) {
    const [, output] = Object.entries(esm.metafile.outputs).find(([file]) => basename(file) === `${base}.mjs`);
    writeFileSync(
      join(dist, `${base}.cjs`),
      `// @yieldio/${basename(packageDir)}'s ${base} entry: its names from shared.cjs, as data properties.\n` +
        `'use strict';\n` +
        `const shared = require('./shared.cjs');\n` +
        `Object.defineProperty(exports, '__esModule', { value: true });\n` +
        output.exports.map((name) => `exports.${name} = shared.${name};\n`).join(''),
    );
    writeNodeWrapper(packageDir, base);
  }
}

module.exports = { shared, browser, writeNodeWrapper, buildWithInternal };
