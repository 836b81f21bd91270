/**
 * The `yieldio-sim` command (a `bin` of @yieldio/sim; Node only). `yieldio-sim sweep ...`
 * runs sweep.ts; the same file is the worker threads' entry, told apart by `workerData`.
 */
import { isMainThread, parentPort, workerData, Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { USAGE, UsageError, parseSweepArgs, sweep, workerMain, type WorkerInput } from './sweep';

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const args = parseSweepArgs(argv, availableParallelism());
    return await sweep(args, {
      out: (text) => process.stdout.write(text),
      progress: process.stderr.isTTY ? (text) => process.stderr.write(text) : null,
      spawn: (data) => new Worker(new URL(import.meta.url), { workerData: data }),
    });
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

const input = workerData as WorkerInput | null;
if (!isMainThread && input?.yieldioSweep === true) {
  void workerMain(input, parentPort!);
} else {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`yieldio-sim: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
