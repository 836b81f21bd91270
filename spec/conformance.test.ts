/**
 * One conformance suite for both worlds (issue #11): each scenario is a plain program
 * of startServer/openConnection/datagrams, run against Node's real sockets on loopback
 * under run(), and against @yieldio/sim's network under simulate(), with the same
 * assertions. A behaviour on which the two worlds disagree is a bug of the simulation.
 *
 * Real runs are on 127.0.0.1, bounded by a deadline and by their counts.
 */
import '@yieldio/sim';
import { gather, getRunningLoop, run, simulate, sleep, timeout } from '@yieldio/core';
import type { Coro } from '@yieldio/core';
import { ConnectionError, ConnectionRefusedError, DatagramProtocol, openConnection, startServer } from '@yieldio/net';
import type { DatagramTransport, Server, StreamReader, StreamWriter } from '@yieldio/net';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);
const portOf = (server: Server): number => (server.sockets[0].getsockname() as [string, number])[1];

type World = 'real loopback' | 'simulated';
const worlds: World[] = ['real loopback', 'simulated'];

async function inWorld<T>(world: World, program: () => Coro<T>): Promise<T> {
  if (world === 'simulated') return simulate(program(), { seed: 1 });
  return run(timeout(10, program));
}

function* lineEcho(reader: StreamReader, writer: StreamWriter): Coro<void> {
  for (let line; (line = yield* reader.readline()).length > 0; ) {
    writer.write(line);
    yield* writer.drain();
  }
  writer.close();
}

describe.each(worlds)('conformance over %s', (world) => {
  it('echoes lines', async () => {
    const echoed = await inWorld(world, function* () {
      const server = yield* startServer(lineEcho, '127.0.0.1', 0);
      const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server));
      const out: string[] = [];
      for (let i = 0; i < 20; i++) {
        writer.write(enc(`line ${i}\n`));
        out.push(dec(yield* reader.readline()));
      }
      writer.close();
      yield* writer.waitClosed();
      server.close();
      yield* server.waitClosed();
      return out;
    });
    expect(echoed).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i}\n`));
  });

  it('large writes pass whole through drain while the reader lags', async () => {
    const result = await inWorld(world, function* () {
      let received = 0;
      let sum = 0;
      const server = yield* startServer(function* (reader: StreamReader, writer: StreamWriter) {
        for (;;) {
          const data = yield* reader.read(65536);
          if (data.length === 0) break;
          received += data.length;
          for (const b of data) sum += b;
          yield* sleep(0.001);
        }
        writer.close();
      }, '127.0.0.1', 0);
      const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server));
      const chunk = new Uint8Array(256 * 1024).map((_, i) => i % 251);
      let expectedSum = 0;
      for (const b of chunk) expectedSum += b;
      for (let i = 0; i < 8; i++) {
        writer.write(chunk);
        yield* writer.drain();
      }
      writer.writeEof();
      yield* reader.read(); // the server's EOF
      server.close();
      return { received, sumOk: sum === expectedSum * 8 };
    });
    expect(result.received).toBe(8 * 256 * 1024);
    expect(result.sumOk).toBe(true);
  });

  it('half-close: the server reads EOF, answers, and the client reads the answer then EOF', async () => {
    const result = await inWorld(world, function* () {
      const server = yield* startServer(function* (reader: StreamReader, writer: StreamWriter) {
        const all = yield* reader.read();
        writer.write(enc(`${all.length} bytes`));
        writer.close();
      }, '127.0.0.1', 0);
      const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server));
      writer.write(new Uint8Array(5000));
      writer.writeEof();
      const answer = dec(yield* reader.read(100));
      const eof = (yield* reader.read()).length;
      server.close();
      return [answer, eof, reader.atEof()];
    });
    expect(result).toEqual(['5000 bytes', 0, true]);
  });

  it('after the server aborts, the client reads EOF and a later write fails', async () => {
    const result = await inWorld(world, function* () {
      const server = yield* startServer(function* (_reader: StreamReader, writer: StreamWriter) {
        writer.transport.abort();
      }, '127.0.0.1', 0);
      const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server));
      const eof = (yield* reader.read()).length;
      let failure: unknown = null;
      for (let i = 0; i < 50 && failure === null; i++) {
        try {
          writer.write(enc('ping'));
          yield* writer.drain();
          yield* sleep(0.01);
        } catch (exc) {
          failure = exc;
        }
      }
      server.close();
      return { eof, failure };
    });
    expect(result.eof).toBe(0);
    expect(result.failure).toBeInstanceOf(ConnectionError);
  });

  it('a connect to a port nobody listens on is refused', async () => {
    const exc = await inWorld(world, function* () {
      const server = yield* startServer(lineEcho, '127.0.0.1', 0);
      const port = portOf(server);
      server.close();
      yield* server.waitClosed();
      try {
        yield* openConnection('127.0.0.1', port);
      } catch (e) {
        return e;
      }
      return null;
    });
    expect(exc).toBeInstanceOf(ConnectionRefusedError);
  });

  it('many connections at once each get their own bytes back', async () => {
    const answers = await inWorld(world, function* () {
      const server = yield* startServer(lineEcho, '127.0.0.1', 0);
      const port = portOf(server);
      const clients = Array.from({ length: 50 }, (_, i) =>
        (function* () {
          const [reader, writer] = yield* openConnection('127.0.0.1', port);
          writer.write(enc(`client ${i}\n`));
          const line = dec(yield* reader.readline());
          writer.close();
          yield* writer.waitClosed();
          return line;
        })(),
      );
      const out = yield* gather(...clients);
      server.close();
      return out;
    });
    expect(answers).toEqual(Array.from({ length: 50 }, (_, i) => `client ${i}\n`));
  });

  it('a datagram echo answers each datagram to its sender', async () => {
    const replies = await inWorld(world, function* () {
      const loop = getRunningLoop();
      class Echo extends DatagramProtocol {
        transport: DatagramTransport | null = null;
        override connectionMade(t: DatagramTransport): void {
          this.transport = t;
        }
        override datagramReceived(data: Uint8Array, addr: unknown): void {
          this.transport!.sendto(data, addr as [string, number]);
        }
      }
      class Client extends DatagramProtocol {
        got: string[] = [];
        override datagramReceived(data: Uint8Array): void {
          this.got.push(dec(data));
        }
      }
      const [serverT] = yield* loop.createDatagramEndpoint(() => new Echo(), { localAddr: ['127.0.0.1', 0] });
      const port = (serverT.getExtraInfo('sockname') as [string, number])[1];
      const [clientT, client] = yield* loop.createDatagramEndpoint(() => new Client(), { remoteAddr: ['127.0.0.1', port] });
      for (let i = 0; i < 5; i++) clientT.sendto(enc(`d${i}`));
      for (let i = 0; i < 100 && client.got.length < 5; i++) yield* sleep(0.01);
      clientT.close();
      serverT.close();
      return client.got;
    });
    expect(replies).toEqual(['d0', 'd1', 'd2', 'd3', 'd4']);
  });
});
