/**
 * Test helpers: run a coroutine on the real clock with a deadline and collect what the
 * loop's exception handler receives, so each test can assert that nothing went wrong
 * quietly (CPython's tests do `loop.set_exception_handler(lambda loop, ctx: messages.append(ctx))`).
 */
import { getRunningLoop, run, timeout } from '@yieldio/core';
import type { Coro, ExceptionContext } from '@yieldio/core';
import type { Server } from '@yieldio/net';
import { spawn } from 'node:child_process';
import type { SpawnOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

export interface Outcome<T> {
  result: T;
  messages: ExceptionContext[];
}

/** Run `body()` under run() with a deadline of `seconds` (real time). */
export async function runNet<T>(body: () => Coro<T>, seconds = 5): Promise<Outcome<T>> {
  const messages: ExceptionContext[] = [];
  const result = await run(
    (function* (): Coro<T> {
      getRunningLoop().setExceptionHandler((_loop, ctx) => void messages.push(ctx));
      return yield* timeout(seconds, function* () {
        return yield* body();
      });
    })(),
  );
  return { result, messages };
}

/** The port a server listens on (its first socket). */
export function portOf(server: Server): number {
  const name = server.sockets[0].getsockname();
  if (!Array.isArray(name)) throw new Error(`not an IP server: ${String(name)}`);
  return name[1];
}

export const bytes = (text: string): Uint8Array => Buffer.from(text);
export const text = (data: Uint8Array): string => Buffer.from(data).toString();

/** A fresh temporary directory for Unix sockets; remove it with the returned function. */
export function tempDir(): [string, () => void] {
  const dir = mkdtempSync(join(tmpdir(), 'yieldio-net-'));
  return [dir, () => rmSync(dir, { recursive: true, force: true })];
}

/**
 * Bundle `source` (JavaScript importing @yieldio/core and @yieldio/net, taken from their
 * sources) into `dir` as a program node can run on its own; returns its path. For what
 * needs a process of its own: how it exits, what it does as another user.
 */
export function bundleProgram(source: string, dir: string, name = 'program.cjs'): string {
  const packages = join(__dirname, '..', '..');
  const outfile = join(dir, name);
  buildSync({
    stdin: { contents: source, loader: 'js', resolveDir: dir },
    alias: {
      '@yieldio/core': join(packages, 'core', 'src', 'index.ts'),
      '@yieldio/core/internal': join(packages, 'core', 'src', 'internal.ts'),
      '@yieldio/net': join(packages, 'net', 'src', 'index.ts'),
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

export interface ProgramOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** It had not exited after `limitMs` and was killed. */
  killed: boolean;
  /** How long it ran, in milliseconds. */
  elapsedMs: number;
}

/**
 * Run `node program ...args`, killing it (SIGKILL) if it has not exited after `limitMs`.
 * Resolves when its output is complete (or 2 s after it exited, should something it
 * started still hold our pipes).
 */
export function runProgram(program: string, args: string[], limitMs: number, options: SpawnOptions = {}): Promise<ProgramOutcome> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [program, ...args], { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null; elapsedMs: number } | null = null;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const guard = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, limitMs);
    const finish = (): void => {
      clearTimeout(guard);
      resolve({ ...exit!, stdout, stderr, killed });
    };
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      exit = { code, signal, elapsedMs: Date.now() - started };
      setTimeout(finish, 2000).unref();
    });
    child.on('close', finish);
  });
}

/** Whether a process with this pid exists (a zombie counts): signal 0 only checks. */
export function alive(pid: number): boolean {
  // Signal 0 to pid 0 or below asks about a whole process group, not one process.
  if (!(Number.isInteger(pid) && pid > 0)) throw new RangeError(`alive(): pid ${pid} is not a process id; pass a child's pid`);
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
