/**
 * The seed sweep behind `yieldio-sim sweep FILE --runs N --workers K [--seed S]
 * [--shard i/n] [--json out.jsonl]` (Node only: worker threads; cli.ts is the entry).
 *
 * FILE is an ES module whose default export makes the program (`() => main()`), and
 * whose optional `options` export holds its explore options (scheduler, depth, network,
 * until, maxStepsPerInstant, shrink). A TypeScript FILE (.ts, .mts, .tsx) is bundled
 * first with esbuild when it can be imported (its relative imports inlined, packages left
 * to Node, so the program shares the one copy of @yieldio/core), into a file beside it
 * that is removed once imported. Seeds S .. S+N-1 are split by `--shard i/n` into n
 * contiguous blocks (this machine runs block i: a CI matrix or an indexed job spreads one
 * sweep over machines, nothing home-made), then dealt to K worker threads in chunks.
 * Every run is a pure function of its seed (PCT's length estimate comes from one
 * calibration run under seed 0), so 1 or K workers give the same records; they are
 * written in seed order. Failures are grouped by error signature (class and first line
 * of the message); the first of each group is shrunk and printed with its repro line.
 * Exit code: 0 when every run passed, 1 on any failure, 2 on bad usage.
 */
import { Worker, threadId } from 'node:worker_threads';
import { createWriteStream, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Schedule, describeValue, holdSimulatedGlobals } from '@yieldio/core';
import type { Coro } from '@yieldio/core';
import type { ExploreOptions } from './explore';
import { checkExploreArguments, pctEstimate, reproOptions, runSeed, sameFailure } from './explore';
import { shrinkSchedule } from './shrink';

export const USAGE = 'usage: yieldio-sim sweep FILE --runs N [--workers K] [--seed S] [--shard i/n] [--json out.jsonl] [--no-shrink]';

/** Bad command-line input: the message says what was wrong and what to pass. */
export class UsageError extends Error {}
Object.defineProperty(UsageError.prototype, 'name', { value: 'UsageError', writable: true, configurable: true });

export interface SweepArgs {
  file: string;
  runs: number;
  workers: number;
  seed: number;
  /** 1-based shard index and shard count. */
  shard: { index: number; count: number };
  json: string | null;
  shrink: boolean;
}

/** One run, as a JSON line. */
export interface SweepRecord {
  seed: number;
  outcome: 'pass' | 'fail';
  /** Virtual seconds the run lasted. */
  virtualTime: number;
  wallMs: number;
  decisions: number;
  error: { name: string; message: string } | null;
  /** The failing run's recorded schedule (null for a pass). */
  schedule: string | null;
}

const PREFIX = 'yieldio-sim sweep';

export function parseSweepArgs(argv: readonly string[], defaultWorkers = 1): SweepArgs {
  const [command, ...rest] = argv;
  if (command !== 'sweep') {
    throw new UsageError(command === undefined ? USAGE : `yieldio-sim: unknown command ${JSON.stringify(command)}\n${USAGE}`);
  }
  let file: string | null = null;
  const values: Record<string, string> = {};
  let shrink = true;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--no-shrink') {
      shrink = false;
    } else if (arg.startsWith('--')) {
      const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
      if (!['--runs', '--workers', '--seed', '--shard', '--json'].includes(flag)) {
        throw new UsageError(`${PREFIX}: unknown option ${flag}\n${USAGE}`);
      }
      const value = inline ?? rest[++i];
      if (value === undefined) throw new UsageError(`${PREFIX}: ${flag} needs a value\n${USAGE}`);
      values[flag] = value;
    } else if (file === null) {
      file = arg;
    } else {
      throw new UsageError(`${PREFIX}: one FILE only, got ${JSON.stringify(file)} and ${JSON.stringify(arg)}\n${USAGE}`);
    }
  }
  if (file === null) throw new UsageError(`${PREFIX}: FILE is missing: the module whose default export makes the program\n${USAGE}`);
  if (values['--runs'] === undefined) throw new UsageError(`${PREFIX}: --runs N is missing: how many seeds to run\n${USAGE}`);
  const runs = integer('--runs', values['--runs'], 1);
  const workers = values['--workers'] === undefined ? defaultWorkers : integer('--workers', values['--workers'], 1);
  const seed = values['--seed'] === undefined ? 0 : integer('--seed', values['--seed'], -Number.MAX_SAFE_INTEGER);
  let shard = { index: 1, count: 1 };
  if (values['--shard'] !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(values['--shard']);
    if (m === null) throw new UsageError(`${PREFIX}: --shard must be i/n (this machine's block i of n, from 1), got ${JSON.stringify(values['--shard'])}`);
    shard = { index: Number(m[1]), count: Number(m[2]) };
    if (shard.count < 1 || shard.index < 1 || shard.index > shard.count) {
      throw new UsageError(
        `${PREFIX}: --shard ${values['--shard']} is out of range: i must be between 1 and n; pass --shard 1/${Math.max(shard.count, 1)} to --shard ${Math.max(shard.count, 1)}/${Math.max(shard.count, 1)}, one per machine`,
      );
    }
  }
  return { file, runs, workers, seed, shard, json: values['--json'] ?? null, shrink };
}

function integer(flag: string, text: string, min: number): number {
  const n = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`${PREFIX}: ${flag} must be an integer${min > -Number.MAX_SAFE_INTEGER ? ` >= ${min}` : ''}, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** The seeds this shard runs: block `index` of `count` contiguous blocks of [seed, seed + runs). */
export function shardSeeds(args: Pick<SweepArgs, 'runs' | 'seed' | 'shard'>): { first: number; end: number } {
  const { runs, seed, shard } = args;
  const lo = Math.floor(((shard.index - 1) * runs) / shard.count);
  const hi = Math.floor((shard.index * runs) / shard.count);
  return { first: seed + lo, end: seed + hi };
}

export interface Program {
  main: () => Coro<unknown>;
  options: ExploreOptions;
}

const TYPESCRIPT = /\.(ts|mts|cts|tsx)$/;

/** The esbuild API, when the project has it (a name in a variable: not bundled into the CLI). */
async function importEsbuild(): Promise<typeof import('esbuild') | null> {
  const name = 'esbuild';
  try {
    return (await import(name)) as typeof import('esbuild');
  } catch {
    return null;
  }
}

/** Import a TypeScript FILE: bundle it beside itself (bare imports resolve as from FILE), import, remove. */
async function importTypeScript(file: string): Promise<unknown> {
  const esbuild = await importEsbuild();
  if (esbuild === null) {
    throw new UsageError(
      `${PREFIX}: cannot load ${file}: a TypeScript FILE is bundled with esbuild, which cannot be imported here; install it (npm install --save-dev esbuild) or pass the compiled .js/.mjs file`,
    );
  }
  const path = resolve(file);
  let code: string;
  try {
    const out = await esbuild.build({
      entryPoints: [path],
      bundle: true,
      // Every bare import stays an import (a tsconfig "paths" alias would otherwise inline a second copy of core).
      plugins: [{ name: 'packages-external', setup: (b) => b.onResolve({ filter: /^[^./]/ }, (args) => (isAbsolute(args.path) ? undefined : { path: args.path, external: true })) }],
      format: 'esm',
      platform: 'node',
      target: 'node20',
      write: false,
      logLevel: 'silent',
    });
    code = out.outputFiles[0]!.text;
  } catch (err) {
    throw new UsageError(`${PREFIX}: cannot bundle ${file} with esbuild: ${(err as Error)?.message ?? String(err)}`);
  }
  const bundled = join(dirname(path), `.${basename(path)}.sweep-${process.pid}-${threadId}.mjs`);
  writeFileSync(bundled, code);
  try {
    return await import(pathToFileURL(bundled).href);
  } finally {
    rmSync(bundled, { force: true });
  }
}

/** Import FILE (bundling it first when it is TypeScript) and check its exports. */
export async function loadProgram(file: string): Promise<Program> {
  let mod: { default?: unknown; options?: unknown };
  try {
    mod = (TYPESCRIPT.test(file) ? await importTypeScript(file) : await import(pathToFileURL(resolve(file)).href)) as typeof mod;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${PREFIX}: cannot import ${file}: ${(err as Error)?.message ?? String(err)}`);
  }
  const main = mod.default;
  if (main === undefined) {
    throw new UsageError(`${PREFIX}: ${file} has no default export; export the program factory: export default () => main()`);
  }
  const options = mod.options ?? {};
  try {
    checkExploreArguments(`${PREFIX}: ${file}'s default export`, main, options);
  } catch (err) {
    throw new UsageError((err as Error).message.replace('pass explore(() => main())', 'export default () => main()'));
  }
  const { runs: _runs, seed: _seed, ...rest } = options as ExploreOptions;
  return { main: main as () => Coro<unknown>, options: rest };
}

export function runRecord(program: Program, seed: number, pctSteps: number | undefined): SweepRecord {
  const outcome = runSeed(program.main, seed, program.options, pctSteps);
  const error = outcome.ok
    ? null
    : outcome.error instanceof Error
      ? { name: outcome.error.name, message: outcome.error.message }
      : { name: 'thrown value', message: describeValue(outcome.error) };
  return {
    seed,
    outcome: outcome.ok ? 'pass' : 'fail',
    virtualTime: outcome.time,
    wallMs: Math.round(outcome.wallMs * 1000) / 1000,
    decisions: outcome.schedule.length,
    error,
    schedule: outcome.ok ? null : String(outcome.schedule),
  };
}

export interface SweepIO {
  /** Where the summary goes (stdout). */
  out: (text: string) => void;
  /** Progress (stderr), only when it is a TTY. */
  progress: ((text: string) => void) | null;
  /** Makes a worker thread that runs `workerMain` with this data. */
  spawn: (data: WorkerInput) => Worker;
}

export interface WorkerInput {
  yieldioSweep: true;
  file: string;
  pctSteps: number | undefined;
}

type WorkerMessage = { type: 'records'; records: SweepRecord[] } | { type: 'error'; message: string };

/** Runs the sweep; resolves to the exit code. */
export async function sweep(args: SweepArgs, io: SweepIO): Promise<number> {
  const program = await loadProgram(args.file);
  const pctSteps = pctEstimate(program.main, program.options);
  const { first, end } = shardSeeds(args);
  const total = end - first;
  const started = performance.now();
  const json = args.json === null ? null : createWriteStream(args.json);
  const records = new Map<number, SweepRecord>();
  let nextToWrite = first;
  let done = 0;
  let failures = 0;
  const failed: SweepRecord[] = [];

  const accept = (record: SweepRecord): void => {
    records.set(record.seed, record);
    done++;
    if (record.outcome === 'fail') {
      failures++;
      failed.push(record);
    }
    // Written in seed order, whatever order the workers finish in.
    while (records.has(nextToWrite)) {
      const r = records.get(nextToWrite)!;
      records.delete(nextToWrite);
      json?.write(`${JSON.stringify(r)}\n`);
      nextToWrite++;
    }
  };
  const showProgress = (): void => {
    if (io.progress === null) return;
    const width = 30;
    const filled = total === 0 ? width : Math.round((done / total) * width);
    const rate = done / Math.max((performance.now() - started) / 1000, 1e-9);
    io.progress(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} runs, ${failures} failed, ${Math.round(rate)} runs/s`);
  };

  const chunk = Math.max(1, Math.min(200, Math.ceil(total / (args.workers * 8))));
  let next = first;
  const take = (): [number, number] | null => {
    if (next >= end) return null;
    const range: [number, number] = [next, Math.min(end, next + chunk)];
    next = range[1];
    return range;
  };

  const workers = Math.max(1, Math.min(args.workers, total));
  await Promise.all(
    Array.from({ length: workers }, () =>
      new Promise<void>((resolveWorker, reject) => {
        const worker = io.spawn({ yieldioSweep: true, file: args.file, pctSteps });
        const feed = (): void => {
          const range = take();
          if (range === null) {
            void worker.terminate().then(() => resolveWorker());
          } else {
            worker.postMessage(range);
          }
        };
        worker.on('message', (message: WorkerMessage) => {
          if (message.type === 'error') {
            reject(new Error(message.message));
            void worker.terminate();
            return;
          }
          for (const record of message.records) accept(record);
          showProgress();
          feed();
        });
        worker.on('error', reject);
        feed();
      }),
    ),
  );
  if (json !== null) await new Promise<void>((r) => json.end(r));
  if (io.progress !== null) io.progress('\n');

  const seconds = (performance.now() - started) / 1000;
  const shardText = args.shard.count > 1 ? ` (shard ${args.shard.index}/${args.shard.count})` : '';
  io.out(`${total} runs, seeds ${first}..${end - 1}${shardText}, ${workers} worker(s), ${seconds.toFixed(2)} s, ${Math.round(total / Math.max(seconds, 1e-9))} runs/s: ${failures === 0 ? 'all passed' : `${failures} failed`}\n`);
  if (failures === 0) return 0;

  // Group by signature: the error's class and the first line of its message.
  failed.sort((a, b) => a.seed - b.seed);
  const groups = new Map<string, SweepRecord[]>();
  for (const record of failed) {
    const signature = `${record.error!.name}: ${record.error!.message.split('\n')[0]}`;
    const group = groups.get(signature) ?? [];
    group.push(record);
    groups.set(signature, group);
  }
  for (const [signature, group] of groups) {
    const first = group[0]!;
    let schedule = Schedule.parse(first.schedule!);
    if (args.shrink) {
      const cause = runSeed(program.main, first.seed, program.options, undefined, schedule).error;
      schedule = shrinkSchedule(schedule, (guide) => {
        const again = runSeed(program.main, first.seed, program.options, undefined, guide);
        return !again.ok && sameFailure(again.error, cause) ? again.schedule : null;
      }).schedule;
    }
    const seeds = group.slice(0, 10).map((r) => r.seed).join(', ') + (group.length > 10 ? ', ...' : '');
    io.out(
      `\n${group.length} run(s) failed with ${signature}\n  seeds: ${seeds}\n  replay the first${args.shrink ? ' (shrunk)' : ''}:\n` +
        `  simulate(main(), ${reproOptions(first.seed, schedule, program.options)})\n`,
    );
  }
  return 1;
}

/** The worker thread's side: run the seed ranges it is sent, post back their records. */
export async function workerMain(input: WorkerInput, port: import('node:worker_threads').MessagePort): Promise<void> {
  let program: Program;
  try {
    program = await loadProgram(input.file);
  } catch (err) {
    port.postMessage({ type: 'error', message: (err as Error).message } satisfies WorkerMessage);
    return;
  }
  port.on('message', ([from, to]: [number, number]) => {
    const records: SweepRecord[] = [];
    const release = holdSimulatedGlobals();
    try {
      for (let seed = from; seed < to; seed++) records.push(runRecord(program, seed, input.pctSteps));
    } finally {
      release();
    }
    port.postMessage({ type: 'records', records } satisfies WorkerMessage);
  });
}
