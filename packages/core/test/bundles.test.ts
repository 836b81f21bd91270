/**
 * Core's packaging and portability (issue #3, "Monorepo and tooling"): core uses no Node
 * built-in, so it builds for a neutral platform and runs where there is no `process` and
 * no `setImmediate` (a browser); and its bundles are what a Node 20 user can `import`
 * and `require`. sync's build test uses core's bundle but leaves core's own packaging
 * to core; this is that test.
 *
 * esbuild does here what scripts/build.mjs does (ESM and CJS, platform neutral, target
 * node20, dependencies external), into a temporary directory laid out like an installed
 * app, so no test depends on a stale dist/.
 */
import { buildSync } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { MessageChannel } from 'node:worker_threads';
import { installCore } from './fixtures/install-core';

const coreDir = join(__dirname, '..');
const entry = join(coreDir, 'src', 'index.ts');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'yieldio-core-build-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface RunReport {
  results: string[];
  took: number;
  kind: string;
}

interface Outcome {
  virtual: RunReport;
  real: RunReport;
  hasProcess: string;
  hasImmediate: string;
}

describe('core in a browser-like realm', () => {
  test('it builds for a neutral platform and runs with no process and no setImmediate', async () => {
    // A Node built-in anywhere in core would fail this build: "Could not resolve".
    const result = buildSync({
      entryPoints: [entry],
      bundle: true,
      format: 'iife',
      globalName: 'yieldio',
      platform: 'neutral',
      mainFields: ['module', 'main'],
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    });
    const code = result.outputFiles[0].text;
    expect(code).not.toMatch(/\brequire\(["']node:/);

    // What a browser page has: timers, performance, MessageChannel, console. No process,
    // no setImmediate: the real host must fall back to MessageChannel for its macrotasks.
    // Node's MessagePort keeps a process alive while it listens, where a browser's does
    // not matter: the channels made here are closed when the test ends.
    const channels: MessageChannel[] = [];
    class PageMessageChannel extends MessageChannel {
      constructor() {
        super();
        channels.push(this);
      }
    }
    const sandbox: Record<string, unknown> = { setTimeout, clearTimeout, performance, MessageChannel: PageMessageChannel, console };
    runInNewContext(code, sandbox);
    const outcome = runInNewContext(
      `(() => {
        const { run, simulate, sleep, gather, createTask } = yieldio;
        function* main() {
          const loop = yieldio.getRunningLoop();
          const t0 = loop.time();
          const results = yield* gather(createTask(sleep(0.02, 'a')), createTask(sleep(0.01, 'b')));
          return { results, took: loop.time() - t0, kind: loop.host.kind };
        }
        const virtual = simulate(main());
        return run(main()).then((real) => ({ virtual, real, hasProcess: typeof process, hasImmediate: typeof setImmediate }));
      })()`,
      sandbox,
    ) as Promise<Outcome>;
    let settled: Outcome;
    try {
      settled = await outcome;
    } finally {
      for (const channel of channels) channel.port1.close();
    }
    const { virtual, real, hasProcess, hasImmediate } = settled;
    expect(channels).toHaveLength(1);
    expect([hasProcess, hasImmediate]).toEqual(['undefined', 'undefined']);
    expect(virtual).toEqual({ results: ['a', 'b'], took: 0.02, kind: 'virtual' });
    expect(real.results).toEqual(['a', 'b']);
    expect(real.kind).toBe('real');
    expect(real.took).toBeGreaterThanOrEqual(0.019);
  });
});

describe('the shipped bundles', () => {
  test('a Node 20 program can import and require @yieldio/core by name', () => {
    installCore(dir);
    const program = (load: string): string => `
      ${load}
      function* main() {
        const t0 = getRunningLoop().time();
        yield* sleep(2);
        return 'slept ' + (getRunningLoop().time() - t0) + ' virtual s, ' + (new CancelledError('x') instanceof Error);
      }
      console.log(simulate(main()));
    `;
    writeFileSync(join(dir, 'main.mjs'), program("import { simulate, sleep, getRunningLoop, CancelledError } from '@yieldio/core';"));
    writeFileSync(join(dir, 'main.cjs'), program("const { simulate, sleep, getRunningLoop, CancelledError } = require('@yieldio/core');"));
    for (const file of ['main.mjs', 'main.cjs']) {
      const output = execFileSync(process.execPath, [join(dir, file)], { cwd: dir, encoding: 'utf8' });
      expect([file, output.trim()]).toEqual([file, 'slept 2 virtual s, true']);
    }
  });
});
