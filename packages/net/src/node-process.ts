/**
 * The only module of this package that touches Node's process layer: signal listeners
 * (`process.on('SIGUSR2')`) and child processes (`node:child_process` `spawn`). It plays
 * the part node-network.ts plays for sockets: signals.ts and subprocess.ts above it see
 * plain callbacks and small handles, never a Node object, so a simulated OS could stand
 * in their place one day (as a simulated network stands in for node-network.ts).
 *
 * The contract matches the network's (DESIGN.md): events are plain callbacks, never
 * called synchronously from inside one of the handle's own methods; consumers hand each
 * one to the loop with callSoon. Per child: `spawn` or `error` exactly once, first; each
 * pipe's `data` then `end` at most once; `stdinClosed` at most once; `exit` exactly once
 * after `spawn`; `closed` at most once, last, when the child holds nothing more (Node's
 * 'close': it exited, or never started, and every pipe has closed).
 *
 * Rejected: handing `ChildProcess` and its streams up to the transports (simplest, but it
 * ties the transports to Node, the alternative DESIGN.md rejects for sockets), and
 * `exec`/`execFile` (they buffer the whole output in memory: no streaming, no limit).
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

// ---- Signals ----------------------------------------------------------------------

/** Signal names Node knows on this platform, with their numbers ('SIGUSR2' -> 12 on Linux). */
export const signalNumbers: Readonly<Record<string, number>> = constants.signals as Record<string, number>;

/** Call `listener` on each delivery of `signal` until the returned function is called. */
export function watchSignal(signal: string, listener: () => void): () => void {
  process.on(signal as NodeJS.Signals, listener);
  return () => void process.off(signal as NodeJS.Signals, listener);
}

// ---- Child processes ----------------------------------------------------------------

/** What one of the child's standard streams is connected to. */
export type StdioSpec = 'pipe' | 'ignore' | 'inherit' | number;

export interface SpawnRequest {
  file: string;
  args: readonly string[];
  cwd?: string;
  env?: Record<string, string>;
  /** setsid() in the child (Node's `detached`, Popen's `start_new_session`). */
  newSession?: boolean;
  stdio: [StdioSpec, StdioSpec, StdioSpec];
}

/** The pipes are numbered as the child sees them: 0 stdin, 1 stdout, 2 stderr. */
export type PipeFd = 1 | 2;

export interface ChildHandlers {
  /** The child started. */
  spawn(pid: number): void;
  /** The child could not be started (ENOENT, EACCES...). Only `closed` follows. */
  error(err: NodeJS.ErrnoException): void;
  data(fd: PipeFd, chunk: Uint8Array): void;
  end(fd: PipeFd): void;
  /** Writes to stdin drained (reported only while `watchDrain(true)`). */
  drain(): void;
  /** Writing to stdin failed (EPIPE when the child closed its end). */
  stdinError(err: NodeJS.ErrnoException): void;
  /** stdin closed: after `endStdin`, `stdinError`, or when Node closes it as the child exits. */
  stdinClosed(): void;
  /** The child exited: its code, or the signal that ended it. */
  exit(code: number | null, signal: string | null): void;
  /**
   * The child is gone and all its pipes are closed: nothing of it is left to release.
   * Bookkeeping only, safe to handle at once (no protocol runs from it).
   */
  closed(): void;
}

export interface ChildHandle {
  /**
   * Queue `data` for stdin. Returns null, or the error if the bytes cannot go: stdin is
   * already closed (EPIPE), or writing failed at once (then `stdinError` follows too).
   */
  write(data: Uint8Array): NodeJS.ErrnoException | null;
  stdinBufferSize(): number;
  watchDrain(on: boolean): void;
  endStdin(): void;
  destroyStdin(): void;
  pause(fd: PipeFd): void;
  resume(fd: PipeFd): void;
  /** Send `signal`; false if the child is gone. */
  kill(signal: string): boolean;
  /**
   * Release the child (asyncio `BaseSubprocessTransport.close`): destroy its pipes, and
   * SIGKILL it if it has not exited. What is still in the pipes is lost.
   */
  close(): void;
}

export function spawnChild(request: SpawnRequest, handlers: ChildHandlers): ChildHandle {
  const child = spawn(request.file, request.args as string[], {
    cwd: request.cwd,
    env: request.env,
    stdio: request.stdio,
    detached: request.newSession === true,
    windowsHide: true,
  });
  let started = false;
  child.once('spawn', () => {
    started = true;
    handlers.spawn(child.pid!);
  });
  // `on`, not `once`: Node emits 'error' again for each failed kill(), and an 'error'
  // without a listener would crash the process. kill() reports those by returning false.
  child.on('error', (err: NodeJS.ErrnoException) => {
    // Before 'spawn' it is a failure to start.
    if (!started) handlers.error(err);
  });
  child.once('exit', (code, signal) => handlers.exit(code, signal));
  child.once('close', () => handlers.closed());
  const outputs = [null, child.stdout, child.stderr] as const;
  for (const fd of [1, 2] as const) {
    const stream = outputs[fd];
    if (stream === null) continue;
    stream.on('data', (chunk: Buffer) => handlers.data(fd, chunk));
    // A read error ends the pipe too (once: `end` at most once per pipe); the exit tells the rest.
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      handlers.end(fd);
    };
    stream.once('end', end);
    stream.on('error', end);
  }
  const stdin = child.stdin;
  const onDrain = (): void => handlers.drain();
  stdin?.on('error', (err: NodeJS.ErrnoException) => handlers.stdinError(err));
  // Node destroys stdin when the child exits, with no error if nothing was pending; a later
  // write would be dropped without a word, so the transport must hear of the close.
  stdin?.once('close', () => handlers.stdinClosed());
  return {
    write: (data) => {
      if (stdin === null || stdin.destroyed) return Object.assign(new Error('stdin is closed'), { code: 'EPIPE' });
      stdin.write(Buffer.from(data)); // a copy: Node keeps what it queues by reference (see node-network.ts)
      // A write to a pipe the child already closed fails inside write() (EPIPE), but Node
      // reports it only on a later tick: the caller must know now, as asyncio's os.write does.
      return (stdin.errored as NodeJS.ErrnoException | null) ?? null;
    },
    stdinBufferSize: () => stdin?.writableLength ?? 0,
    watchDrain: (on) => {
      if (stdin === null) return;
      if (on) stdin.on('drain', onDrain);
      else stdin.off('drain', onDrain);
    },
    endStdin: () => void stdin?.end(),
    destroyStdin: () => void stdin?.destroy(),
    pause: (fd) => void outputs[fd]?.pause(),
    resume: (fd) => void outputs[fd]?.resume(),
    kill: (signal) => child.kill(signal as NodeJS.Signals),
    close: () => {
      // Destroyed, a pipe no longer keeps Node alive, even if a grandchild holds its other end.
      for (const stream of [child.stdin, child.stdout, child.stderr]) stream?.destroy();
      // Exited but not yet reported is fine too: a signal to a zombie does nothing.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
