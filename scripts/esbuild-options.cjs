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
'use strict';
const { execFileSync } = require('node:child_process');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

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

module.exports = { shared, browser, writeNodeWrapper };
