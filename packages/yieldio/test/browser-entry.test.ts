import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { bundleForBrowser, repoRoot } from '../../../test-support/bundle';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'packages', 'yieldio', 'package.json'), 'utf8'));

describe('the browser entry of yieldio', () => {
  it('is what the "browser" and the neutral conditions of the package exports pick', () => {
    const root = pkg.exports['.'];
    expect(root.browser).toEqual({ types: './dist/browser.d.ts', module: './dist/browser.mjs', import: './dist/browser.mjs', require: './dist/browser.cjs' });
    // Node runs one copy, the CommonJS build, however it is loaded (scripts/build.mjs).
    expect(root.node).toEqual({ types: './dist/index.d.ts', module: './dist/index.mjs', import: './dist/index.node.mjs', require: './dist/index.cjs' });
    expect(root.default).toBe('./dist/browser.mjs');
    // The condition a runtime matches first wins: a browser must never reach "node".
    expect(Object.keys(root).indexOf('browser')).toBeLessThan(Object.keys(root).indexOf('node'));
    expect(pkg.browser).toEqual({ './dist/index.cjs': './dist/browser.cjs', './dist/index.mjs': './dist/browser.mjs' });
  });

  it('bundles for a browser with no node: import in it', async () => {
    const js = await bundleForBrowser("export * from 'yieldio';");
    expect(js).not.toMatch(/node:/);
    expect(js).not.toMatch(/\brequire\(/);
    // The bundle really is yieldio: the loop and the primitives are in it.
    const exported = /export \{([^}]*)\}/.exec(js)?.[1].split(',').map((name) => name.trim());
    expect(exported).toEqual(expect.arrayContaining(['run', 'EventLoop', 'Queue', 'Lock', 'simulate']));
  });

  it('cannot be swapped for the Node entry by mistake: that one fails to bundle for a browser', async () => {
    // The check above could pass vacuously if the bundler dropped Node imports silently;
    // the Node entry shows that a Node module in the graph is a build error.
    await expect(bundleForBrowser("export * from 'yieldio';", { entry: 'index' })).rejects.toThrow(/node:/);
  });

  it('runs in a bare JavaScript context with no Node globals, minified, and keeps class names', async () => {
    const js = await bundleForBrowser("export * from 'yieldio';", { minify: true, format: 'iife', globalName: 'yieldio' });
    const context: Record<string, unknown> = { console };
    runInNewContext(js, context);
    const y = context.yieldio as Record<string, unknown>;
    function* main(): Generator<unknown, number, unknown> {
      const sleep = y.sleep as (s: number, v: number) => Generator<unknown, number, unknown>;
      return yield* sleep(5, 42);
    }
    expect((y.simulate as (c: unknown) => number)(main())).toBe(42);
    // Every exported class keeps its name, minified: `err.constructor.name` and stacks.
    const classes = Object.entries(y).filter(([, v]) => typeof v === 'function' && /^class\b/.test(Function.prototype.toString.call(v)));
    expect(classes.length).toBeGreaterThan(20);
    for (const [name, cls] of classes) expect([name, (cls as { name: string }).name]).toEqual([name, name]);
    const ExceptionGroup = y.ExceptionGroup as new (m: string, e: Error[]) => Error;
    expect(new ExceptionGroup('two failed', [new Error('a')]).constructor.name).toBe('ExceptionGroup');
  });
});
