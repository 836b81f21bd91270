/**
 * What a user of the packed packages gets, outside this repository: every package is
 * built and packed (`npm pack`), the tarballs are installed into a fresh project in a
 * temporary folder (one `npm install`, which also fetches heap-js and @types/node from
 * the registry), and there an ESM program, a CommonJS program, a program that mixes
 * both, and strict type-checks under `moduleResolution` node16 and bundler import
 * `yieldio` and scoped packages. The programs print JSON; the tests compare it.
 * The published declarations show the public API only: no underscore member, and
 * `@yieldio/core/internal`, the sibling packages' entry, shares the public entry's core.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { internalMembers } = require('../scripts/strip-internals.cjs') as {
  internalMembers: (text: string, fileName?: string) => [string, number, number][];
};

const root = join(__dirname, '..');
let app = '';

function node(file: string): unknown {
  const out = execFileSync(process.execPath, [file], { cwd: app, encoding: 'utf8', timeout: 30_000 });
  return JSON.parse(out);
}

function tsc(project: string): string {
  try {
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], {
      cwd: app,
      encoding: 'utf8',
      timeout: 120_000,
    });
    return '';
  } catch (err) {
    return String((err as { stdout?: string }).stdout ?? err);
  }
}

function write(name: string, text: string): void {
  writeFileSync(join(app, name), text);
}

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), 'yieldio-app-'));
  const packs = join(app, 'packs');
  mkdirSync(packs);
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'pipe', timeout: 240_000 });
  execFileSync('npm', ['pack', '--workspaces', '--pack-destination', packs, '--silent'], { cwd: root, stdio: 'pipe', timeout: 60_000 });
  const tarballs = readdirSync(packs).map((file) => join(packs, file));
  write('package.json', JSON.stringify({ name: 'yieldio-packaging-check', private: true, version: '0.0.0' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', ...tarballs, '@types/node@20'], {
    cwd: app,
    stdio: 'pipe',
    timeout: 180_000,
  });
}, 480_000);

afterAll(() => {
  if (app !== '') rmSync(app, { recursive: true, force: true });
});

describe('the packed packages, installed in a fresh project', () => {
  it('installs every package from its tarball', () => {
    const installed = readdirSync(join(app, 'node_modules', '@yieldio')).sort();
    expect(installed).toEqual(['core', 'net', 'queues', 'sim', 'sync', 'threads']);
    expect(readdirSync(join(app, 'node_modules', 'yieldio'))).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'dist', 'package.json']));
  });

  it('runs an ES module that imports yieldio and a scoped package', () => {
    write('esm.mjs', `
import { run, sleep, gather, Queue, Lock, openConnection, startServer, toThread, simulate } from 'yieldio';
import * as core from '@yieldio/core';
function* echo(reader, writer) { writer.write(yield* reader.readline()); yield* writer.drain(); writer.close(); }
function* main() {
  const server = yield* startServer(echo, '127.0.0.1', 0);
  const [reader, writer] = yield* openConnection('127.0.0.1', server.sockets[0].getsockname()[1]);
  writer.write(new TextEncoder().encode('ping\\n'));
  const line = new TextDecoder().decode(yield* reader.readline());
  writer.close(); server.close(); yield* server.waitClosed();
  const [a, b] = yield* gather(sleep(0.01, 'a'), toThread((x) => x * 2, 21));
  return { line, a, b };
}
function* virtual() { const q = new Queue(); const lock = new Lock(); yield* q.put(1); yield* lock.acquire(); yield* sleep(3600); lock.release(); return yield* q.get(); }
console.log(JSON.stringify({ ...(await run(main())), virtual: simulate(virtual()), sameRun: core.run === run }));
`);
    expect(node('esm.mjs')).toEqual({ line: 'ping\n', a: 'a', b: 42, virtual: 1, sameRun: true });
  });

  it('runs a CommonJS program that requires yieldio and a scoped package', () => {
    write('cjs.cjs', `
const { run, sleep, toThread, ExceptionGroup } = require('yieldio');
const { Queue } = require('@yieldio/queues');
function* main() { const q = new Queue(); yield* q.put(yield* toThread(() => 'from a thread')); yield* sleep(0.01); return yield* q.get(); }
run(main()).then((got) => console.log(JSON.stringify({ got, name: new ExceptionGroup('x', [new Error()]).constructor.name })));
`);
    expect(node('cjs.cjs')).toEqual({ got: 'from a thread', name: 'ExceptionGroup' });
  });

  it('shares one core between an ESM import of core and a CommonJS require of threads', () => {
    // The dual-package hazard: two copies of core would mean two loop registries, and
    // toThread would say "import '@yieldio/threads'", which this program did.
    write('mixed.mjs', `
import { createRequire } from 'node:module';
import { run, toThread, Future, getRunningLoop } from '@yieldio/core';
const require = createRequire(import.meta.url);
require('@yieldio/threads');
const cjsCore = require('@yieldio/core');
const { Lock } = require('@yieldio/sync');
function* main() {
  const lock = new Lock();
  yield* lock.acquire();
  lock.release();
  const fut = cjsCore.getRunningLoop().createFuture();
  return { sum: yield* toThread((a, b) => a + b, 2, 3), sameLoop: cjsCore.getRunningLoop() === getRunningLoop(), isFuture: fut instanceof Future };
}
console.log(JSON.stringify({ ...(await run(main())), sameFuture: cjsCore.Future === Future }));
`);
    expect(node('mixed.mjs')).toEqual({ sum: 5, sameLoop: true, isFuture: true, sameFuture: true });
  });

  it('shares one core between the public entry and @yieldio/core/internal, across import and require', () => {
    // A task made through the ESM public entry is killed by the CommonJS internal entry's
    // killTask; a Lock of sync's CommonJS build binds through the ESM internal bindLoop.
    write('internal.mjs', `
import { createRequire } from 'node:module';
import { run, createTask, sleep, getRunningLoop, CancelledError } from '@yieldio/core';
import { LoopBound, bindLoop } from '@yieldio/core/internal';
const require = createRequire(import.meta.url);
const internal = require('@yieldio/core/internal');
const { Lock } = require('@yieldio/sync');
function* main() {
  const task = createTask(sleep(3600));
  yield* sleep(0);
  const killed = internal.killTask(task, 'host down');
  let cancelled = '';
  try { yield* task; } catch (exc) { cancelled = exc instanceof CancelledError ? exc.message : String(exc); }
  const lock = new Lock();
  return { killed, cancelled, lockIsLoopBound: lock instanceof LoopBound, bound: bindLoop(lock, 'check') === getRunningLoop() };
}
const publicNames = Object.keys(require('@yieldio/core'));
console.log(JSON.stringify({
  ...(await run(main())),
  sameLoopBound: internal.LoopBound === LoopBound,
  internalInPublic: ['killTask', 'callSoonWithContext', 'bindLoop', 'LoopBound'].filter((name) => publicNames.includes(name)),
  // Plain values, not getters: a sibling's every call into core reads one of these.
  getters: [require('@yieldio/core'), internal].flatMap((entry) => Object.keys(entry).filter((name) => Object.getOwnPropertyDescriptor(entry, name).get !== undefined)),
}));
`);
    expect(node('internal.mjs')).toEqual({
      killed: true,
      cancelled: 'host down',
      lockIsLoopBound: true,
      bound: true,
      sameLoopBound: true,
      internalInPublic: [],
      getters: [],
    });
  });

  it('publishes declarations with no underscore member: the public API only', () => {
    const found: string[] = [];
    let files = 0;
    for (const pkg of ['@yieldio/core', '@yieldio/sync', '@yieldio/queues', '@yieldio/net', '@yieldio/threads', '@yieldio/sim', 'yieldio']) {
      const dist = join(app, 'node_modules', pkg, 'dist');
      for (const file of readdirSync(dist).filter((name) => name.endsWith('.d.ts'))) {
        files++;
        for (const [name] of internalMembers(readFileSync(join(dist, file), 'utf8'), file)) found.push(`${pkg}/dist/${file}: ${name}`);
      }
    }
    expect(files).toBeGreaterThan(40);
    expect(found).toEqual([]);
    // The internal entry's declarations ship, naming public types only.
    const internal = readFileSync(join(app, 'node_modules', '@yieldio', 'core', 'dist', 'internal.d.ts'), 'utf8');
    expect(internal).toMatch(/export declare function killTask\(task: Task<unknown>, msg\?: string\): boolean;/);
  });

  const program = `
import { run, sleep, gather, Queue, Lock, simulate, type Coro } from 'yieldio';
import { Semaphore } from '@yieldio/sync';
function* main(): Coro<[number, string]> {
  const queue = new Queue<number>();
  yield* queue.put(1);
  using _ = yield* new Lock().hold();
  using __ = yield* new Semaphore(1).hold();
  return yield* gather(queue.get(), sleep(0.01, 'x'));
}
const viaSimulate: [number, string] = simulate(main());
const viaRun: Promise<[number, string]> = run(main());
export { viaSimulate, viaRun };

// The public types show no internals (the members exist at run time, for core's own modules).
import { newEventLoop, createTask, type Task, type EventLoop } from '@yieldio/core';
const loop = newEventLoop();
// @ts-expect-error: _ready is core's internal, not in the public declarations
loop._ready;
// @ts-expect-error: _kill is reached through @yieldio/core/internal only
createTask(main())._kill();
// @ts-expect-error: _waiters is sync's internal
new Lock()._waiters;
loop.close();

// The sibling packages' entry resolves, typed with public types.
import { killTask, bindLoop, LoopBound } from '@yieldio/core/internal';
const kill: (task: Task<unknown>, msg?: string) => boolean = killTask;
const bind: (primitive: LoopBound, caller: string) => EventLoop = bindLoop;
const lockIsBound: LoopBound = new Lock();
export { kill, bind, lockIsBound };
`;
  const nodeOnly = `
import { openConnection, toThread, type StreamReader } from 'yieldio';
import { createSubprocessExec } from '@yieldio/net';
export const node: [typeof openConnection, typeof toThread, typeof createSubprocessExec, StreamReader | null] = [openConnection, toThread, createSubprocessExec, null];
`;
  const strict = { strict: true, noEmit: true, skipLibCheck: false, target: 'ES2022', lib: ['ES2022', 'ESNext.Disposable'], types: ['node'] };

  it('type-checks strictly under moduleResolution node16, with the Node names', () => {
    write('node16.mts', program + nodeOnly);
    write('tsconfig.node16.json', JSON.stringify({ compilerOptions: { ...strict, module: 'node16', moduleResolution: 'node16' }, files: ['node16.mts'] }));
    expect(tsc('tsconfig.node16.json')).toBe('');
  }, 180_000);

  it('type-checks strictly under moduleResolution bundler: the browser names, and with the node condition the Node ones', () => {
    write('bundler.ts', program);
    write('tsconfig.bundler.json', JSON.stringify({ compilerOptions: { ...strict, module: 'esnext', moduleResolution: 'bundler' }, files: ['bundler.ts'] }));
    expect(tsc('tsconfig.bundler.json')).toBe('');
    write('bundler-node.ts', program + nodeOnly);
    write('tsconfig.bundler-node.json', JSON.stringify({ compilerOptions: { ...strict, module: 'esnext', moduleResolution: 'bundler', customConditions: ['node'] }, files: ['bundler-node.ts'] }));
    expect(tsc('tsconfig.bundler-node.json')).toBe('');
    // Without the node condition a browser app cannot reach net's names by mistake.
    write('bundler-wrong.ts', nodeOnly);
    write('tsconfig.bundler-wrong.json', JSON.stringify({ compilerOptions: { ...strict, module: 'esnext', moduleResolution: 'bundler' }, files: ['bundler-wrong.ts'] }));
    expect(tsc('tsconfig.bundler-wrong.json')).toMatch(/Module '"yieldio"' has no exported member 'openConnection'/);
  }, 360_000);

  it('type-checks under the old moduleResolution node10, where sync\'s declarations reach core\'s internal entry through typesVersions', () => {
    write('node10.ts', "import { Lock } from '@yieldio/sync';\nimport { run, newEventLoop } from '@yieldio/core';\nexport const lock: Lock = new Lock();\n// @ts-expect-error: internal\nnewEventLoop()._ready;\nexport { run };\n");
    write('tsconfig.node10.json', JSON.stringify({ compilerOptions: { ...strict, module: 'commonjs', moduleResolution: 'node10', ignoreDeprecations: '6.0' }, files: ['node10.ts'] }));
    expect(tsc('tsconfig.node10.json')).toBe('');
  }, 120_000);

  it('bundles one copy of core into an app inside the repository too', async () => {
    // esbuild reads the nearest tsconfig.json (the root one, which maps no `paths`: sources
    // resolve through the yieldio-source condition, which esbuild does not use) and the
    // export conditions; whatever it picks, the app and yieldio must share one core.
    for (const platform of ['node', 'browser'] as const) {
      const result = await build({
        stdin: { contents: "import { run } from '@yieldio/core'; import { killTask } from '@yieldio/core/internal'; import * as y from 'yieldio'; export { run, killTask, y };", resolveDir: join(root, 'examples'), sourcefile: 'app.mjs' },
        bundle: true,
        platform,
        format: 'esm',
        external: ['node:*'],
        write: false,
        logLevel: 'silent',
      });
      expect([platform, result.outputFiles[0].text.match(/var EventLoop = class/g)?.length]).toEqual([platform, 1]);
    }
  });

  it('bundles yieldio and the internal entry of core for a browser from the installed package, with no node: import and one core', async () => {
    write('page.mjs', "import * as yieldio from 'yieldio'; import { run } from '@yieldio/core'; import { killTask } from '@yieldio/core/internal'; globalThis.y = [yieldio, run, killTask];");
    const result = await build({ entryPoints: [join(app, 'page.mjs')], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' });
    const js = result.outputFiles[0].text;
    expect(js).not.toMatch(/node:/);
    expect(js.match(/var EventLoop = class/g)).toHaveLength(1);
  });
});
