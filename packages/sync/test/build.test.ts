/**
 * The shipped build: `using _ = yield* lock.hold()` must work in what `npm run build`
 * produces, not only under ts-jest. Running scripts/build.mjs in every test run is too
 * slow, so this test does what it does for this package with esbuild's JS API, into a
 * temporary directory laid out like an installed app:
 *
 *   node_modules/@yieldio/sync/   bundled exactly as scripts/build.mjs does (ESM,
 *                                 platform neutral, target node20, @yieldio/core external)
 *   node_modules/@yieldio/core/   core's bundles, index and internal (as build.mjs does;
 *                                 its own packaging is core's to test)
 *   main.mjs                      a small program using `using`, compiled by esbuild for
 *                                 node20 (no bundling: it imports the packages by name)
 *
 * then runs main.mjs with node and checks what it prints. Node 20 cannot parse `using`,
 * so this also proves that esbuild lowered it, in the program and inside the package
 * (Barrier.wait holds its condition with `using`). The same program compiled to
 * main.cjs runs against the CommonJS half (dist/index.cjs, the `require` export).
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { writeNodeWrapper, buildWithInternal } = require(join(__dirname, '../../../scripts/esbuild-options.cjs')) as {
  writeNodeWrapper: (dir: string, base: string) => void;
  buildWithInternal: (srcDir: string, packageDir: string, platform: string, external: string[]) => void;
};

const root = join(__dirname, '..', '..', '..');

const PROGRAM = `
import { CancelledError, createTask, gather, simulate, sleep } from '@yieldio/core';
import { Barrier, Lock, Semaphore } from '@yieldio/sync';

function* main() {
  const log = [];
  const lock = new Lock();
  function* worker(name) {
    using _ = yield* lock.hold();
    log.push(name + ' in');
    yield* sleep(1);
    log.push(name + ' out');
  }
  const cancelled = createTask((function* () {
    using _ = yield* lock.hold();
    log.push('c in');
    yield* sleep(100);
  })());
  const tasks = [createTask(worker('a')), createTask(worker('b'))];
  yield* sleep(2.5);
  cancelled.cancel();
  yield* gather(tasks);
  try { yield* cancelled; } catch (exc) { log.push('c ' + exc.name); }
  log.push('locked=' + lock.locked());

  const sem = new Semaphore(2);
  function* thrower() {
    using _ = yield* sem.hold();
    throw new Error('boom');
  }
  try { yield* thrower(); } catch (exc) { log.push(exc.message); }
  log.push('sem locked=' + sem.locked());

  const barrier = new Barrier(3);
  const indices = yield* gather(createTask(barrier.wait()), createTask(barrier.wait()), createTask(barrier.wait()));
  log.push('barrier ' + indices.join(','));

  // The easy mistake, using without yield*: caught at the declaration.
  function* forgot() {
    using _ = lock.hold();
    log.push('unprotected');
  }
  try { yield* forgot(); } catch (exc) { log.push(exc.name + ': ' + exc.message); }
  log.push('locked=' + lock.locked());
  return log;
}
console.log(JSON.stringify(simulate(main())));
`;

describe('the shipped build', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'yieldio-sync-build-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('lowers using for node20, and a program that uses hold() runs under node', async () => {
    const syncPkg = JSON.parse(readFileSync(join(root, 'packages/sync/package.json'), 'utf8'));
    const corePkg = JSON.parse(readFileSync(join(root, 'packages/core/package.json'), 'utf8'));
    const syncDir = join(dir, 'node_modules/@yieldio/sync');
    const coreDir = join(dir, 'node_modules/@yieldio/core');
    mkdirSync(syncDir, { recursive: true });
    mkdirSync(coreDir, { recursive: true });
    writeFileSync(join(syncDir, 'package.json'), JSON.stringify(syncPkg));
    writeFileSync(join(coreDir, 'package.json'), JSON.stringify(corePkg));

    // As scripts/build.mjs builds this package: both halves.
    for (const [format, ext] of [['esm', 'mjs'], ['cjs', 'cjs']] as const) {
      await build({
        entryPoints: [join(root, 'packages/sync/src/index.ts')],
        outfile: join(syncDir, `dist/index.${ext}`),
        bundle: true,
        format,
        platform: 'neutral',
        mainFields: ['module', 'main'],
        target: 'node20',
        external: [...Object.keys(syncPkg.dependencies ?? {}), ...Object.keys(syncPkg.peerDependencies ?? {})],
        logLevel: 'silent',
      });
    }
    // heap-js bundled in: nothing installs it into this directory.
    buildWithInternal(join(root, 'packages/core/src'), coreDir, 'neutral', []);
    // Node's import condition loads the CommonJS build through this wrapper (one copy).
    writeNodeWrapper(syncDir, 'index');
    writeFileSync(join(dir, 'main.ts'), PROGRAM);
    for (const [format, ext] of [['esm', 'mjs'], ['cjs', 'cjs']] as const) {
      await build({
        entryPoints: [join(dir, 'main.ts')],
        outfile: join(dir, `main.${ext}`),
        bundle: false,
        format,
        target: 'node20',
        logLevel: 'silent',
      });
    }

    expect(readFileSync(join(syncDir, 'dist/index.mjs'), 'utf8')).toMatch(/from ["']@yieldio\/core["']/);
    expect(readFileSync(join(syncDir, 'dist/index.cjs'), 'utf8')).toMatch(/require\(["']@yieldio\/core["']\)/);
    // Lowered: esbuild's __using helper instead of a `using` declaration (the only
    // `using _ =` left are in strings and comments, never at the start of a statement).
    const usingDeclaration = /^\s*using\s+\w+\s*=/m;
    for (const file of [join(syncDir, 'dist/index.mjs'), join(syncDir, 'dist/index.cjs'), join(dir, 'main.mjs'), join(dir, 'main.cjs')]) {
      const code = readFileSync(file, 'utf8');
      expect(code).toContain('__using(');
      expect(code).not.toMatch(usingDeclaration);
    }

    const esm = execFileSync(process.execPath, [join(dir, 'main.mjs')], { cwd: dir, encoding: 'utf8' });
    const cjs = execFileSync(process.execPath, [join(dir, 'main.cjs')], { cwd: dir, encoding: 'utf8' });
    expect(cjs).toBe(esm);
    expect(JSON.parse(esm)).toEqual([
      'c in',
      'a in',
      'a out',
      'b in',
      'b out',
      'c CancelledError',
      'locked=false',
      'boom',
      'sem locked=false',
      'barrier 0,1,2',
      'TypeError: hold() returns a coroutine, not a Hold: `using _ = lock.hold()` would hold nothing; write `using _ = yield* lock.hold()`',
      'locked=false',
    ]);
  });
});
