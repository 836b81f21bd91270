// The esbuild options every yieldio bundle shares: scripts/build.mjs builds the packages
// with them, and the tests that bundle for a browser use them too, so what is tested is
// what ships.
//
// keepNames: esbuild renames a class when it minifies, or when two bundled modules
// declare the same name (`class ExceptionGroup` becomes `_ExceptionGroup`); users test
// `err.constructor.name` and read it in stack traces, so the names must survive.
'use strict';

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

module.exports = { shared, browser };
