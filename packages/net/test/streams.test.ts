/**
 * Streams over real loopback sockets: CPython's test_streams.py connection cases ported,
 * plus the errors and cancellations issue #6 asks for. Real clock, small timeouts; every
 * loop is bounded in count and, through runNet, in time.
 */
import * as net from 'node:net';
import { CancelledError, createTask, gather, getRunningLoop, sleep, wait, waitFor, TimeoutError } from '@yieldio/core';
import type { Coro, Future } from '@yieldio/core';
import {
  ConnectionRefusedError,
  ConnectionResetError,
  FileNotFoundError,
  GaiError,
  OSError,
  StreamReaderProtocol,
  StreamReader,
  TransportSocket,
  openConnection,
  openUnixConnection,
  startServer,
  startUnixServer,
  createDefaultContext,
} from '@yieldio/net';
import type { Server, StreamWriter } from '@yieldio/net';
import { bytes, portOf, runNet, tempDir, text } from './helpers';

/** The echo-one-line handler of test_start_server. */
function* handleClient(reader: StreamReader, writer: StreamWriter): Coro<void> {
  const data = yield* reader.readline();
  writer.write(data);
  yield* writer.drain();
  writer.close();
  yield* writer.waitClosed();
}

function* clientOnce(port: number): Coro<string> {
  const [reader, writer] = yield* openConnection('127.0.0.1', port);
  writer.write(bytes('hello world!\n'));
  const back = yield* reader.readline();
  writer.close();
  yield* writer.waitClosed();
  return text(back);
}

function* stop(server: Server): Coro<void> {
  server.close();
  yield* server.waitClosed();
}

/**
 * Drain `writer` while the gated peer does not read, then let it read: whether drain()
 * waited for the peer (it had not returned 50 ms in), once it has returned.
 */
function* drainWhileGated(writer: StreamWriter, startReading: Future<void>, drained: Future<void>): Coro<boolean> {
  const draining = createTask(writer.drain());
  yield* sleep(0.05);
  const waitedForThePeer = !draining.done();
  startReading.setResult();
  yield* draining;
  drained.setResult();
  return waitedForThePeer;
}

/**
 * A server that reads nothing until `start` is set, then reads `size` bytes (their count
 * goes to `received`), and stays open until `release` is set, so that its EOF is not
 * what wakes a writer's drain().
 */
function* gatedReader(start: Future<void>, release: Future<void>, size: number, received?: Future<number>): Coro<Server> {
  return yield* startServer(
    function* (r, w) {
      yield* start;
      let n = 0;
      while (n < size) n += (yield* r.read(1024 * 1024)).length;
      received?.setResult(n);
      yield* release;
      w.close();
    },
    '127.0.0.1',
    0,
  );
}

/** A port nothing listens on: bind one, note it, close it. */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('openConnection and startServer', () => {
  it('a coroutine client handler echoes a line', async () => {
    const { result, messages } = await runNet(function* () {
      const server = yield* startServer(handleClient, '127.0.0.1', 0);
      const msg = yield* clientOnce(portOf(server));
      yield* stop(server);
      return msg;
    });
    expect(result).toBe('hello world!\n');
    expect(messages).toEqual([]);
  });

  it('a plain callback client handler that starts its own task echoes a line', async () => {
    const { result, messages } = await runNet(function* () {
      const server = yield* startServer((reader, writer) => {
        createTask(handleClient(reader, writer));
      }, '127.0.0.1', 0);
      const msg = yield* clientOnce(portOf(server));
      yield* stop(server);
      return msg;
    });
    expect(result).toBe('hello world!\n');
    expect(messages).toEqual([]);
  });

  it('Unix sockets: startUnixServer and openUnixConnection echo a line', async () => {
    const [dir, cleanup] = tempDir();
    try {
      const { result, messages } = await runNet(function* () {
        const path = `${dir}/echo.sock`;
        const server = yield* startUnixServer(handleClient, path);
        expect(server.sockets[0].getsockname()).toBe(path);
        const [reader, writer] = yield* openUnixConnection(path);
        writer.write(bytes('hello unix\n'));
        const back = text(yield* reader.readline());
        expect(writer.getExtraInfo('peername')).toBe(path);
        writer.close();
        yield* writer.waitClosed();
        yield* stop(server);
        return back;
      });
      expect(result).toBe('hello unix\n');
      expect(messages).toEqual([]);
    } finally {
      cleanup();
    }
  });

  it('a stale Unix socket file left at the path does not stop a new server', async () => {
    const [dir, cleanup] = tempDir();
    try {
      const { result } = await runNet(function* () {
        const path = `${dir}/stale.sock`;
        // Leave a socket file behind, as a crashed server would.
        const stale = net.createServer();
        stale.listen(path);
        yield* sleep(0.02);
        (stale as unknown as { _handle: { close(): void } })._handle.close();
        const server = yield* startUnixServer(handleClient, path);
        const [reader, writer] = yield* openUnixConnection(path);
        writer.write(bytes('again\n'));
        const back = text(yield* reader.readline());
        writer.close();
        yield* stop(server);
        return back;
      });
      expect(result).toBe('again\n');
    } finally {
      cleanup();
    }
  });

  it('getExtraInfo gives peername, sockname and the socket as asyncio shapes them', async () => {
    const { result } = await runNet(function* () {
      const server = yield* startServer(handleClient, '127.0.0.1', 0);
      const port = portOf(server);
      const [reader, writer] = yield* openConnection('127.0.0.1', port);
      const info = {
        peer: writer.getExtraInfo('peername'),
        sock: writer.getExtraInfo<[string, number]>('sockname'),
        socket: writer.getExtraInfo<TransportSocket>('socket'),
        ssl: writer.getExtraInfo('sslcontext'),
        missing: writer.getExtraInfo('nothing', 'default'),
      };
      writer.write(bytes('x\n'));
      yield* reader.readline();
      writer.close();
      yield* stop(server);
      return { port, ...info };
    });
    expect(result.peer).toEqual(['127.0.0.1', result.port]);
    expect(result.sock![0]).toBe('127.0.0.1');
    expect(result.socket).toBeInstanceOf(TransportSocket);
    expect(result.socket!.getpeername()).toEqual(['127.0.0.1', result.port]);
    expect(result.ssl).toBeNull();
    expect(result.missing).toBe('default');
  });

  it('connecting by name resolves it (localhost)', async () => {
    const { result } = await runNet(function* () {
      const server = yield* startServer(handleClient, '127.0.0.1', 0);
      const [reader, writer] = yield* openConnection('localhost', portOf(server), { family: 2 });
      writer.write(bytes('by name\n'));
      const back = text(yield* reader.readline());
      writer.close();
      yield* stop(server);
      return back;
    });
    expect(result).toBe('by name\n');
  });
});

describe('the limit option', () => {
  it('reaches the reader on both sides; the default is 64 KiB', async () => {
    const { result } = await runNet(function* () {
      const limits: number[] = [];
      const server = yield* startServer(function* (r, w) {
        limits.push(r._limit);
        try {
          yield* r.readline();
        } catch (exc) {
          w.write(bytes(`${(exc as Error).name}\n`));
        }
        w.close();
      }, '127.0.0.1', 0, { limit: 8 });
      const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server), { limit: 100 });
      const [plain, plainWriter] = yield* openConnection('127.0.0.1', portOf(server));
      limits.push(reader._limit, plain._limit);
      writer.write(bytes('longer than eight\n'));
      const answer = text(yield* reader.readline());
      plainWriter.close();
      writer.close();
      yield* stop(server);
      return { answer, limits: limits.sort((a, b) => a - b) };
    });
    expect(result.answer).toBe('RangeError\n');
    expect(result.limits).toEqual([8, 8, 100, 65536]);
  });

  it('a bad limit is refused at the boundary', async () => {
    const { result } = await runNet(function* () {
      const errors: unknown[] = [];
      for (const limit of [0, 1.5]) {
        try {
          yield* openConnection('127.0.0.1', 80, { limit });
        } catch (exc) {
          errors.push(exc);
        }
      }
      return errors;
    });
    expect(result).toEqual([
      new RangeError('openConnection(): limit must be > 0, got 0'),
      new TypeError('openConnection(): limit must be a whole number of bytes, got 1.5 (a number)'),
    ]);
  });
});

describe('closing', () => {
  it('waitClosed returns after close() even with unread data (test_wait_closed_on_close_with_unread_data)', async () => {
    const { result, messages } = await runNet(function* () {
      const server = yield* startServer(function* (r, w) {
        w.write(bytes('first line\n'));
        w.write(new Uint8Array(1 << 20));
        try {
          yield* r.read();
        } catch {
          // The client closed with our bytes unread: its kernel answers with a reset,
          // as it does under asyncio.
        }
        w.close();
      }, '127.0.0.1', 0);
      const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server));
      const line = text(yield* reader.readline());
      writer.close();
      yield* writer.waitClosed();
      yield* stop(server);
      return line;
    });
    expect(result).toBe('first line\n');
    expect(messages).toEqual([]);
  });

  it('isClosing turns true at close() and waitClosed returns once the connection is gone', async () => {
    const { result, messages } = await runNet(function* () {
      const server = yield* startServer(function* (r, w) {
        yield* r.read();
        w.close();
      }, '127.0.0.1', 0);
      const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server));
      const before = writer.isClosing();
      writer.close();
      const after = writer.isClosing();
      yield* writer.waitClosed();
      expect(reader.atEof()).toBe(true);
      expect((yield* reader.read()).length).toBe(0);
      yield* stop(server);
      return [before, after];
    });
    expect(result).toEqual([false, true]);
    expect(messages).toEqual([]);
  });

  it('write then drain after our own close raises ConnectionResetError saying we closed it (#18)', async () => {
    const { result } = await runNet(function* () {
      const server = yield* startServer(function* (r, w) {
        yield* r.read();
        w.close();
      }, '127.0.0.1', 0);
      const [, writer] = yield* openConnection('127.0.0.1', portOf(server));
      writer.close();
      let error: unknown = null;
      try {
        writer.write(bytes('data'));
        yield* writer.drain();
      } catch (exc) {
        error = exc;
      }
      yield* stop(server);
      return error;
    });
    expect(result).toBeInstanceOf(ConnectionResetError);
    expect((result as Error).message).toMatch(/^drain\(\): the connection with 127\.0\.0\.1:\d+ was closed by this side \(writer\.close\(\)\); nothing more can be written$/);
  });

  it('closing a writer flushes everything written before it', async () => {
    const size = 4 * 1024 * 1024;
    const { result } = await runNet(function* () {
      const received = getRunningLoop().createFuture<number>();
      const server = yield* startServer(function* (r, w) {
        const all = yield* r.read();
        received.setResult(all.length);
        w.close();
      }, '127.0.0.1', 0);
      const [, writer] = yield* openConnection('127.0.0.1', portOf(server));
      const chunk = new Uint8Array(64 * 1024).fill(7);
      for (let sent = 0; sent < size; sent += chunk.length) writer.write(chunk);
      writer.close();
      const n = yield* received;
      yield* writer.waitClosed();
      yield* stop(server);
      return n;
    });
    expect(result).toBe(size);
  });

  it('write() keeps the bytes as they were: a buffer reused for the next write changes nothing sent', async () => {
    // asyncio copies what the kernel does not take at once; Node's socket.write() keeps a
    // reference, so a program that refills one buffer per write would send the last fill.
    const block = 256 * 1024;
    const blocks = 32;
    const { result } = await runNet(function* () {
      const received = getRunningLoop().createFuture<Uint8Array>();
      const server = yield* startServer(function* (r, w) {
        received.setResult(yield* r.read());
        w.close();
      }, '127.0.0.1', 0);
      const [, writer] = yield* openConnection('127.0.0.1', portOf(server));
      const chunk = new Uint8Array(block);
      for (let i = 0; i < blocks; i++) {
        chunk.fill(i + 1);
        writer.write(chunk);
      }
      chunk.fill(0);
      writer.close();
      const all = yield* received;
      yield* writer.waitClosed();
      yield* stop(server);
      const wrong: number[] = [];
      for (let i = 0; i < blocks; i++) if (all.subarray(i * block, (i + 1) * block).some((b) => b !== i + 1)) wrong.push(i);
      return { length: all.length, wrong };
    });
    expect(result).toEqual({ length: block * blocks, wrong: [] });
  });

  it('drain() waits for one write too big for the kernel to take at once, and returns once the peer reads it', async () => {
    // One write into an empty queue goes to Node without a completion callback (W6c):
    // when it cannot leave at once, drain() must still hear when it has.
    const size = 32 * 1024 * 1024;
    const { result } = await runNet(function* () {
      const loop = getRunningLoop();
      const startReading = loop.createFuture<void>();
      const received = loop.createFuture<number>();
      const drained = loop.createFuture<void>();
      const server = yield* gatedReader(startReading, drained, size, received);
      const [, writer] = yield* openConnection('127.0.0.1', portOf(server));
      writer.write(new Uint8Array(size).fill(3));
      const queued = writer.transport.getWriteBufferSize();
      const waitedForThePeer = yield* drainWhileGated(writer, startReading, drained);
      const n = yield* received;
      writer.close();
      yield* writer.waitClosed();
      yield* stop(server);
      return { queued: queued > 0, waitedForThePeer, n };
    });
    expect(result).toEqual({ queued: true, waitedForThePeer: true, n: size });
  });

  it('drain() after writeEof and a lower write limit returns once the peer has read everything', async () => {
    const size = 32 * 1024 * 1024;
    const { result } = await runNet(function* () {
      const loop = getRunningLoop();
      const startReading = loop.createFuture<void>();
      const drained = loop.createFuture<void>();
      const server = yield* gatedReader(startReading, drained, size);
      const [, writer] = yield* openConnection('127.0.0.1', portOf(server));
      writer.transport.setWriteBufferLimits(size * 2);
      writer.write(new Uint8Array(size).fill(3));
      writer.writeEof();
      // Only now over the limit: the transport starts watching a write side already ended.
      writer.transport.setWriteBufferLimits(1024);
      const waitedForThePeer = yield* drainWhileGated(writer, startReading, drained);
      const left = writer.transport.getWriteBufferSize();
      writer.close();
      yield* stop(server);
      return { waitedForThePeer, left };
    });
    expect(result).toEqual({ waitedForThePeer: true, left: 0 });
  });

  it('writeEof half-closes: the peer reads to EOF and can still answer', async () => {
    const { result } = await runNet(function* () {
      const server = yield* startServer(function* (r, w) {
        const all = yield* r.read();
        w.write(bytes(`got ${all.length}`));
        yield* w.drain();
        w.close();
      }, '127.0.0.1', 0);
      const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server));
      expect(writer.canWriteEof()).toBe(true);
      writer.write(bytes('12345'));
      writer.writeEof();
      const answer = text(yield* reader.read());
      writer.close();
      yield* stop(server);
      return answer;
    });
    expect(result).toBe('got 5');
  });

  it('write after writeEof raises InvalidStateError', async () => {
    const { result } = await runNet(function* () {
      const server = yield* startServer(function* (r, w) {
        yield* r.read();
        w.close();
      }, '127.0.0.1', 0);
      const [, writer] = yield* openConnection('127.0.0.1', portOf(server));
      writer.writeEof();
      let error: unknown = null;
      try {
        writer.write(bytes('late'));
      } catch (exc) {
        error = exc;
      }
      writer.close();
      yield* stop(server);
      return error;
    });
    expect((result as Error).name).toBe('InvalidStateError');
    expect((result as Error).message).toBe('write(): cannot write after writeEof(); the write side is closed');
  });
});

describe('errors name the address', () => {
  it('a refused connection raises ConnectionRefusedError naming host and port', async () => {
    const port = await freePort();
    const { result } = await runNet(function* () {
      try {
        yield* openConnection('127.0.0.1', port);
      } catch (exc) {
        return exc;
      }
      return null;
    });
    expect(result).toBeInstanceOf(ConnectionRefusedError);
    expect(result).toBeInstanceOf(OSError);
    expect((result as Error).message).toBe(`openConnection(): cannot connect to 127.0.0.1:${port}: connection refused; is a server listening there? (ECONNREFUSED)`);
    expect((result as ConnectionRefusedError).code).toBe('ECONNREFUSED');
  });

  it('a Unix path nothing listens on raises FileNotFoundError naming the path', async () => {
    const [dir, cleanup] = tempDir();
    try {
      const path = `${dir}/nobody.sock`;
      const { result } = await runNet(function* () {
        try {
          yield* openUnixConnection(path);
        } catch (exc) {
          return exc;
        }
        return null;
      });
      expect(result).toBeInstanceOf(FileNotFoundError);
      expect(result).toBeInstanceOf(OSError);
      expect((result as OSError).code).toBe('ENOENT');
      expect((result as Error).message).toBe(`openUnixConnection(): cannot connect to ${path}: no such file: is the server listening on that path? (ENOENT)`);
    } finally {
      cleanup();
    }
  });

  it('a localAddr that is not this machine\'s raises OSError naming it, not the peer', async () => {
    const port = await freePort();
    const { result } = await runNet(function* () {
      try {
        yield* openConnection('127.0.0.1', port, { localAddr: ['192.0.2.1', 0] });
      } catch (exc) {
        return exc;
      }
      return null;
    });
    expect(result).toBeInstanceOf(OSError);
    expect((result as OSError).code).toBe('EADDRNOTAVAIL');
    expect((result as Error).message).toBe(
      `openConnection(): cannot bind localAddr 192.0.2.1:0 to connect to 127.0.0.1:${port}: address not available on this machine (EADDRNOTAVAIL)`,
    );
  });

  it('a port given as a string is a TypeError that says to pass the number', async () => {
    const { result } = await runNet(function* () {
      try {
        yield* openConnection('127.0.0.1', '80' as unknown as number);
      } catch (exc) {
        return exc;
      }
      return null;
    });
    expect(result).toEqual(new TypeError('openConnection(): port must be an integer 0-65535, got "80" (a string); pass the number: 80'));
  });

  it('a port out of range is a RangeError', async () => {
    const { result } = await runNet(function* () {
      try {
        yield* openConnection('127.0.0.1', 70000);
      } catch (exc) {
        return exc;
      }
      return null;
    });
    expect(result).toEqual(new RangeError('openConnection(): port must be an integer 0-65535, got 70000'));
  });

  it('an empty host and a host of the wrong type are refused before any I/O', async () => {
    const { result } = await runNet(function* () {
      const errors: unknown[] = [];
      for (const host of ['', 42]) {
        try {
          yield* openConnection(host as string, 80);
        } catch (exc) {
          errors.push(exc);
        }
      }
      return errors;
    });
    expect(result).toEqual([
      new RangeError('openConnection(): host must not be empty; pass a name such as "localhost", an address such as "127.0.0.1", or null'),
      new TypeError('openConnection(): host must be a host name or an IP address (a string), got 42 (a number)'),
    ]);
  });

  it('a host that does not resolve raises GaiError naming it', async () => {
    const { result } = await runNet(function* () {
      try {
        yield* openConnection('nonexistent.invalid', 80);
      } catch (exc) {
        return exc;
      }
      return null;
    }, 15);
    expect(result).toBeInstanceOf(GaiError);
    expect((result as Error).message).toMatch(/^openConnection\(\): cannot resolve "nonexistent\.invalid": /);
  });

  it('an unknown option is a TypeError listing the known ones', async () => {
    const { result } = await runNet(function* () {
      try {
        yield* openConnection('127.0.0.1', 80, { happyEyeballsDelay: 0.25 } as never);
      } catch (exc) {
        return exc;
      }
      return null;
    });
    expect(result).toEqual(
      new TypeError('openConnection(): unknown option "happyEyeballsDelay"; known options: ssl, serverHostname, family, localAddr, sslHandshakeTimeout, sslShutdownTimeout, allErrors, limit'),
    );
  });

  it('a reset by the peer raises ConnectionResetError from read, naming the peer', async () => {
    const node = net.createServer((socket) => {
      socket.once('data', () => socket.resetAndDestroy());
    });
    await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve));
    const port = (node.address() as net.AddressInfo).port;
    try {
      const { result } = await runNet(function* () {
        const [reader, writer] = yield* openConnection('127.0.0.1', port);
        writer.write(bytes('hello\n'));
        try {
          yield* reader.read();
        } catch (exc) {
          return exc;
        }
        return null;
      });
      expect(result).toBeInstanceOf(ConnectionResetError);
      expect((result as Error).message).toBe(`connection with 127.0.0.1:${port}: connection reset by the peer (ECONNRESET)`);
    } finally {
      node.close();
    }
  });

  it('write and drain in a loop on a connection the peer closed raises, not spins (bpo-25441)', async () => {
    const node = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve));
    const port = (node.address() as net.AddressInfo).port;
    try {
      const { result, messages } = await runNet(function* () {
        const [, writer] = yield* openConnection('127.0.0.1', port);
        for (let i = 0; i < 100_000; i++) {
          writer.write(bytes('foo\n'));
          try {
            yield* writer.drain();
          } catch (exc) {
            return exc;
          }
        }
        return null;
      });
      expect(result).toBeInstanceOf(OSError);
      expect(['ConnectionResetError', 'BrokenPipeError', 'ConnectionAbortedError']).toContain((result as Error).name);
      expect(messages).toEqual([]);
    } finally {
      node.close();
    }
  });

  it('a connection lost with an error makes the next read raise it (test_open_connection_error)', async () => {
    const { result, messages } = await runNet(function* () {
      const server = yield* startServer(handleClient, '127.0.0.1', 0);
      const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server));
      class ZeroDivisionError extends Error {}
      (writer._protocol as StreamReaderProtocol).connectionLost(new ZeroDivisionError('boom'));
      let error: unknown = null;
      try {
        yield* reader.read();
      } catch (exc) {
        error = exc;
      }
      writer.close();
      yield* sleep(0);
      yield* stop(server);
      return error instanceof ZeroDivisionError;
    });
    expect(result).toBe(true);
    expect(messages).toEqual([]);
  });
});

describe('cancellation loses no data', () => {
  it('a cancelled readline leaves the stream usable and the bytes in place', async () => {
    const { result } = await runNet(function* () {
      const go = getRunningLoop().createFuture<void>();
      const server = yield* startServer(function* (r, w) {
        w.write(bytes('first part, '));
        yield* go;
        w.write(bytes('second part\n'));
        yield* w.drain();
        yield* r.read();
        w.close();
      }, '127.0.0.1', 0);
      const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server));
      const reading = createTask(reader.readline());
      yield* sleep(0.05);
      reading.cancel();
      yield* wait([reading]);
      const wasCancelled = reading.cancelled();
      go.setResult(undefined);
      const line = text(yield* reader.readline());
      writer.close();
      yield* stop(server);
      return [wasCancelled, line];
    });
    expect(result).toEqual([true, 'first part, second part\n']);
  });

  it('a drain cancelled while the buffer is full still delivers every byte', async () => {
    const total = 8 * 1024 * 1024;
    const { result } = await runNet(function* () {
      const reading = getRunningLoop().createFuture<void>();
      const got = getRunningLoop().createFuture<number>();
      const server = yield* startServer(function* (r, w) {
        yield* reading; // a slow reader: nothing is read until the writer was cancelled
        let n = 0;
        for (let i = 0; i < 10_000; i++) {
          const chunk = yield* r.read(1 << 16);
          if (chunk.length === 0) break;
          n += chunk.length;
        }
        got.setResult(n);
        w.close();
      }, '127.0.0.1', 0);
      const [, writer] = yield* openConnection('127.0.0.1', portOf(server));
      const chunk = new Uint8Array(1 << 20).fill(1);
      let written = 0;
      const writing = createTask(
        (function* () {
          for (let sent = 0; sent < total; sent += chunk.length) {
            writer.write(chunk);
            written += chunk.length;
            yield* writer.drain();
          }
        })(),
      );
      yield* sleep(0.1);
      const blocked = !writing.done();
      writing.cancel();
      yield* wait([writing]);
      const buffered = writer.transport.getWriteBufferSize();
      reading.setResult(undefined);
      // Finish the job: what the cancelled drain left is still queued.
      writer.writeEof();
      const n = yield* got;
      writer.close();
      yield* stop(server);
      return { blocked, cancelled: writing.cancelled(), buffered, n, written };
    }, 10);
    expect(result.blocked).toBe(true);
    expect(result.cancelled).toBe(true);
    expect(result.buffered).toBeGreaterThan(0);
    // Every byte written before the cancellation arrived, and no more.
    expect(result.n).toBe(result.written);
  });

  it('a cancelled openConnection (TLS handshake to a silent server) closes its socket', async () => {
    let closedByClient = false;
    const sockets: net.Socket[] = [];
    const node = net.createServer((socket) => {
      sockets.push(socket);
      socket.resume(); // read and drop the ClientHello; never answer it
      socket.on('end', () => {
        closedByClient = true;
        socket.end();
      });
      socket.on('close', () => {
        closedByClient = true;
      });
    });
    await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve));
    const port = (node.address() as net.AddressInfo).port;
    try {
      const { result } = await runNet(function* () {
        let error: unknown = null;
        try {
          yield* waitFor(openConnection('127.0.0.1', port, { ssl: createDefaultContext() }), 0.1);
        } catch (exc) {
          error = exc;
        }
        for (let i = 0; i < 100 && !closedByClient; i++) yield* sleep(0.01);
        return error;
      });
      expect(result).toBeInstanceOf(TimeoutError);
      expect(((result as Error).cause as Error)).toBeInstanceOf(CancelledError);
      expect(closedByClient).toBe(true);
    } finally {
      for (const s of sockets) s.destroy();
      node.close();
    }
  });
});

describe('drain', () => {
  it('every drain waiting on a paused writer wakes on resume (gh-74116)', async () => {
    const { result } = await runNet(function* () {
      const loop = getRunningLoop();
      const protocol = new StreamReaderProtocol(new StreamReader(), null, loop);
      protocol.pauseWriting();
      loop.callLater(0.02, () => protocol.resumeWriting());
      let drained = 0;
      function* drainer(): Coro<void> {
        yield* protocol._drainHelper(null);
        drained++;
      }
      yield* gather(Array.from({ length: 10 }, () => drainer()));
      return drained;
    });
    expect(result).toBe(10);
  });

  it('write rejects a string with a TypeError that says to encode it', async () => {
    const { result } = await runNet(function* () {
      const server = yield* startServer(handleClient, '127.0.0.1', 0);
      const [, writer] = yield* openConnection('127.0.0.1', portOf(server));
      let error: unknown = null;
      try {
        writer.write('text' as unknown as Uint8Array);
      } catch (exc) {
        error = exc;
      }
      writer.close();
      yield* stop(server);
      return error;
    });
    expect(result).toEqual(new TypeError('write(): data must be bytes (a Uint8Array or Buffer), got "text" (a string); encode it first: Buffer.from(text)'));
  });
});
