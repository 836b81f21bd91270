// `npm run example -- NAME`: runs examples/NAME.ts on the real clock. Each example
// exports `main()`, a coroutine function; this bundles it with esbuild straight from
// the packages' TypeScript sources (no build step, as in the tests) and runs
// `run(main())`. The tests import the same `main` and run it under simulate() where
// the example does no real I/O.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const examples = readdirSync(join(root, 'examples'))
  .filter((name) => name.endsWith('.ts'))
  .map((name) => name.slice(0, -'.ts'.length))
  .sort();
const [name, ...args] = process.argv.slice(2);

if (name === undefined || !examples.includes(name)) {
  const got = name === undefined ? 'no name' : `"${name}"`;
  console.error(`npm run example -- NAME: expected one of ${examples.join(', ')}; got ${got}`);
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'yieldio-example-'));
try {
  const entry = join(dir, 'entry.ts');
  writeFileSync(
    entry,
    `import { run } from '@yieldio/core';\n` +
      `import { main } from ${JSON.stringify(join(root, 'examples', `${name}.ts`))};\n` +
      `await run(main());\n`,
  );
  const outfile = join(dir, 'entry.mjs');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    plugins: [
      {
        name: 'yieldio-sources',
        setup(b) {
          b.onResolve({ filter: /^@yieldio\/[a-z-]+(\/internal)?$/ }, (a) => {
            const [name, entry = 'index'] = a.path.slice('@yieldio/'.length).split('/');
            const path = join(root, 'packages', name, 'src', `${entry}.ts`);
            return existsSync(path) ? { path } : undefined;
          });
        },
      },
    ],
    logLevel: 'warning',
  });
  const { status } = spawnSync(process.execPath, [outfile, ...args], { stdio: 'inherit', cwd: root });
  process.exitCode = status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
