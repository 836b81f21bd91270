/**
 * Against a peer no one here wrote: Python's own asyncio streams, started with python3.
 * Our client talks to a Python echo server (plain and TLS), and a Python client talks to
 * our server. Where python3 is missing these tests are skipped, and say so.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { wrapPromise } from '@yieldio/core';
import type { Coro } from '@yieldio/core';
import { createDefaultContext, openConnection, startServer } from '@yieldio/net';
import { bytes, portOf, runNet, text } from './helpers';

const hasPython = spawnSync('python3', ['--version']).status === 0;
const SKIPPED = 'skipped: python3 is not on PATH; install Python 3 to run the tests against a Python asyncio peer';
if (!hasPython) console.warn(SKIPPED);
// Where python3 is missing the suite still shows up, skipped, with the reason in its title.
const describeWithPython = (name: string, body: () => void): void =>
  hasPython ? describe(name, body) : describe.skip(`${name} (${SKIPPED})`, body);

const CERT = join(__dirname, 'fixtures', 'localhost.crt');
const KEY = join(__dirname, 'fixtures', 'localhost.key');

const ECHO_SERVER = `
import asyncio, ssl, sys
async def handle(reader, writer):
    while True:
        data = await reader.read(65536)
        if not data:
            break
        writer.write(data)
        await writer.drain()
    writer.close()
    await writer.wait_closed()
async def main():
    ctx = None
    if len(sys.argv) > 1:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[1], sys.argv[2])
    server = await asyncio.start_server(handle, '127.0.0.1', 0, ssl=ctx)
    print(server.sockets[0].getsockname()[1], flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    server.close()
asyncio.run(main())
`;

const LINE_CLIENT = `
import asyncio, json, sys
async def main():
    reader, writer = await asyncio.open_connection('127.0.0.1', int(sys.argv[1]))
    got = []
    for i in range(50):
        writer.write(f'python line {i}\\n'.encode())
        await writer.drain()
        got.append((await reader.readline()).decode())
    writer.write_eof()
    rest = await reader.read()
    writer.close()
    await writer.wait_closed()
    print(json.dumps({'got': got, 'rest': rest.decode()}))
asyncio.run(main())
`;

/** Start the Python echo server; resolves with its port and the process. */
function startPythonServer(args: string[] = []): Promise<[number, ChildProcessWithoutNullStreams]> {
  const proc = spawn('python3', ['-c', ECHO_SERVER, ...args]);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve([parseInt(out, 10), proc]);
    });
    proc.on('exit', (code) => reject(new Error(`python echo server exited (${code}): ${err}`)));
  });
}

function stopPython(proc: ChildProcessWithoutNullStreams): Promise<void> {
  return new Promise((resolve) => {
    proc.on('exit', () => resolve());
    proc.stdin.end();
    setTimeout(() => proc.kill(), 2000).unref();
  });
}

describeWithPython('a Python asyncio peer', () => {
  it('our client exchanges lines and a megabyte with a Python echo server', async () => {
    const [port, proc] = await startPythonServer();
    try {
      const { result, messages } = await runNet(function* () {
        const [reader, writer] = yield* openConnection('127.0.0.1', port);
        const lines: string[] = [];
        for (let i = 0; i < 20; i++) {
          writer.write(bytes(`line ${i}\n`));
          lines.push(text(yield* reader.readline()));
        }
        const big = new Uint8Array(1024 * 1024);
        for (let i = 0; i < big.length; i++) big[i] = (i * 7) % 256;
        writer.write(big);
        writer.writeEof();
        const back = yield* reader.read();
        writer.close();
        yield* writer.waitClosed();
        return { lines, same: Buffer.compare(Buffer.from(back), Buffer.from(big)) === 0, length: back.length };
      }, 15);
      expect(result.lines).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i}\n`));
      expect(result.length).toBe(1024 * 1024);
      expect(result.same).toBe(true);
      expect(messages).toEqual([]);
    } finally {
      await stopPython(proc);
    }
  });

  it('our TLS client talks to a Python TLS echo server', async () => {
    const [port, proc] = await startPythonServer([CERT, KEY]);
    try {
      const { result } = await runNet(function* () {
        const [reader, writer] = yield* openConnection('127.0.0.1', port, { ssl: createDefaultContext({ cafile: CERT }), serverHostname: 'localhost' });
        writer.write(bytes('over tls\n'));
        const line = text(yield* reader.readline());
        writer.close();
        yield* writer.waitClosed();
        return line;
      }, 15);
      expect(result).toBe('over tls\n');
    } finally {
      await stopPython(proc);
    }
  });

  it('a Python asyncio client talks to our server', async () => {
    const { result, messages } = await runNet(function* (): Coro<{ got: string[]; rest: string }> {
      const server = yield* startServer(function* (reader, writer) {
        for (let line; (line = yield* reader.readline()).length > 0; ) {
          writer.write(line);
          yield* writer.drain();
        }
        writer.write(bytes('bye'));
        writer.close();
      }, '127.0.0.1', 0);
      const output = yield* wrapPromise(
        new Promise<string>((resolve, reject) => {
          const proc = spawn('python3', ['-c', LINE_CLIENT, String(portOf(server))]);
          let out = '';
          let err = '';
          proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
          proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
          // Bounded in time even if our server never answers: runNet's deadline would
          // end the test, and this ends the child.
          const guard = setTimeout(() => proc.kill(), 14_000);
          proc.on('exit', (code) => {
            clearTimeout(guard);
            if (code === 0) resolve(out);
            else reject(new Error(`python client exited (${code}): ${err}`));
          });
        }),
      );
      server.close();
      yield* server.waitClosed();
      return JSON.parse(output) as { got: string[]; rest: string };
    }, 15);
    expect(result.got).toEqual(Array.from({ length: 50 }, (_, i) => `python line ${i}\n`));
    expect(result.rest).toBe('bye');
    expect(messages).toEqual([]);
  });
});
