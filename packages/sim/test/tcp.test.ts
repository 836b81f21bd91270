/**
 * TCP as the kernel behaves: the cost of a connect, refusals and timeouts, a receive
 * window that backs up into the writer's buffer, half-close, abort, and loss that only
 * delays bytes.
 */
import { TimeoutError, getRunningLoop, sleep } from '@yieldio/core';
import type { Coro } from '@yieldio/core';
import { ConnectionRefusedError, ConnectionResetError, Protocol, openConnection, startServer } from '@yieldio/net';
import type { StreamReader, StreamWriter } from '@yieldio/net';
import { getNetwork } from '@yieldio/sim';
import { bytes, portOf, sim, text, thrownBy } from './helpers';

function* echoServer(reader: StreamReader, writer: StreamWriter): Coro<void> {
  for (;;) {
    const data = yield* reader.read(65536);
    if (data.length === 0) break;
    writer.write(data);
    yield* writer.drain();
  }
  writer.close();
}

describe('TCP over the simulated network', () => {
  it('a connect costs one round trip, and each request-response another', () => {
    const times = sim(
      function* () {
        const loop = getRunningLoop();
        const server = yield* startServer(echoServer, '127.0.0.1', 0);
        const t0 = loop.time();
        const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server));
        const connected = loop.time() - t0;
        writer.write(bytes('ping'));
        yield* reader.readexactly(4);
        const roundTrip = loop.time() - t0 - connected;
        writer.close();
        server.close();
        return { connected, roundTrip };
      },
      { network: { latency: 0.01 } },
    );
    expect(times.connected).toBeCloseTo(0.02, 6);
    expect(times.roundTrip).toBeCloseTo(0.02, 6);
  });

  it('a protocol hears bytes in the pass their packet arrives, before a timer due at that instant', () => {
    // As asyncio: the selector's reads run before the timers due in the same iteration.
    const log = sim(
      function* (): Coro<string[]> {
        const loop = getRunningLoop();
        const log: string[] = [];
        class Recorder extends Protocol {
          override dataReceived(data: Uint8Array): void {
            log.push(`data ${text(data)} at ${loop.time()}`);
          }
        }
        const server = yield* loop.createServer(() => new Recorder(), '127.0.0.1', 0);
        const [, writer] = yield* openConnection('127.0.0.1', portOf(server));
        writer.write(bytes('ping'));
        loop.callLater(0.01, () => log.push(`timer at ${loop.time()}`));
        yield* sleep(1);
        writer.close();
        server.close();
        return log;
      },
      { network: { latency: 0.01 } },
    );
    expect(log).toEqual(['data ping at 0.03', 'timer at 0.03']);
  });

  it('no listener: ConnectionRefusedError after one round trip', () => {
    const [exc, took] = sim(
      function* (): Coro<[unknown, number]> {
        const loop = getRunningLoop();
        const exc = yield* thrownBy(() => openConnection('127.0.0.1', 4444));
        return [exc, loop.time()];
      },
      { network: { latency: 0.005 } },
    );
    expect(exc).toBeInstanceOf(ConnectionRefusedError);
    expect(took).toBeCloseTo(0.01, 6);
  });

  it('a down host: TimeoutError after tcpTimeout', () => {
    const [exc, took] = sim(
      function* (): Coro<[unknown, number]> {
        const net = getNetwork();
        net.addHost('db').crash();
        const exc = yield* thrownBy(() => openConnection('db', 5432));
        return [exc, getRunningLoop().time()];
      },
      { network: { tcpTimeout: 12 } },
    );
    expect(exc).toBeInstanceOf(TimeoutError);
    expect((exc as Error).message).toBe('openConnection(): cannot connect to 10.0.0.2:5432: timed out (ETIMEDOUT)');
    expect(took).toBeCloseTo(12, 6);
  });

  it('a paused reader fills the window, then the writer\'s buffer grows and drain waits', () => {
    const result = sim(function* () {
      let serverReader: StreamReader | null = null;
      const server = yield* startServer(function* (reader: StreamReader) {
        serverReader = reader;
        yield* sleep(3600);
      }, '127.0.0.1', 0);
      const [, writer] = yield* openConnection('127.0.0.1', portOf(server));
      writer.write(new Uint8Array(1024 * 1024));
      yield* sleep(1);
      const buffered = writer.transport.getWriteBufferSize();
      let drained = false;
      const drain = getRunningLoop().createTask(
        (function* () {
          yield* writer.drain();
          drained = true;
        })(),
      );
      yield* sleep(1);
      const drainedWhilePaused = drained;
      // Now read everything: the window opens and drain returns.
      let received = 0;
      while (received < 1024 * 1024) received += (yield* serverReader!.read(65536)).length;
      yield* drain;
      writer.close();
      server.close();
      return { buffered, drainedWhilePaused, received };
    });
    // The reader's transport pauses at 128 KiB (its limit), the window holds 64 KiB more.
    expect(result.buffered).toBeGreaterThan(700 * 1024);
    expect(result.buffered).toBeLessThan(1024 * 1024);
    expect(result.drainedWhilePaused).toBe(false);
    expect(result.received).toBe(1024 * 1024);
  });

  it('bytes are copied at write(): a Buffer or Uint8Array changed afterwards reaches the peer as written', () => {
    const received = sim(function* () {
      const server = yield* startServer(function* (reader: StreamReader, writer: StreamWriter) {
        writer.write(yield* reader.read()); // to EOF
        writer.close();
      }, '127.0.0.1', 0);
      const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server));
      const buffer = Buffer.from('from a Buffer;');
      const array = bytes(' from a Uint8Array');
      writer.write(buffer);
      writer.write(array);
      buffer.fill(0);
      array.fill(0);
      writer.writeEof();
      const reply = text(yield* reader.read());
      server.close();
      return reply;
    });
    expect(received).toBe('from a Buffer; from a Uint8Array');
  });

  it('writeEof: the peer reads EOF after the last byte and can still answer', () => {
    const answer = sim(function* () {
      const server = yield* startServer(function* (reader: StreamReader, writer: StreamWriter) {
        const all = yield* reader.read(); // to EOF
        writer.write(bytes(`got ${all.length}`));
        writer.close();
      }, '127.0.0.1', 0);
      const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server));
      writer.write(new Uint8Array(100_000));
      writer.writeEof();
      const reply = text(yield* reader.read());
      server.close();
      return reply;
    });
    expect(answer).toBe('got 100000');
  });

  it('after abort() the peer reads EOF, and its next write is reset', () => {
    const [eof, exc] = sim(function* (): Coro<[number, unknown]> {
      const server = yield* startServer(function* (_reader: StreamReader, writer: StreamWriter) {
        writer.transport.abort();
      }, '127.0.0.1', 0);
      const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server));
      const eof = (yield* reader.read()).length;
      const exc = yield* thrownBy(function* () {
        for (let i = 0; i < 10; i++) {
          writer.write(bytes('still there?'));
          yield* writer.drain();
          yield* sleep(0.01);
        }
      });
      server.close();
      return [eof, exc];
    });
    expect(eof).toBe(0);
    expect(exc).toBeInstanceOf(ConnectionResetError);
  });

  it('heavy loss delays bytes but never drops, duplicates or reorders them', () => {
    const result = sim(
      function* () {
        const server = yield* startServer(echoServer, '127.0.0.1', 0);
        const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server));
        const sent = new Uint8Array(200_000).map((_, i) => i * 7);
        writer.write(sent);
        writer.writeEof();
        const got = yield* reader.read();
        server.close();
        return { same: got.length === sent.length && got.every((b, i) => b === sent[i]), time: getRunningLoop().time(), stats: getNetwork().stats() };
      },
      { seed: 3, network: { loss: 0.3, latency: [0.001, 0.01] } },
    );
    expect(result.same).toBe(true);
    expect(result.stats.dropped).toBeGreaterThan(0);
    expect(result.time).toBeGreaterThan(0.2); // at least one retransmission timeout
  });
});
