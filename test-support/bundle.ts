/**
 * Bundles yieldio from its TypeScript sources with esbuild, for the tests that check what
 * a browser gets (packages/yieldio/test) and for pages a real browser loads.
 *
 * Each `@yieldio/<name>` and `yieldio` import resolves to the package's source entry
 * (src/index.ts, or src/browser.ts for `yieldio` when bundling for the browser, as the
 * package's "browser" condition picks dist/browser.*; `@yieldio/core/internal` to core's
 * src/internal.ts), so no build is needed first, and
 * the options are scripts/esbuild-options.cjs, the ones the packages ship with.
 */
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const repoRoot = join(__dirname, '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const esbuildOptions = require(join(repoRoot, 'scripts', 'esbuild-options.cjs')) as {
  shared: BuildOptions;
  browser: BuildOptions;
};

/** Resolves yieldio's packages to their sources; `entry` is the yieldio entry to use. */
function sourcesPlugin(entry: 'index' | 'browser'): Plugin {
  return {
    name: 'yieldio-sources',
    setup(build) {
      build.onResolve({ filter: /^(@yieldio\/[a-z-]+(\/internal)?|yieldio)$/ }, (args) => {
        const [name, subpath] = (args.path === 'yieldio' ? 'yieldio' : args.path.slice('@yieldio/'.length)).split('/');
        const file = join(repoRoot, 'packages', name, 'src', name === 'yieldio' ? `${entry}.ts` : `${subpath ?? 'index'}.ts`);
        if (!existsSync(file)) return { errors: [{ text: `${args.path} has no source entry at ${file}` }] };
        return { path: file };
      });
    },
  };
}

export interface BundleOptions {
  /** Minify, as an app's production build would. */
  minify?: boolean;
  /** 'esm' (default) or 'iife' (a classic script, with `globalName` as its exports). */
  format?: 'esm' | 'iife';
  globalName?: string;
  /** The yieldio entry that `yieldio` resolves to (default 'browser'). */
  entry?: 'index' | 'browser';
}

/** Bundles `source` (module text) for a browser and returns the JavaScript. */
export async function bundleForBrowser(source: string, options: BundleOptions = {}): Promise<string> {
  const result = await build({
    ...esbuildOptions.browser,
    stdin: { contents: source, resolveDir: repoRoot, loader: 'ts', sourcefile: 'page.ts' },
    format: options.format ?? 'esm',
    globalName: options.globalName,
    minify: options.minify ?? false,
    write: false,
    logLevel: 'silent',
    plugins: [sourcesPlugin(options.entry ?? 'browser')],
  });
  return result.outputFiles[0].text;
}
