/**
 * Subprocesses with real programs (CPython test_subprocess.py, SubprocessMixin): sh, cat,
 * node itself (process.execPath) and python3 where present. Real clock; every test is
 * bounded by runNet's deadline.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CancelledError, InvalidStateError, createTask, getRunningLoop, simulate, sleep } from '@yieldio/core';
import type { Coro } from '@yieldio/core';
import {
  BrokenPipeError,
  ConnectionResetError,
  DEVNULL,
  FileNotFoundError,
  PermissionError,
  PIPE,
  ProcessLookupError,
  STDOUT,
  createSubprocessExec,
  createSubprocessShell,
} from '@yieldio/net';
import { pendingReleases } from '../src/loop-close';
import { alive, bytes, runNet, tempDir, text } from './helpers';

const NODE = process.execPath;

function hasPython(): boolean {
  try {
    execFileSync('python3', ['-c', 'pass'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const withPython = hasPython() ? test : test.skip;

describe('createSubprocessExec', () => {
  test('stdout is a StreamReader; wait() gives the exit code', async () => {
    const { result, messages } = await runNet(function* () {
      const proc = yield* createSubprocessExec('sh', '-c', 'echo hello; echo world; exit 3', { stdout: PIPE });
      expect(typeof proc.pid).toBe('number');
      expect(proc.stdin).toBeNull();
      expect(proc.stderr).toBeNull();
      const first = yield* proc.stdout!.readline();
      const rest = yield* proc.stdout!.read();
      const code = yield* proc.wait();
      return [text(first), text(rest), code, proc.returncode];
    });
    expect(result).toEqual(['hello\n', 'world\n', 3, 3]);
    expect(messages).toEqual([]);
  });

  test('communicate() echoes input through cat', async () => {
    const { result } = await runNet(function* () {
      const proc = yield* createSubprocessExec('cat', { stdin: PIPE, stdout: PIPE });
      const [out, err] = yield* proc.communicate(bytes('some data'));
      return [text(out!), err, proc.returncode];
    });
    expect(result).toEqual(['some data', null, 0]);
  });

  test('communicate() moves megabytes both ways at once without deadlock', async () => {
    // The child echoes its stdin to stdout and writes as much again to stderr while it
    // reads; with 4 MiB each way every pipe fills many times over.
    const size = 4 * 1024 * 1024;
    const script = `
      process.stdin.on('data', (c) => { process.stdout.write(c); process.stderr.write(Buffer.alloc(c.length, 0x65)); });
      process.stdin.on('end', () => { process.stdout.end(); process.stderr.end(); });`;
    const input = Buffer.alloc(size);
    for (let i = 0; i < size; i++) input[i] = i % 251;
    const { result } = await runNet(function* () {
      const proc = yield* createSubprocessExec(NODE, '-e', script, { stdin: PIPE, stdout: PIPE, stderr: PIPE });
      const [out, err] = yield* proc.communicate(input);
      return [Buffer.from(out!).equals(input), err!.length, err!.every((b) => b === 0x65), proc.returncode];
    }, 20);
    expect(result).toEqual([true, size, true, 0]);
  });

  test("stdin.write() keeps the bytes as they were: a buffer reused for the next write changes nothing the child reads", async () => {
    const block = 256 * 1024;
    const { result } = await runNet(function* () {
      const proc = yield* createSubprocessExec('cat', { stdin: PIPE, stdout: PIPE });
      const chunk = new Uint8Array(block);
      for (let i = 0; i < 8; i++) {
        chunk.fill(0x61 + i);
        proc.stdin!.write(chunk);
      }
      chunk.fill(0);
      const [out] = yield* proc.communicate();
      const wrong: number[] = [];
      for (let i = 0; i < 8; i++) if (out!.subarray(i * block, (i + 1) * block).some((b) => b !== 0x61 + i)) wrong.push(i);
      return { length: out!.length, wrong };
    });
    expect(result).toEqual({ length: 8 * block, wrong: [] });
  });

  test('stdin is a StreamWriter with back-pressure; stdout pauses past its limit', async () => {
    const { result } = await runNet(function* () {
      const proc = yield* createSubprocessExec('cat', { stdin: PIPE, stdout: PIPE, limit: 1024 });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const writer = createTask(
        (function* (): Coro<void> {
          for (let i = 0; i < 32; i++) {
            proc.stdin!.write(chunk);
            yield* proc.stdin!.drain();
          }
          proc.stdin!.close();
        })(),
      );
      // Let the pipes fill before anyone reads: the writer must be held back, not buffer 2 MiB.
      yield* sleep(0.05);
      const buffered = proc.stdin!.transport.getWriteBufferSize();
      let total = 0;
      for (;;) {
        const data = yield* proc.stdout!.read(65536);
        if (data.length === 0) break;
        total += data.length;
      }
      yield* writer;
      return [buffered < 32 * chunk.length, total, yield* proc.wait()];
    }, 15);
    expect(result).toEqual([true, 32 * 64 * 1024, 0]);
  });

  test('stderr: STDOUT merges both into stdout', async () => {
    const { result } = await runNet(function* () {
      const proc = yield* createSubprocessExec('sh', '-c', 'echo out; sleep 0.05; echo err 1>&2', { stdout: PIPE, stderr: STDOUT });
      const [out, err] = yield* proc.communicate();
      return [text(out!), err];
    });
    expect(result).toEqual(['out\nerr\n', null]);
  });

  test('stderr: STDOUT keeps back-pressure: a reader past its limit holds both pipes', async () => {
    // The child writes 24 MiB to stderr alone. Were the merged stderr pipe never paused,
    // it would all pile up in stdout's reader while no one reads. Paused, the reader
    // holds at most what Node read in one poll (up to 32 reads of 64 KiB per pipe).
    const size = 24 * 1024 * 1024;
    const script = `
      const chunk = Buffer.alloc(65536, 0x65); let left = ${size / 65536};
      (function write() { while (left > 0) { left--; if (!process.stderr.write(chunk)) return process.stderr.once('drain', write); } })();`;
    const { result } = await runNet(function* () {
      const proc = yield* createSubprocessExec(NODE, '-e', script, { stdout: PIPE, stderr: STDOUT, limit: 16384 });
      yield* sleep(0.5);
      const buffered = proc.stdout!._length;
      const out = yield* proc.stdout!.read();
      return [buffered, out.length, yield* proc.wait()];
    }, 15);
    expect(result).toEqual([expect.any(Number), size, 0]);
    expect(result[0]).toBeLessThan(8 * 1024 * 1024);
  });

  test('DEVNULL, cwd and env reach the child', async () => {
    const [dir, removeDir] = tempDir();
    const { result } = await runNet(function* () {
      const proc = yield* createSubprocessExec('sh', '-c', 'pwd; echo "$GREETING"; echo lost 1>&2', {
        stdin: DEVNULL,
        stdout: PIPE,
        stderr: DEVNULL,
        cwd: dir,
        env: { GREETING: 'hi there', PATH: process.env.PATH ?? '/usr/bin:/bin' },
      });
      const [out] = yield* proc.communicate();
      return text(out!);
    });
    try {
      expect(result.split('\n').slice(1)).toEqual(['hi there', '']);
      expect(realpathSync(result.split('\n')[0])).toBe(realpathSync(dir));
    } finally {
      removeDir();
    }
  });

  test('a missing program raises FileNotFoundError naming it', async () => {
    await expect(
      runNet(function* () {
        return yield* createSubprocessExec('no-such-program-yieldio', 'arg');
      }),
    ).rejects.toThrow(
      new FileNotFoundError('createSubprocessExec(): cannot run "no-such-program-yieldio": no such file or directory (ENOENT); check the name and PATH'),
    );
  });

  test('a signal ends the child: returncode is minus its number', async () => {
    const { result } = await runNet(function* () {
      const proc = yield* createSubprocessExec('sleep', '10');
      proc.terminate();
      const code = yield* proc.wait();
      return code;
    });
    expect(result).toBe(-15);
  });

  test('sendSignal delivers a signal the child handles', async () => {
    const script = `process.on('SIGUSR1', () => { console.log('got SIGUSR1'); process.exit(7); }); console.log('ready'); setInterval(() => {}, 1000);`;
    const { result } = await runNet(function* () {
      const proc = yield* createSubprocessExec(NODE, '-e', script, { stdout: PIPE });
      expect(text(yield* proc.stdout!.readline())).toBe('ready\n');
      proc.sendSignal('SIGUSR1');
      const line = text(yield* proc.stdout!.readline());
      return [line, yield* proc.wait()];
    });
    expect(result).toEqual(['got SIGUSR1\n', 7]);
  });

  test('signalling a child that exited raises ProcessLookupError; a bad signal is refused', async () => {
    const { result } = await runNet(function* () {
      const proc = yield* createSubprocessExec('true');
      expect(() => proc.sendSignal('SIGNOPE')).toThrow(
        new RangeError(`sendSignal(): "SIGNOPE" is not a signal on this platform; use a name such as 'SIGUSR2', 'SIGTERM' or 'SIGHUP'`),
      );
      yield* proc.wait();
      const errors: unknown[] = [];
      for (const send of [() => proc.kill(), () => proc.terminate(), () => proc.sendSignal('SIGHUP')]) {
        try {
          send();
        } catch (exc) {
          errors.push(exc);
        }
      }
      return [proc.pid, errors];
    });
    const [pid, errors] = result as [number, Error[]];
    expect(errors).toEqual([
      new ProcessLookupError(`kill(): process ${pid} has already exited (returncode 0); there is nothing to signal`),
      new ProcessLookupError(`terminate(): process ${pid} has already exited (returncode 0); there is nothing to signal`),
      new ProcessLookupError(`sendSignal(): process ${pid} has already exited (returncode 0); there is nothing to signal`),
    ]);
    expect(errors.every((exc) => exc instanceof ProcessLookupError)).toBe(true);
  });

  test('a program that is not executable raises PermissionError naming it', async () => {
    const [dir, removeDir] = tempDir();
    const file = join(dir, 'not-executable');
    writeFileSync(file, 'echo hi\n', { mode: 0o644 });
    try {
      await expect(runNet(() => createSubprocessExec(file))).rejects.toThrow(
        new PermissionError(`createSubprocessExec(): cannot run "${file}": permission denied (EACCES); is it executable?`),
      );
    } finally {
      removeDir();
    }
  });

  test('writing to a child that exited: drain() raises, a write/drain loop does not spin (asyncio test_stdin_broken_pipe)', async () => {
    const { result } = await runNet(function* () {
      const proc = yield* createSubprocessExec('sh', '-c', 'exit 0', { stdin: PIPE });
      yield* proc.wait();
      let caught: unknown = null;
      let writes = 0;
      try {
        // Node has closed stdin by now and would drop these bytes without a word.
        for (; writes < 1000; ) {
          proc.stdin!.write(Buffer.alloc(65536));
          writes++;
          yield* proc.stdin!.drain();
        }
      } catch (exc) {
        caught = exc;
      }
      return [caught, writes, proc.stdin!.isClosing()];
    });
    expect(result).toEqual([new ConnectionResetError('drain(): the connection with the peer is lost; nothing more can be written'), 1, true]);
    expect(result[0]).toBeInstanceOf(ConnectionResetError);
  });

  test('drain() raises BrokenPipeError when the child exits with bytes still pending', async () => {
    const { result } = await runNet(function* () {
      // The child never reads: 1 MiB fills the pipe and waits in Node's queue until it exits.
      const proc = yield* createSubprocessExec('sleep', '0.1', { stdin: PIPE });
      proc.stdin!.write(Buffer.alloc(1024 * 1024));
      let caught: unknown = null;
      try {
        yield* proc.stdin!.drain();
      } catch (exc) {
        caught = exc;
      }
      return [caught, yield* proc.wait()];
    });
    expect(result).toEqual([new BrokenPipeError('write(): the child process closed its stdin (EPIPE)'), 0]);
    expect(result[0]).toBeInstanceOf(BrokenPipeError);
  });

  test('a create call cancelled before the child started kills the child', async () => {
    // Nothing could ever reach a child whose Process was never returned, so asyncio kills
    // it (test_cancel_make_subprocess_transport_exec). The shell writes its pid, then
    // becomes `sleep 10`: a pid file whose process still runs means it was left behind.
    // The pid goes through a rename, so the file is never seen empty: an empty file read
    // as pid 0, and `process.kill(0, 'SIGKILL')` kills this whole process group.
    const [dir, removeDir] = tempDir();
    const pidFile = join(dir, 'pid');
    try {
      const { result } = await runNet(function* () {
        const script = 'echo $$ > "$0.tmp" && mv "$0.tmp" "$0"; exec sleep 10';
        const create = createTask(createSubprocessExec('sh', '-c', script, pidFile));
        yield* sleep(0); // the task spawns the child and waits for Node's 'spawn' event
        create.cancel();
        const cancelled = (yield* catching(create)) instanceof CancelledError;
        yield* sleep(0.3);
        return cancelled;
      });
      expect(result).toBe(true);
      if (existsSync(pidFile)) {
        const pid = Number(readFileSync(pidFile, 'utf8'));
        expect(pid).toBeGreaterThan(0);
        let alive = true;
        try {
          process.kill(pid, 0);
          process.kill(pid, 'SIGKILL');
        } catch {
          alive = false;
        }
        expect(alive).toBe(false);
      }
    } finally {
      removeDir();
    }
  });

  test('cancelling wait() leaves the child running (as asyncio)', async () => {
    const { result } = await runNet(function* () {
      const proc = yield* createSubprocessExec('sleep', '10');
      const waiter = createTask(proc.wait());
      yield* sleep(0.02);
      waiter.cancel();
      yield* sleep(0.02);
      const running = proc.returncode;
      proc.kill();
      return [waiter.cancelled(), running, yield* proc.wait()];
    });
    expect(result).toEqual([true, null, -9]);
  });

  test('with killOnCancel, cancelling wait() kills the child', async () => {
    const { result } = await runNet(function* () {
      const proc = yield* createSubprocessExec('sleep', '10', { killOnCancel: true });
      const waiter = createTask(proc.wait());
      yield* sleep(0.02);
      waiter.cancel();
      try {
        yield* waiter;
      } catch (exc) {
        expect(exc).toBeInstanceOf(CancelledError);
      }
      return yield* proc.wait();
    });
    expect(result).toBe(-9);
  });

  test('with killOnCancel, cancelling communicate() kills the child; without, it runs on', async () => {
    const { result } = await runNet(function* () {
      const codes: (number | null)[] = [];
      for (const killOnCancel of [true, false]) {
        const proc = yield* createSubprocessExec('sleep', '10', { stdout: PIPE, killOnCancel });
        const talk = createTask(proc.communicate());
        yield* sleep(0.02);
        talk.cancel();
        yield* sleep(0.05);
        codes.push(proc.returncode);
        if (proc.returncode === null) proc.kill();
        yield* proc.wait();
      }
      return codes;
    });
    expect(result).toEqual([-9, null]);
  });

  test('the reader keeps every byte a fast child wrote before it exited', async () => {
    const { result } = await runNet(function* () {
      const proc = yield* createSubprocessExec(NODE, '-e', 'process.stdout.write("x".repeat(100000))', { stdout: PIPE });
      const code = yield* proc.wait();
      const out = yield* proc.stdout!.read();
      return [code, out.length];
    });
    expect(result).toEqual([0, 100000]);
  });

  withPython('python3 reads lines and answers', async () => {
    const { result } = await runNet(function* () {
      const proc = yield* createSubprocessExec('python3', '-u', '-c', 'import sys\nfor line in sys.stdin: print(line.strip().upper(), flush=True)', {
        stdin: PIPE,
        stdout: PIPE,
      });
      proc.stdin!.write(bytes('hello\n'));
      const first = text(yield* proc.stdout!.readline());
      proc.stdin!.write(bytes('bye\n'));
      const second = text(yield* proc.stdout!.readline());
      proc.stdin!.close();
      return [first, second, yield* proc.wait()];
    });
    expect(result).toEqual(['HELLO\n', 'BYE\n', 0]);
  });

  test('a child that exits without reading its input is not an error for communicate()', async () => {
    const { result } = await runNet(function* () {
      const proc = yield* createSubprocessExec('sh', '-c', 'exit 0', { stdin: PIPE });
      yield* sleep(0.05);
      const out = yield* proc.communicate(Buffer.alloc(1024 * 1024));
      return [out, proc.returncode];
    });
    expect(result).toEqual([[null, null], 0]);
  });

  test('bad arguments fail with clear errors', async () => {
    await expect(runNet(() => createSubprocessExec('cat', 3 as never))).rejects.toThrow(
      new TypeError('createSubprocessExec(): options must be an object such as { stdout: PIPE }, got 3 (a number)'),
    );
    await expect(runNet(() => createSubprocessExec('cat', { stdout: 'pipe' as never }))).rejects.toThrow(
      new TypeError('createSubprocessExec(): stdout must be PIPE, DEVNULL, a file descriptor or null, got "pipe" (a string)'),
    );
    await expect(runNet(() => createSubprocessExec('cat', { stdout: STDOUT }))).rejects.toThrow(RangeError);
    await expect(runNet(() => createSubprocessExec('cat', { bogus: 1 } as never))).rejects.toThrow(/unknown option "bogus"/);
  });
});

describe('createSubprocessShell', () => {
  test('runs the command with sh -c', async () => {
    const { result } = await runNet(function* () {
      const proc = yield* createSubprocessShell('echo $((6 * 7)) | cat; exit 5', { stdout: PIPE });
      const [out] = yield* proc.communicate();
      return [text(out!), proc.returncode];
    });
    expect(result).toEqual(['42\n', 5]);
  });

  test('a missing command is the shell\'s exit code 127', async () => {
    const { result } = await runNet(function* () {
      const proc = yield* createSubprocessShell('no-such-program-yieldio', { stderr: DEVNULL });
      return yield* proc.wait();
    });
    expect(result).toBe(127);
  });
});

describe('at loop close', () => {
  /** Poll (real time, bounded) until `pid` is gone; true if it went. */
  async function gone(pid: number, ms = 5000): Promise<boolean> {
    for (const end = Date.now() + ms; Date.now() < end; await new Promise((resolve) => setTimeout(resolve, 10))) {
      if (!alive(pid)) return true;
    }
    return false;
  }

  test('a child still running when run() returns is killed (asyncio BaseSubprocessTransport.close)', async () => {
    const { result } = await runNet(function* () {
      const proc = yield* createSubprocessExec('sleep', '30', { stdin: PIPE, stdout: PIPE, stderr: PIPE });
      // Forgotten: never awaited, never killed.
      return [proc, getRunningLoop()] as const;
    });
    const [proc, loop] = result;
    try {
      expect(loop.isClosed()).toBe(true);
      expect(pendingReleases(loop)).toBe(0);
      expect(await gone(proc.pid)).toBe(true);
      // The loop that would have reported the exit is gone: returncode stays unknown.
      expect(proc.returncode).toBeNull();
    } finally {
      if (alive(proc.pid)) process.kill(proc.pid, 'SIGKILL');
    }
  });

  test('a child that exited and closed its pipes is forgotten at once, not kept for close', async () => {
    const { result } = await runNet(function* () {
      const loop = getRunningLoop();
      const before = pendingReleases(loop);
      const counts: number[] = [];
      for (let i = 0; i < 5; i++) {
        const proc = yield* createSubprocessExec('sh', '-c', 'echo hi', { stdin: PIPE, stdout: PIPE, stderr: PIPE });
        counts.push(pendingReleases(loop) - before);
        yield* proc.communicate();
      }
      // Node reports the pipes closed a moment after the exit.
      for (let i = 0; i < 200 && pendingReleases(loop) > before; i++) yield* sleep(0.005);
      return [counts, pendingReleases(loop) - before];
    });
    expect(result).toEqual([[1, 1, 1, 1, 1], 0]);
  });

  test('a running child is killed with SIGKILL: one that ignores SIGTERM goes too', async () => {
    const script = `process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000);`;
    const { result } = await runNet(function* () {
      const stubborn = yield* createSubprocessExec(NODE, '-e', script, { stdout: PIPE });
      expect(text(yield* stubborn.stdout!.readline())).toBe('ready\n');
      return stubborn;
    });
    const stubborn = result;
    try {
      expect(await gone(stubborn.pid)).toBe(true);
    } finally {
      if (alive(stubborn.pid)) process.kill(stubborn.pid, 'SIGKILL');
    }
  });
});

test('subprocesses are refused inside simulate()', () => {
  expect(() =>
    simulate(
      (function* (): Coro<void> {
        getRunningLoop();
        yield* createSubprocessExec('true');
      })(),
    ),
  ).toThrow(
    new InvalidStateError('createSubprocessExec(): subprocesses are not available inside simulate(): the virtual clock has no processes; run this under run()'),
  );
});

/** Await `aw` and return what it threw (or undefined). */
function* catching(aw: Iterable<unknown> & object): Coro<unknown> {
  try {
    yield* aw as Coro<unknown>;
  } catch (exc) {
    return exc;
  }
  return undefined;
}
