/**
 * Subprocesses (asyncio `subprocess.py`): `createSubprocessExec(program, ...args, opts)`
 * and `createSubprocessShell(cmd, opts)` start a child and return a `Process` whose pipes
 * are streams: `stdin` a StreamWriter, `stdout` and `stderr` StreamReaders.
 *
 *     const proc = yield* createSubprocessExec('cat', { stdin: PIPE, stdout: PIPE });
 *     const [out] = yield* proc.communicate(Buffer.from('hello'));
 *     proc.returncode; // 0
 *
 * The child is Node's (`spawn`, through node-process.ts); each of its events is handed to
 * the loop with callSoon and fed to a pipe transport (pipe-transports.ts), so the streams
 * behave as a socket's do, back-pressure included: a reader over 2 x limit pauses the
 * pipe and the child blocks writing. `communicate` feeds stdin and reads both outputs at
 * once (three tasks, as asyncio's gather), so megabytes both ways cannot deadlock.
 *
 * Cancellation, as asyncio: cancelling `wait()` or `communicate()` does not touch the
 * child, which keeps running; kill it yourself, or pass `killOnCancel: true` to have a
 * cancelled wait/communicate send SIGKILL first. A create call cancelled before the
 * child started kills it (no one else could).
 *
 * When the loop closes (run() returning), every child it started that still runs is
 * killed (SIGKILL), and the pipes of every child are closed, their unread output lost.
 * That is asyncio's `BaseSubprocessTransport.close`, which asyncio calls when the
 * transport is closed or garbage-collected, as a forgotten child's is once asyncio.run()
 * returns. Without it a forgotten `sleep 30` would keep Node alive for 30 s after run()
 * returned, and a grandchild holding a pipe for as long as it lives. A child is
 * registered with loop-close.ts when spawned, and forgotten once it has exited and its
 * pipes have closed. Only the direct child is killed: a program meant to outlive the
 * loop is started detached by a shell (`nohup cmd >log 2>&1 &`), as with asyncio.
 *
 * Where we differ: `stderr: STDOUT` merges the two pipes in arrival order in our reader
 * (Node cannot pass one pipe as both fds; a reader past its limit pauses both), so lines
 * written to both in one instant may interleave differently than a shared pipe would.
 * `wait()` returns when the child exits, not when its pipes close (asyncio waits for
 * both), so a grandchild holding a pipe cannot hang it. `returncode` is -N for a child
 * killed by signal N, as asyncio. Not available inside simulate(). Rejected: wrapping
 * exec in `sh -c 'exec "$0" "$@" 2>&1'` for a true STDOUT merge (exec would then depend
 * on a shell and its quoting).
 */
import { CancelledError, InvalidStateError, NondeterminismError, gather, getRunningLoop } from '@yieldio/core';
import type { Coro, EventLoop, Future } from '@yieldio/core';
import { describeValue as describe } from '@yieldio/core';
import { callSoonWithContext } from '@yieldio/core/internal';
import { releaseAtClose } from './loop-close';
import { BrokenPipeError, ConnectionResetError, ProcessLookupError, osErrorFor } from './errors';
import type { OSError } from './errors';
import { signalNumbers, spawnChild } from './node-process';
import type { ChildHandle, PipeFd, StdioSpec } from './node-process';
import { ReadPipeTransport, WritePipeTransport } from './pipe-transports';
import { checkSignal } from './signals';
import { StreamReaderProtocol } from './stream-protocol';
import { DEFAULT_LIMIT, StreamReader } from './stream-reader';
import { StreamWriter } from './stream-writer';

/** Connect the stream to a new pipe (asyncio `subprocess.PIPE`). */
export const PIPE = -1;
/** stderr only: send it where stdout goes (asyncio `subprocess.STDOUT`). */
export const STDOUT = -2;
/** Connect the stream to /dev/null (asyncio `subprocess.DEVNULL`). */
export const DEVNULL = -3;

/** Options of `createSubprocessExec()` and `createSubprocessShell()` (asyncio's `stdin=`, `stdout=`, `stderr=`, `cwd=`, `env=`, `limit=`). */
export interface SubprocessOptions {
  /** PIPE, DEVNULL, a file descriptor, or null/undefined to inherit ours (the default, as asyncio). */
  stdin?: number | null;
  stdout?: number | null;
  /** As stdout, or STDOUT to merge into stdout. */
  stderr?: number | null;
  cwd?: string;
  /** The child's whole environment (default: ours). */
  env?: Record<string, string>;
  /** The readers' limit (64 KiB by default). */
  limit?: number;
  /** Kill the child (SIGKILL) when a wait() or communicate() on it is cancelled. Default false, as asyncio. */
  killOnCancel?: boolean;
  /** Start the child in a new session (setsid), as Popen's `start_new_session`; Node's `detached`. */
  startNewSession?: boolean;
}

/** A running child process (asyncio `asyncio.subprocess.Process`): `pid`, `returncode`, its pipes, `wait()`, `communicate()`, `sendSignal()`, `terminate()`, `kill()`. */
export class Process {
  readonly pid: number;
  readonly stdin: StreamWriter | null;
  readonly stdout: StreamReader | null;
  readonly stderr: StreamReader | null;
  readonly _loop: EventLoop;
  readonly _child: ChildHandle;
  readonly _killOnCancel: boolean;
  _returncode: number | null = null;
  readonly _exitWaiters: Future<number>[] = [];

  constructor(loop: EventLoop, child: ChildHandle, pid: number, pipes: Pipes, killOnCancel: boolean) {
    this._loop = loop;
    this._child = child;
    this.pid = pid;
    this.stdin = pipes.stdin;
    this.stdout = pipes.stdout;
    this.stderr = pipes.stderr;
    this._killOnCancel = killOnCancel;
  }

  /** The exit code, -N if signal N ended it, or null while it runs. */
  get returncode(): number | null {
    return this._returncode;
  }

  /** The child exited (from a loop callback). */
  _exited(code: number): void {
    this._returncode = code;
    for (const waiter of this._exitWaiters) if (!waiter.done()) waiter.setResult(code);
    this._exitWaiters.length = 0;
  }

  /**
   * Wait for the child to exit; returns its returncode. Cancelling the wait leaves the
   * child running (unless `killOnCancel`). With stdout/stderr PIPE, read them meanwhile
   * (or use communicate): a child blocked on a full pipe never exits.
   */
  *wait(): Coro<number> {
    if (this._returncode !== null) return this._returncode;
    const waiter = this._loop.createFuture<number>({ description: `process ${this.pid} to exit` });
    this._exitWaiters.push(waiter);
    try {
      return yield* waiter;
    } catch (exc) {
      if (exc instanceof CancelledError) this._maybeKillOnCancel();
      throw exc;
    } finally {
      const i = this._exitWaiters.indexOf(waiter);
      if (i >= 0) this._exitWaiters.splice(i, 1);
    }
  }

  /**
   * Send `input` (if any) to stdin and close it, read stdout and stderr to EOF, and wait
   * for the exit: `[stdout, stderr]`, each null unless that stream is a PIPE. All three
   * run at once, so the child can write megabytes while it reads megabytes.
   */
  *communicate(input: Uint8Array | null = null): Coro<[Uint8Array | null, Uint8Array | null]> {
    if (input !== null && !(input instanceof Uint8Array)) {
      throw new TypeError(`communicate(): input must be bytes (a Uint8Array or Buffer) or null, got ${describe(input)}${typeof input === 'string' ? '; encode it first: Buffer.from(text)' : ''}`);
    }
    if (input !== null && input.length > 0 && this.stdin === null) {
      throw new InvalidStateError('communicate(): input was given but stdin is not a pipe; create the process with { stdin: PIPE }');
    }
    try {
      const [, stdout, stderr] = yield* gather(feedStdin(this.stdin, input), readAll(this.stdout), readAll(this.stderr));
      yield* this.wait();
      return [stdout, stderr];
    } catch (exc) {
      if (exc instanceof CancelledError) this._maybeKillOnCancel();
      throw exc;
    }
  }

  _maybeKillOnCancel(): void {
    if (this._killOnCancel && this._returncode === null) this._child.kill('SIGKILL');
  }

  /** Send signal `sig` ('SIGUSR1', or its number) to the child. */
  sendSignal(sig: string | number): void {
    const name = checkSignal('sendSignal()', sig);
    this._send('sendSignal()', name);
  }

  /** SIGTERM. */
  terminate(): void {
    this._send('terminate()', 'SIGTERM');
  }

  /** SIGKILL. */
  kill(): void {
    this._send('kill()', 'SIGKILL');
  }

  _send(caller: string, signal: string): void {
    if (this._returncode !== null || !this._child.kill(signal)) {
      throw new ProcessLookupError(`${caller}: process ${this.pid} has already exited (returncode ${this._returncode}); there is nothing to signal`, { code: 'ESRCH' });
    }
  }

  /** `<Process pid returncode>`, as asyncio's `repr`. */
  toString(): string {
    return `<Process ${this.pid}${this._returncode === null ? ' running' : ` returncode=${this._returncode}`}>`;
  }
}

/** communicate()'s writer: send the input, close stdin; a child that stopped reading is not an error. */
function* feedStdin(stdin: StreamWriter | null, input: Uint8Array | null): Coro<void> {
  if (stdin === null) return;
  try {
    if (input !== null && input.length > 0) {
      stdin.write(input);
      yield* stdin.drain();
    }
  } catch (exc) {
    // asyncio `_feed_stdin`: the child may exit without reading all its input.
    if (!(exc instanceof BrokenPipeError || exc instanceof ConnectionResetError)) throw exc;
  }
  stdin.close();
}

function* readAll(reader: StreamReader | null): Coro<Uint8Array | null> {
  if (reader === null) return null;
  return yield* reader.read(-1);
}

interface Pipes {
  stdin: StreamWriter | null;
  stdout: StreamReader | null;
  stderr: StreamReader | null;
}

/** Start `program` with `args`; returns the Process once it is running. asyncio `create_subprocess_exec`. */
export function* createSubprocessExec(program: string, ...rest: (string | SubprocessOptions | undefined)[]): Coro<Process> {
  const caller = 'createSubprocessExec()';
  let options: unknown = undefined;
  if (rest.length > 0 && typeof rest[rest.length - 1] !== 'string') options = rest.pop();
  if (typeof program !== 'string' || program === '') {
    throw new TypeError(`${caller}: program must be a non-empty string such as 'ls', got ${describe(program)}`);
  }
  rest.forEach((arg, i) => {
    if (typeof arg !== 'string') {
      throw new TypeError(`${caller}: argument ${i + 1} must be a string, got ${describe(arg)}; the options object goes last`);
    }
  });
  return yield* spawnProcess(caller, program, rest as string[], options, program);
}

/** Run `cmd` with /bin/sh -c; returns the Process once the shell is running. asyncio `create_subprocess_shell`. */
export function* createSubprocessShell(cmd: string, options?: SubprocessOptions): Coro<Process> {
  const caller = 'createSubprocessShell()';
  if (typeof cmd !== 'string' || cmd === '') {
    throw new TypeError(`${caller}: cmd must be a non-empty string such as 'ls -l | wc -l', got ${describe(cmd)}`);
  }
  return yield* spawnProcess(caller, '/bin/sh', ['-c', cmd], options, cmd);
}

function checkOptions(caller: string, options: unknown): SubprocessOptions {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${caller}: options must be an object such as { stdout: PIPE }, got ${describe(options)}`);
  }
  const known = new Set(['stdin', 'stdout', 'stderr', 'cwd', 'env', 'limit', 'killOnCancel', 'startNewSession']);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new TypeError(`${caller}: unknown option ${JSON.stringify(key)}; known options: ${[...known].join(', ')}`);
  }
  const o = options as SubprocessOptions;
  if (o.cwd !== undefined && typeof o.cwd !== 'string') throw new TypeError(`${caller}: cwd must be a path string, got ${describe(o.cwd)}`);
  if (o.env !== undefined && (o.env === null || typeof o.env !== 'object')) {
    throw new TypeError(`${caller}: env must be an object of strings such as { PATH: '/usr/bin' }, got ${describe(o.env)}`);
  }
  if (o.limit !== undefined) {
    if (typeof o.limit !== 'number' || !Number.isInteger(o.limit)) throw new TypeError(`${caller}: limit must be a whole number of bytes, got ${describe(o.limit)}`);
    if (o.limit <= 0) throw new RangeError(`${caller}: limit must be > 0, got ${o.limit}`);
  }
  for (const flag of ['killOnCancel', 'startNewSession'] as const) {
    if (o[flag] !== undefined && typeof o[flag] !== 'boolean') {
      throw new TypeError(`${caller}: ${flag} must be true or false, got ${describe(o[flag])}`);
    }
  }
  return o;
}

function stdioSpec(caller: string, name: 'stdin' | 'stdout' | 'stderr', value: unknown): StdioSpec | 'merge' {
  if (value === undefined || value === null) return 'inherit';
  if (value === PIPE) return 'pipe';
  if (value === DEVNULL) return 'ignore';
  if (value === STDOUT) {
    if (name === 'stderr') return 'merge';
    throw new RangeError(`${caller}: STDOUT is only for stderr (merge it into stdout); got ${name}: STDOUT`);
  }
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  throw new TypeError(`${caller}: ${name} must be PIPE, DEVNULL${name === 'stderr' ? ', STDOUT' : ''}, a file descriptor or null, got ${describe(value)}`);
}

function spawnError(caller: string, what: string, cwd: string | undefined, err: NodeJS.ErrnoException): OSError {
  const options = { code: err.code, errno: err.errno, syscall: err.syscall, cause: err };
  let reason = err.message;
  if (err.code === 'ENOENT') {
    const hint = cwd === undefined ? 'check the name and PATH' : `check the name, PATH and that cwd ${JSON.stringify(cwd)} exists`;
    reason = `no such file or directory (ENOENT); ${hint}`;
  } else if (err.code === 'EACCES') {
    reason = 'permission denied (EACCES); is it executable?';
  }
  return osErrorFor(err.code, `${caller}: cannot run ${JSON.stringify(what)}: ${reason}`, options);
}

function* spawnProcess(caller: string, file: string, args: string[], rawOptions: unknown, what: string): Coro<Process> {
  const loop = getRunningLoop(caller.slice(0, -2));
  if (loop.host.sealed) {
    throw new NondeterminismError(`${caller}: subprocesses are not available inside simulate(): the virtual clock has no processes; run this under run()`);
  }
  const options = checkOptions(caller, rawOptions);
  const stdinSpec = stdioSpec(caller, 'stdin', options.stdin) as StdioSpec;
  const stdoutSpec = stdioSpec(caller, 'stdout', options.stdout) as StdioSpec;
  let stderrSpec = stdioSpec(caller, 'stderr', options.stderr);
  const merge = stderrSpec === 'merge';
  if (merge) stderrSpec = stdoutSpec === 'pipe' ? 'pipe' : stdoutSpec;
  const limit = options.limit ?? DEFAULT_LIMIT;

  // Each event waits in the loop's ready queue, in arrival order, behind the 'spawn' one.
  // The pipes are built in that 'spawn' callback itself, not when this coroutine resumes:
  // output that arrived with it runs before our task's next step and must find them.
  const started = loop.createFuture<Process>({ description: `${JSON.stringify(what)} to start` });
  let transports: { stdin: WritePipeTransport | null; out: [null, ReadPipeTransport | null, ReadPipeTransport | null] } | null = null;
  let proc: Process | null = null;
  // A child can outlive its loop: once the loop is closed its events have nowhere to go.
  const soon = (fn: () => void): void => {
    if (!loop.isClosed()) callSoonWithContext(loop, fn, null, null);
  };

  const build = (pid: number): Process => {
    const pipes: Pipes = { stdin: null, stdout: null, stderr: null };
    transports = { stdin: null, out: [null, null, null] };
    if (stdinSpec === 'pipe') {
      const protocol = new StreamReaderProtocol(new StreamReader({ limit, loop }), null, loop);
      // A writer's protocol reads nothing: drop the reader (asyncio passes reader=None).
      protocol._reader = null;
      const transport = new WritePipeTransport(loop, child, protocol, pid);
      protocol.connectionMade(transport);
      transports.stdin = transport;
      pipes.stdin = new StreamWriter(transport, protocol, null, loop);
    }
    for (const fd of [1, 2] as const) {
      if ((fd === 1 ? stdoutSpec : stderrSpec) !== 'pipe' || (merge && fd === 2)) continue;
      const reader = new StreamReader({ limit, loop });
      const protocol = new StreamReaderProtocol(reader, null, loop);
      // Merged: stdout's transport reads (and pauses) both pipes.
      const transport = new ReadPipeTransport(loop, child, protocol, pid, merge ? [1, 2] : [fd]);
      protocol.connectionMade(transport);
      transports.out[fd] = transport;
      if (fd === 1) pipes.stdout = reader;
      else pipes.stderr = reader;
    }
    return new Process(loop, child, pid, pipes, options.killOnCancel ?? false);
  };

  const child = spawnChild(
    { file, args, cwd: options.cwd, env: options.env, newSession: options.startNewSession ?? false, stdio: [stdinSpec, stdoutSpec, stderrSpec as StdioSpec] },
    {
      spawn: (pid) =>
        soon(() => {
          proc = build(pid);
          if (!started.done()) started.setResult(proc);
        }),
      error: (err) => soon(() => started.done() || started.setException(spawnError(caller, what, options.cwd, err))),
      data: (fd, chunk) => soon(() => transports?.out[merge ? 1 : fd]?._dataReceived(chunk)),
      end: (fd: PipeFd) => soon(() => transports?.out[merge ? 1 : fd]?._eofReceived()),
      drain: () => soon(() => transports?.stdin?._drained()),
      stdinError: (err) => soon(() => transports?.stdin?._writeFailed(err)),
      stdinClosed: () => soon(() => transports?.stdin?._closedByChild()),
      exit: (code, signal) => soon(() => proc?._exited(code ?? -(signalNumbers[signal ?? ''] ?? 0))),
      // Nothing left to kill or close at the loop's close.
      closed: () => forget(),
    },
  );
  const forget = releaseAtClose(loop, () => child.close());
  try {
    return yield* started;
  } catch (exc) {
    // Cancelled before it started: no one will ever hold this child; do not leave it running.
    if (exc instanceof CancelledError) child.kill('SIGKILL');
    throw exc;
  }
}
