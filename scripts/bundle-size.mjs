// Prints how much yieldio adds to a browser app: each entry bundled from the sources
// with the options the packages ship with (esbuild-options.cjs), minified, then gzipped.
// `node scripts/bundle-size.mjs`; the README quotes its figures.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import esbuildOptions from './esbuild-options.cjs';

const root = new URL('..', import.meta.url).pathname;
const sources = {
  name: 'yieldio-sources',
  setup(b) {
    b.onResolve({ filter: /^(@yieldio\/[a-z-]+(\/internal)?|yieldio)$/ }, ({ path }) => ({
      path: path === 'yieldio'
        ? join(root, 'packages', 'yieldio', 'src', 'browser.ts')
        : path === '@yieldio/core/internal'
          ? join(root, 'packages', 'core', 'src', 'internal.ts')
          : join(root, 'packages', path.slice('@yieldio/'.length), 'src', 'index.ts'),
    }));
  },
};
const cases = [
  ['@yieldio/core, everything', "export * from '@yieldio/core';"],
  ['@yieldio/core, run + sleep + gather', "export { run, sleep, gather } from '@yieldio/core';"],
  ["yieldio's browser entry (core, sync, queues, sim)", "export * from 'yieldio';"],
];
for (const [label, contents] of cases) {
  const result = await build({
    ...esbuildOptions.browser,
    stdin: { contents, resolveDir: root },
    minify: true,
    write: false,
    plugins: [sources],
  });
  const bytes = result.outputFiles[0].contents;
  const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
  console.log(`${label}: ${kb(bytes.length)} minified, ${kb(gzipSync(bytes, { level: 9 }).length)} gzipped`);
}
