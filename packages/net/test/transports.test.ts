/**
 * Transports and protocols over loopback TCP: the callback order asyncio promises, flow
 * control at the water marks, pausing reads, buffered protocols, and what happens when a
 * protocol's own callback fails.
 */
import * as net from 'node:net';
import { getRunningLoop, sleep } from '@yieldio/core';
import type { Coro, EventLoop, Future } from '@yieldio/core';
import { BufferedProtocol, ConnectionResetError, Protocol } from '@yieldio/net';
import type { Server, Transport } from '@yieldio/net';
import { bytes, portOf, runNet, tempDir, text } from './helpers';

/** A protocol that records every callback, and can be told what to do on each. */
class Recorder extends Protocol {
  trace: string[] = [];
  received: Uint8Array[] = [];
  transport: Transport | null = null;
  lost: Future<Error | null>;
  keepOpen = false;
  onMade: ((t: Transport) => void) | null = null;
  sizesAtPause: number[] = [];
  sizesAtResume: number[] = [];

  constructor(loop: EventLoop) {
    super();
    this.lost = loop.createFuture<Error | null>();
  }

  override connectionMade(transport: Transport): void {
    this.trace.push('made');
    this.transport = transport;
    this.onMade?.(transport);
  }

  override dataReceived(data: Uint8Array): void {
    if (this.trace[this.trace.length - 1] !== 'data') this.trace.push('data');
    this.received.push(data);
  }

  override eofReceived(): boolean {
    this.trace.push('eof');
    return this.keepOpen;
  }

  override pauseWriting(): void {
    this.trace.push('pause');
    this.sizesAtPause.push(this.transport!.getWriteBufferSize());
  }

  override resumeWriting(): void {
    this.trace.push('resume');
    this.sizesAtResume.push(this.transport!.getWriteBufferSize());
  }

  override connectionLost(exc: Error | null): void {
    this.trace.push(exc === null ? 'lost' : `lost(${exc.name})`);
    if (!this.lost.done()) this.lost.setResult(exc);
  }

  text(): string {
    return this.received.map(text).join('');
  }
}

function* serve(make: (p: Recorder) => void = () => {}): Coro<[Server, Recorder[]]> {
  const loop = getRunningLoop();
  const made: Recorder[] = [];
  const server = yield* loop.createServer(() => {
    const p = new Recorder(loop);
    make(p);
    made.push(p);
    return p;
  }, '127.0.0.1', 0);
  return [server, made];
}

function* waitFor<T>(what: () => T | undefined | null | false, rounds = 200): Coro<T> {
  for (let i = 0; i < rounds; i++) {
    const value = what();
    if (value) return value;
    yield* sleep(0.005);
  }
  throw new Error('condition not reached in time');
}

describe('protocol callbacks come in asyncio order', () => {
  it('connectionMade first, then data, EOF, and connectionLost exactly once and last', async () => {
    const { result, messages } = await runNet(function* () {
      const loop = getRunningLoop();
      const [server, made] = yield* serve((p) => {
        p.onMade = (t) => t.write(bytes('hello'));
      });
      const client = new Recorder(loop);
      const [transport] = yield* loop.createConnection(() => client, '127.0.0.1', portOf(server));
      yield* waitFor(() => client.text() === 'hello');
      transport.write(bytes('bye'));
      transport.writeEof();
      const serverSide = yield* waitFor(() => made[0]);
      yield* serverSide.lost;
      yield* client.lost;
      yield* sleep(0.02);
      server.close();
      yield* server.waitClosed();
      return { client: client.trace, server: serverSide.trace, got: serverSide.text() };
    });
    // The server's protocol returned false from eofReceived: the server closed, and the
    // client, which had written EOF already, saw EOF then the close.
    expect(result.server).toEqual(['made', 'data', 'eof', 'lost']);
    expect(result.client).toEqual(['made', 'data', 'eof', 'lost']);
    expect(result.got).toBe('bye');
    expect(messages).toEqual([]);
  });

  it('eofReceived returning true keeps the connection open for writing', async () => {
    const { result } = await runNet(function* () {
      const loop = getRunningLoop();
      const [server, made] = yield* serve((p) => {
        p.keepOpen = true;
      });
      const client = new Recorder(loop);
      const [transport] = yield* loop.createConnection(() => client, '127.0.0.1', portOf(server));
      transport.writeEof();
      const serverSide = yield* waitFor(() => made[0]);
      yield* waitFor(() => serverSide.trace.includes('eof'));
      const stillOpen = !serverSide.transport!.isClosing();
      serverSide.transport!.write(bytes('after eof'));
      serverSide.transport!.close();
      yield* client.lost;
      server.close();
      yield* server.waitClosed();
      return { stillOpen, got: client.text(), trace: serverSide.trace };
    });
    expect(result.stillOpen).toBe(true);
    expect(result.got).toBe('after eof');
    expect(result.trace).toEqual(['made', 'eof', 'lost']);
  });

  it('close() and abort() each lead to exactly one connectionLost(null)', async () => {
    const { result } = await runNet(function* () {
      const loop = getRunningLoop();
      const [server] = yield* serve();
      const traces: string[][] = [];
      for (const how of ['close', 'abort'] as const) {
        const client = new Recorder(loop);
        const [transport] = yield* loop.createConnection(() => client, '127.0.0.1', portOf(server));
        transport[how]();
        expect(transport.isClosing()).toBe(true);
        transport.close();
        transport.abort();
        yield* client.lost;
        yield* sleep(0.01);
        traces.push(client.trace);
      }
      server.close();
      yield* server.waitClosed();
      return traces;
    });
    expect(result).toEqual([
      ['made', 'lost'],
      ['made', 'lost'],
    ]);
  });

  it('a reset is one connectionLost(ConnectionResetError), last, whatever is called after it', async () => {
    // Scenario: the peer resets the connection; the client then calls close() and abort()
    // and writes, as code racing the failure would. The protocol hears the error once,
    // and nothing after it.
    const node = net.createServer((socket) => {
      socket.once('data', () => socket.resetAndDestroy());
    });
    await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve));
    const port = (node.address() as net.AddressInfo).port;
    try {
      const { result, messages } = await runNet(function* () {
        const loop = getRunningLoop();
        const client = new Recorder(loop);
        const [transport] = yield* loop.createConnection(() => client, '127.0.0.1', port);
        transport.write(bytes('hello'));
        const exc = yield* client.lost;
        transport.close();
        transport.abort();
        transport.write(bytes('late'));
        transport.setWriteBufferLimits(0);
        yield* sleep(0.02);
        return { exc, trace: client.trace, closing: transport.isClosing() };
      });
      expect(result.trace).toEqual(['made', 'lost(ConnectionResetError)']);
      expect(result.exc).toBeInstanceOf(ConnectionResetError);
      expect((result.exc as Error).message).toBe(`connection with 127.0.0.1:${port}: connection reset by the peer (ECONNRESET)`);
      expect(result.closing).toBe(true);
      expect(messages).toEqual([]);
    } finally {
      node.close();
    }
  });

  it('after abort() with bytes still buffered, the protocol hears only connectionLost', async () => {
    const { result } = await runNet(function* () {
      const loop = getRunningLoop();
      // The server does not read, so what the client writes stays in its buffer.
      const [server] = yield* serve((p) => {
        p.onMade = (t) => t.pauseReading();
      });
      const client = new Recorder(loop);
      const [transport] = yield* loop.createConnection(() => client, '127.0.0.1', portOf(server));
      transport.setWriteBufferLimits(1 << 30);
      transport.write(new Uint8Array(16 << 20));
      transport.abort();
      // Lowering the marks on an aborted transport must not wake the protocol up again.
      transport.setWriteBufferLimits(0);
      yield* client.lost;
      transport.setWriteBufferLimits(0);
      yield* sleep(0.02);
      server.close();
      server.abortClients();
      yield* server.waitClosed();
      return { trace: client.trace, size: transport.getWriteBufferSize() };
    });
    expect(result.trace).toEqual(['made', 'lost']);
    expect(result.size).toBe(0);
  });

  it('Unix sockets: createUnixServer and createUnixConnection drive protocols in the same order', async () => {
    const [dir, cleanup] = tempDir();
    try {
      const { result, messages } = await runNet(function* () {
        const loop = getRunningLoop();
        const path = `${dir}/proto.sock`;
        const made: Recorder[] = [];
        const server = yield* loop.createUnixServer(() => {
          const p = new Recorder(loop);
          p.onMade = (t) => t.write(bytes('hello unix'));
          made.push(p);
          return p;
        }, path);
        const client = new Recorder(loop);
        const [transport] = yield* loop.createUnixConnection(() => client, path);
        yield* waitFor(() => client.text() === 'hello unix');
        const info = { peer: transport.getExtraInfo('peername'), canWriteEof: transport.canWriteEof() };
        transport.write(bytes('bye'));
        transport.writeEof();
        const serverSide = yield* waitFor(() => made[0]);
        yield* serverSide.lost;
        yield* client.lost;
        server.close();
        yield* server.waitClosed();
        return { ...info, client: client.trace, server: serverSide.trace, got: serverSide.text(), path };
      });
      expect(result.peer).toBe(result.path);
      expect(result.canWriteEof).toBe(true);
      expect(result.server).toEqual(['made', 'data', 'eof', 'lost']);
      expect(result.client).toEqual(['made', 'data', 'eof', 'lost']);
      expect(result.got).toBe('bye');
      expect(messages).toEqual([]);
    } finally {
      cleanup();
    }
  });

  it('a protocol whose dataReceived throws is closed with the error, which the handler sees', async () => {
    const { result, messages } = await runNet(function* () {
      const loop = getRunningLoop();
      const [server] = yield* serve((p) => {
        p.onMade = (t) => t.write(bytes('boom'));
      });
      const client = new Recorder(loop);
      client.dataReceived = () => {
        throw new TypeError('cannot parse');
      };
      yield* loop.createConnection(() => client, '127.0.0.1', portOf(server));
      const exc = yield* client.lost;
      server.close();
      return exc;
    });
    expect(result).toEqual(new TypeError('cannot parse'));
    expect(messages.map((m) => m.message)).toEqual(['Fatal error: protocol.dataReceived() call failed.']);
    expect(messages[0].exception).toBe(result);
  });

  it('a protocol factory that returns something else is a TypeError', async () => {
    const { result } = await runNet(function* () {
      const loop = getRunningLoop();
      const [server] = yield* serve();
      let error: unknown = null;
      try {
        yield* loop.createConnection(() => ({}) as Protocol, '127.0.0.1', portOf(server));
      } catch (exc) {
        error = exc;
      }
      server.close();
      return error;
    });
    expect(result).toEqual(
      new TypeError(
        'createConnection(): protocolFactory() must return a protocol (an object with connectionMade, dataReceived, connectionLost...; subclass Protocol), got an object',
      ),
    );
  });

  it('a protocol factory that is not a function is a TypeError with an example', async () => {
    const { result } = await runNet(function* () {
      try {
        yield* getRunningLoop().createConnection(new Protocol() as never, '127.0.0.1', 80);
      } catch (exc) {
        return exc;
      }
      return null;
    });
    expect(result).toEqual(new TypeError('createConnection(): protocolFactory must be a function, got an object of class Protocol; for example () => new MyProtocol()'));
  });
});

describe('write flow control', () => {
  it('pauseWriting fires over the high-water mark and resumeWriting at the low one', async () => {
    const { result } = await runNet(function* () {
      const loop = getRunningLoop();
      // The server does not read at first, so the client's buffer fills.
      const [server, made] = yield* serve((p) => {
        p.onMade = (t) => t.pauseReading();
      });
      const client = new Recorder(loop);
      const [transport] = yield* loop.createConnection(() => client, '127.0.0.1', portOf(server));
      transport.setWriteBufferLimits(64 * 1024, 16 * 1024);
      const chunk = new Uint8Array(64 * 1024);
      for (let i = 0; i < 512 && !client.trace.includes('pause'); i++) {
        transport.write(chunk);
        yield* sleep(0);
      }
      const serverSide = yield* waitFor(() => made[0]);
      serverSide.transport!.resumeReading();
      yield* waitFor(() => client.trace.includes('resume'), 1000);
      transport.close();
      yield* client.lost;
      server.close();
      return { client: client.trace, limits: transport.getWriteBufferLimits(), pause: client.sizesAtPause, resume: client.sizesAtResume };
    }, 10);
    expect(result.client.slice(0, 3)).toEqual(['made', 'pause', 'resume']);
    expect(result.limits).toEqual([16 * 1024, 64 * 1024]);
    expect(result.pause[0]).toBeGreaterThan(64 * 1024);
    expect(result.resume[0]).toBeLessThanOrEqual(16 * 1024);
  });

  it('the default water marks are asyncio\'s: 64 KiB high, a quarter of it low', async () => {
    const { result } = await runNet(function* () {
      const loop = getRunningLoop();
      const [server] = yield* serve();
      const [transport] = yield* loop.createConnection(() => new Recorder(loop), '127.0.0.1', portOf(server));
      const defaults = transport.getWriteBufferLimits();
      transport.setWriteBufferLimits(1000);
      const highOnly = transport.getWriteBufferLimits();
      transport.setWriteBufferLimits(null, 100);
      const lowOnly = transport.getWriteBufferLimits();
      const errors: unknown[] = [];
      for (const [high, low] of [
        [10, 20],
        [-1, null],
        [1.5, null],
      ]) {
        try {
          transport.setWriteBufferLimits(high, low);
        } catch (exc) {
          errors.push(exc);
        }
      }
      transport.close();
      server.close();
      return { defaults, highOnly, lowOnly, errors };
    });
    expect(result.defaults).toEqual([16384, 65536]);
    expect(result.highOnly).toEqual([250, 1000]);
    expect(result.lowOnly).toEqual([100, 400]);
    expect(result.errors).toEqual([
      new RangeError('setWriteBufferLimits(): high (10) must be >= low (20) must be >= 0'),
      new RangeError('setWriteBufferLimits(): high must be >= 0, got -1'),
      new TypeError('setWriteBufferLimits(): high must be a whole number of bytes or null, got 1.5 (a number)'),
    ]);
  });

  it('writelines sends every buffer in order', async () => {
    const { result } = await runNet(function* () {
      const loop = getRunningLoop();
      const [server, made] = yield* serve();
      const [transport] = yield* loop.createConnection(() => new Recorder(loop), '127.0.0.1', portOf(server));
      transport.writelines([bytes('a'), bytes(''), bytes('bc'), bytes('def')]);
      transport.writeEof();
      const serverSide = yield* waitFor(() => made[0]);
      yield* serverSide.lost;
      server.close();
      return serverSide.text();
    });
    expect(result).toBe('abcdef');
  });
});

describe('read flow control', () => {
  it('no dataReceived while paused; everything arrives, in order, after resumeReading', async () => {
    const { result } = await runNet(function* () {
      const loop = getRunningLoop();
      const [server, made] = yield* serve((p) => {
        p.onMade = (t) => t.pauseReading();
      });
      const [transport] = yield* loop.createConnection(() => new Recorder(loop), '127.0.0.1', portOf(server));
      const expected: string[] = [];
      for (let i = 0; i < 100; i++) {
        expected.push(`${i},`);
        transport.write(bytes(`${i},`));
      }
      const serverSide = yield* waitFor(() => made[0]);
      yield* sleep(0.05);
      const whilePaused = serverSide.received.length;
      const reading = serverSide.transport!.isReading();
      serverSide.transport!.resumeReading();
      yield* waitFor(() => serverSide.text().length === expected.join('').length);
      transport.close();
      server.close();
      return { whilePaused, reading, got: serverSide.text(), want: expected.join('') };
    });
    expect(result.whilePaused).toBe(0);
    expect(result.reading).toBe(false);
    expect(result.got).toBe(result.want);
  });
});

describe('BufferedProtocol', () => {
  it('receives every byte through the small buffers it hands out', async () => {
    class Small extends BufferedProtocol {
      buf = new Uint8Array(7);
      got: number[] = [];
      done: Future<void>;
      hints: number[] = [];
      constructor(loop: EventLoop) {
        super();
        this.done = loop.createFuture<void>();
      }
      override getBuffer(sizehint: number): Uint8Array {
        this.hints.push(sizehint);
        return this.buf;
      }
      override bufferUpdated(nbytes: number): void {
        for (let i = 0; i < nbytes; i++) this.got.push(this.buf[i]);
      }
      override eofReceived(): boolean {
        return false;
      }
      override connectionLost(): void {
        this.done.setResult(undefined);
      }
    }
    const { result } = await runNet(function* () {
      const loop = getRunningLoop();
      const [server] = yield* serve((p) => {
        p.onMade = (t) => {
          const data = new Uint8Array(1000);
          for (let i = 0; i < data.length; i++) data[i] = i % 251;
          t.write(data);
          t.close();
        };
      });
      const proto = new Small(loop);
      yield* loop.createConnection(() => proto, '127.0.0.1', portOf(server));
      yield* proto.done;
      server.close();
      return proto;
    });
    expect(result.got.length).toBe(1000);
    expect(result.got.every((b, i) => b === i % 251)).toBe(true);
    expect(result.hints.every((h) => h > 0)).toBe(true);
  });
});
