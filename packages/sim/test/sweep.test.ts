/**
 * The sweep CLI (`yieldio-sim sweep`, issue #12): its arguments, and the command itself
 * run as a user runs it, from a bundle installed in a temporary app (core and sim built
 * by esbuild as scripts/build.mjs does), on worker threads: JSON lines, failures grouped
 * with a repro line, exit codes, and the same records with 1 or 2 workers.
 */
import { buildSync } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installCore } from '../../core/test/fixtures/install-core';
import { UsageError, parseSweepArgs, shardSeeds } from '../src/sweep';

describe('sweep arguments', () => {
  const usage = (argv: string[]): string => {
    try {
      parseSweepArgs(argv);
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      return (err as Error).message;
    }
    throw new Error('expected a UsageError');
  };

  test('a full command line is read', () => {
    expect(parseSweepArgs(['sweep', 'p.mjs', '--runs', '100', '--workers=4', '--seed', '7', '--shard', '2/3', '--json', 'o.jsonl'])).toEqual({
      file: 'p.mjs',
      runs: 100,
      workers: 4,
      seed: 7,
      shard: { index: 2, count: 3 },
      json: 'o.jsonl',
      shrink: true,
    });
  });

  test('--shard 3/2 is refused, saying what to pass', () => {
    expect(usage(['sweep', 'p.mjs', '--runs', '10', '--shard', '3/2'])).toBe(
      'yieldio-sim sweep: --shard 3/2 is out of range: i must be between 1 and n; pass --shard 1/2 to --shard 2/2, one per machine',
    );
    expect(usage(['sweep', 'p.mjs', '--runs', '10', '--shard', '0/2'])).toMatch(/^yieldio-sim sweep: --shard 0\/2 is out of range/);
    expect(usage(['sweep', 'p.mjs', '--runs', '10', '--shard', 'half'])).toBe(
      'yieldio-sim sweep: --shard must be i/n (this machine\'s block i of n, from 1), got "half"',
    );
  });

  test('--workers 0 is refused', () => {
    expect(usage(['sweep', 'p.mjs', '--runs', '10', '--workers', '0'])).toBe('yieldio-sim sweep: --workers must be an integer >= 1, got "0"');
  });

  test('runs <= 0, or missing, is refused', () => {
    expect(usage(['sweep', 'p.mjs', '--runs', '0'])).toBe('yieldio-sim sweep: --runs must be an integer >= 1, got "0"');
    expect(usage(['sweep', 'p.mjs', '--runs', '-5'])).toBe('yieldio-sim sweep: --runs must be an integer >= 1, got "-5"');
    expect(usage(['sweep', 'p.mjs'])).toMatch(/^yieldio-sim sweep: --runs N is missing: how many seeds to run\nusage: /);
  });

  test('an unknown option or command is refused with the usage', () => {
    expect(usage(['sweep', 'p.mjs', '--runs', '1', '--wrokers', '2'])).toMatch(/^yieldio-sim sweep: unknown option --wrokers\nusage: yieldio-sim sweep FILE/);
    expect(usage(['swep'])).toMatch(/^yieldio-sim: unknown command "swep"\nusage:/);
  });

  test('shards split the seeds into contiguous blocks that cover them once', () => {
    const blocks = [1, 2, 3].map((index) => shardSeeds({ runs: 10, seed: 5, shard: { index, count: 3 } }));
    expect(blocks).toEqual([
      { first: 5, end: 8 },
      { first: 8, end: 11 },
      { first: 11, end: 15 },
    ]);
  });
});

describe('yieldio-sim sweep, run as a command', () => {
  let dir: string;
  const simDir = join(__dirname, '..');

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'yieldio-sim-sweep-'));
    installCore(dir);
    const installed = join(dir, 'node_modules', '@yieldio', 'sim');
    mkdirSync(join(installed, 'dist'), { recursive: true });
    cpSync(join(simDir, 'package.json'), join(installed, 'package.json'));
    buildSync({
      entryPoints: [join(simDir, 'src', 'cli.ts')],
      outfile: join(installed, 'dist', 'cli.mjs'),
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      external: ['@yieldio/core'],
      banner: { js: '#!/usr/bin/env node' },
      logLevel: 'silent',
    });
    writeFileSync(
      join(dir, 'racy.mjs'),
      `import { createTask, gather, sleep } from '@yieldio/core';
export default () => (function* () {
  let balance = 0;
  const a = createTask((function* () { const seen = balance; yield; balance = seen + 1; })());
  const b = createTask((function* () { yield; balance += 10; })());
  yield* gather([a, b]);
  yield* sleep(Math.random());
  if (balance !== 11) throw new Error('lost update: balance is ' + balance + ', expected 11');
})();
`,
    );
    writeFileSync(join(dir, 'fine.mjs'), `import { sleep } from '@yieldio/core';\nexport default () => sleep(1);\nexport const options = { scheduler: 'pct' };\n`);
    writeFileSync(join(dir, 'nodefault.mjs'), `export const main = 1;\n`);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function sweep(...args: string[]): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, [join(dir, 'node_modules', '@yieldio', 'sim', 'dist', 'cli.mjs'), 'sweep', ...args], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  const records = (file: string): unknown[] =>
    readFileSync(join(dir, file), 'utf8')
      .trim()
      .split('\n')
      .map((line) => {
        const { wallMs, ...rest } = JSON.parse(line) as { wallMs: number };
        expect(wallMs).toBeGreaterThanOrEqual(0);
        return rest;
      });

  test('a passing program exits 0 and says so', () => {
    const { status, stdout } = sweep('fine.mjs', '--runs', '50', '--workers', '2');
    expect(stdout).toMatch(/^50 runs, seeds 0\.\.49, 2 worker\(s\), [\d.]+ s, \d+ runs\/s: all passed\n$/);
    expect(status).toBe(0);
  });

  test('failures exit 1, grouped by signature with a repro line; 1 and 2 workers give the same records', () => {
    const one = sweep('racy.mjs', '--runs', '300', '--workers', '1', '--json', 'one.jsonl');
    const two = sweep('racy.mjs', '--runs', '300', '--workers', '2', '--json', 'two.jsonl');
    expect(one.status).toBe(1);
    expect(two.status).toBe(1);
    expect(records('two.jsonl')).toEqual(records('one.jsonl'));
    const rows = records('one.jsonl') as { seed: number; outcome: string; decisions: number; error: { name: string; message: string } | null; schedule: string | null }[];
    expect(rows.map((r) => r.seed)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    const failed = rows.filter((r) => r.outcome === 'fail');
    expect(failed.length).toBeGreaterThan(50);
    expect(failed[0]!.error).toEqual({ name: 'Error', message: 'lost update: balance is 1, expected 11' });
    expect(failed[0]!.schedule).toMatch(/^y1s:/);
    expect(one.stdout).toContain(`${failed.length} run(s) failed with Error: lost update: balance is 1, expected 11\n  seeds: ${failed.slice(0, 10).map((r) => r.seed).join(', ')}, ...\n`);
    expect(one.stdout).toMatch(/\n {2}simulate\(main\(\), \{ seed: \d+, schedule: "y1s:[^"]*" \}\)\n$/);
  }, 60_000);

  test('--shard runs only its block of seeds', () => {
    sweep('racy.mjs', '--runs', '10', '--seed', '100', '--shard', '2/2', '--json', 'shard.jsonl');
    expect((records('shard.jsonl') as { seed: number }[]).map((r) => r.seed)).toEqual([105, 106, 107, 108, 109]);
  });

  test('a FILE with no default export is refused with exit 2', () => {
    const { status, stderr } = sweep('nodefault.mjs', '--runs', '5');
    expect(stderr).toBe('yieldio-sim sweep: nodefault.mjs has no default export; export the program factory: export default () => main()\n');
    expect(status).toBe(2);
  });

  test('a TypeScript FILE where esbuild cannot be imported is refused with exit 2, saying what to do', () => {
    writeFileSync(join(dir, 'typed.ts'), `import { sleep } from '@yieldio/core';\nexport default (): Generator => sleep(1);\n`);
    const { status, stderr } = sweep('typed.ts', '--runs', '5');
    expect(stderr).toBe(
      'yieldio-sim sweep: cannot load typed.ts: a TypeScript FILE is bundled with esbuild, which cannot be imported here; install it (npm install --save-dev esbuild) or pass the compiled .js/.mjs file\n',
    );
    expect(status).toBe(2);
  });

  test('a TypeScript stress program (spec/stress/tasks.ts and its harness) runs when esbuild is installed, leaving no file behind', () => {
    symlinkSync(join(simDir, '..', '..', 'node_modules', 'esbuild'), join(dir, 'node_modules', 'esbuild'), 'dir');
    const stress = join(dir, 'stress');
    mkdirSync(stress);
    for (const file of ['tasks.ts', 'harness.ts']) cpSync(join(simDir, '..', '..', 'spec', 'stress', file), join(stress, file));
    const { status, stdout, stderr } = sweep('stress/tasks.ts', '--runs', '20', '--workers', '2');
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^20 runs, seeds 0\.\.19, 2 worker\(s\), [\d.]+ s, \d+ runs\/s: all passed\n$/);
    expect(status).toBe(0);
    expect(readdirSync(stress).sort()).toEqual(['harness.ts', 'tasks.ts']);
  }, 60_000);

  test('bad arguments exit 2 with the message', () => {
    const { status, stderr } = sweep('fine.mjs', '--runs', '5', '--shard', '3/2');
    expect(stderr).toBe('yieldio-sim sweep: --shard 3/2 is out of range: i must be between 1 and n; pass --shard 1/2 to --shard 2/2, one per machine\n');
    expect(status).toBe(2);
  });
});
