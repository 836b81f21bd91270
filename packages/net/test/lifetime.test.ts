/**
 * How long the process lives: the loop decides, not its sockets (node-network.ts). A Node
 * program that returns from `run()` with a server, a connection and a datagram endpoint
 * left open must exit by itself, as a Python script does after `asyncio.run()`; a writer
 * closed as the last act of `main()` must still deliver every byte it was given; and
 * while `run()` runs, a main task waiting on nothing but a socket keeps the process alive.
 *
 * That needs a process of its own: the test bundles a small program with @yieldio/core
 * and @yieldio/net (from their sources) by esbuild into a temporary directory, runs it
 * with node, and counts what a Node server here receives from it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

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

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  killed: boolean;
}

function runProgram(program: string, countingPort: number, size: number, limitMs: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [program, String(countingPort), String(size)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const guard = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, limitMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr, killed });
    });
  });
}

describe('process lifetime', () => {
  let dir = '';
  let program = '';

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'yieldio-net-life-'));
    program = join(dir, 'program.cjs');
    const packages = join(__dirname, '..', '..');
    buildSync({
      stdin: { contents: PROGRAM, loader: 'js', resolveDir: dir },
      alias: {
        '@yieldio/core': join(packages, 'core', 'src', 'index.ts'),
        '@yieldio/net': join(packages, 'net', 'src', 'index.ts'),
      },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: program,
      logLevel: 'silent',
    });
  });

  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

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
      const outcome = await runProgram(program, port, size, 10_000);
      expect(outcome).toEqual({ code: 0, signal: null, stdout: 'hello\nreturned\n', stderr: '', killed: false });
      for (let i = 0; i < 100 && !ended; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(received).toBe(size);
      expect(ended).toBe(true);
    } finally {
      counting.close();
    }
  }, 20_000);
});
