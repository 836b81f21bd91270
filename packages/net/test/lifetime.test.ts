/**
 * How long the process lives: the loop decides, not its sockets (node-network.ts). A Node
 * program that returns from `run()` with a server, a connection and a datagram endpoint
 * left open must exit by itself, as a Python script does after `asyncio.run()`; a writer
 * closed as the last act of `main()` must still deliver every byte it was given; and
 * while `run()` runs, a main task waiting on nothing but a socket keeps the process alive.
 * Children too: one left running when run() returns is killed, and the pipes of one that
 * exited are closed even if a grandchild still holds them (subprocess.ts, loop-close.ts).
 *
 * That needs a process of its own: the test bundles a small program with @yieldio/core
 * and @yieldio/net (from their sources) by esbuild into a temporary directory, runs it
 * with node, and counts what a Node server here receives from it.
 */
import * as net from 'node:net';
import { alive, bundleProgram, runProgram, tempDir } from './helpers';

const PROGRAM = `
import { getRunningLoop, run } from '@yieldio/core';
import { DatagramProtocol, openConnection, startServer } from '@yieldio/net';
const countingPort = Number(process.argv[2]);
const size = Number(process.argv[3]);

function* main() {
  const loop = getRunningLoop();
  // Left open: a server with a connected client that never reads, and a UDP endpoint.
  const server = yield* startServer(function* (reader) { yield* reader.read(); }, '127.0.0.1', 0);
  const port = server.sockets[0].getsockname()[1];
  yield* openConnection('127.0.0.1', port);
  yield* loop.createDatagramEndpoint(() => new DatagramProtocol(), { localAddr: ['127.0.0.1', 0] });
  // While main waits on nothing but a socket, the running loop keeps the process alive.
  const [reader, writer] = yield* openConnection('127.0.0.1', countingPort);
  process.stdout.write(Buffer.from(yield* reader.readline()).toString());
  // Closed without waiting: what was written must still arrive after run() returns.
  writer.write(new Uint8Array(size).fill(7));
  writer.close();
}

run(main()).then(() => process.stdout.write('returned\\n'), (err) => {
  process.stderr.write(String(err && err.stack || err) + '\\n');
  process.exitCode = 1;
});
`;

const CHILD_PROGRAM = `
import { run } from '@yieldio/core';
import { DEVNULL, PIPE, createSubprocessExec, createSubprocessShell } from '@yieldio/net';

function* main() {
  // Forgotten while they run: never awaited, never killed. One without pipes, one with.
  const bare = yield* createSubprocessExec('sleep', '30', { stdin: DEVNULL, stdout: DEVNULL, stderr: DEVNULL });
  const piped = yield* createSubprocessExec('sleep', '30', { stdin: PIPE, stdout: PIPE, stderr: PIPE });
  // Exited, but the grandchild it left in the background holds its stdout pipe open.
  const shell = yield* createSubprocessShell('sleep 30 & echo $!', { stdin: DEVNULL, stdout: PIPE, stderr: DEVNULL });
  const grandchild = Number(Buffer.from(yield* shell.stdout.readline()).toString());
  yield* shell.wait();
  process.stdout.write(JSON.stringify([bare.pid, piped.pid, grandchild]) + '\\n');
}

run(main()).then(() => process.stdout.write('returned\\n'), (err) => {
  process.stderr.write(String(err && err.stack || err) + '\\n');
  process.exitCode = 1;
});
`;


describe('process lifetime', () => {
  let dir = '';
  let removeDir = (): void => undefined;
  let program = '';
  let childProgram = '';

  beforeAll(() => {
    [dir, removeDir] = tempDir();
    program = bundleProgram(PROGRAM, dir);
    childProgram = bundleProgram(CHILD_PROGRAM, dir, 'children.cjs');
  });

  afterAll(() => removeDir());

  it('a program that leaves a server, a connection and an endpoint open still exits after run(), and its closed writer flushed', async () => {
    const size = 8 * 1024 * 1024;
    let received = 0;
    let ended = false;
    const counting = net.createServer((socket) => {
      // Answer late, so the program sits waiting on this socket alone for a while.
      setTimeout(() => socket.write('hello\n'), 300);
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
        // Half-close early: our EOF reaches the program while it is still flushing, after
        // its run() returned. That event must not cut the flush short.
        if (received >= 1024 * 1024 && !socket.writableEnded) socket.end();
      });
      socket.on('end', () => (ended = true));
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => counting.listen(0, '127.0.0.1', resolve));
    const port = (counting.address() as net.AddressInfo).port;
    try {
      const outcome = await runProgram(program, [String(port), String(size)], 10_000);
      expect(outcome).toEqual({ code: 0, signal: null, stdout: 'hello\nreturned\n', stderr: '', killed: false, elapsedMs: expect.any(Number) });
      for (let i = 0; i < 100 && !ended; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(received).toBe(size);
      expect(ended).toBe(true);
    } finally {
      counting.close();
    }
  }, 20_000);

  it('a program that forgot its children exits after run(): running ones killed, pipes closed', async () => {
    // Without this, Node would wait for both sleeps (30 s), and for the grandchild that
    // holds the shell's stdout; the guard kills the program after 10 s.
    const outcome = await runProgram(childProgram, [], 10_000);
    const lines = outcome.stdout.split('\n');
    const [bare, piped, grandchild] = JSON.parse(lines[0] || '[0, 0, 0]') as number[];
    try {
      expect({ ...outcome, stdout: lines.slice(1) }).toEqual({
        code: 0,
        signal: null,
        stdout: ['returned', ''],
        stderr: '',
        killed: false,
        elapsedMs: expect.any(Number),
      });
      expect(outcome.elapsedMs).toBeLessThan(5000);
      // Node reaps a child before it lets the program exit: both are gone by now.
      expect([alive(bare), alive(piped)]).toEqual([false, false]);
      // Only the direct child is killed, as asyncio: the grandchild lives on.
      expect(alive(grandchild)).toBe(true);
    } finally {
      for (const pid of [bare, piped, grandchild]) if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL');
    }
  }, 20_000);
});
