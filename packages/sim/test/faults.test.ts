/**
 * Faults: partitions (one way and both), heal, crash and restart, and determinism of the
 * packet trace under a seed.
 */
import { getRunningLoop, sleep } from '@yieldio/core';
import type { Coro } from '@yieldio/core';
import { ConnectionResetError, openConnection, startServer } from '@yieldio/net';
import type { StreamReader, StreamWriter } from '@yieldio/net';
import { getNetwork } from '@yieldio/sim';
import type { SimEvent } from '@yieldio/sim';
import { bytes, sim, text, thrownBy } from './helpers';

/** A host 'server' with a line echo server on port 7. */
function* echoHost(): Coro<void> {
  yield* startServer(function* (reader: StreamReader, writer: StreamWriter) {
    for (let line; (line = yield* reader.readline()).length > 0; ) {
      writer.write(line);
      yield* writer.drain();
    }
    writer.close();
  }, null, 7);
  yield* sleep(1e9);
}

describe('partitions', () => {
  it('a one-way partition resets only the side that sends into it; the silent side notices nothing', () => {
    const result = sim(
      function* () {
        const net = getNetwork();
        let serverRead: unknown = 'still waiting';
        net.addHost('server', {
          boot: () =>
            (function* () {
              yield* startServer(function* (reader: StreamReader) {
                try {
                  serverRead = (yield* reader.read(100)).length;
                } catch (exc) {
                  serverRead = exc;
                }
              }, null, 7);
              yield* sleep(1e9);
            })(),
        });
        yield* sleep(0.01);
        const [, writer] = yield* openConnection('server', 7);
        net.partition('localhost', 'server', { oneWay: true });
        writer.write(bytes('lost in the cut'));
        const exc = yield* thrownBy(function* () {
          for (;;) {
            yield* sleep(1);
            writer.write(bytes('.'));
            yield* writer.drain();
          }
        });
        return { exc, at: getRunningLoop().time(), serverRead };
      },
      { network: { tcpTimeout: 10 } },
    );
    expect(result.exc).toBeInstanceOf(ConnectionResetError);
    expect(result.at).toBeGreaterThanOrEqual(10);
    expect(result.at).toBeLessThan(12);
    expect(result.serverRead).toBe('still waiting');
  });

  it('a connect across a partition, either way, times out after tcpTimeout', () => {
    const outcomes = sim(
      function* () {
        const net = getNetwork();
        net.addHost('server', { boot: echoHost });
        yield* sleep(0.01);
        const loop = getRunningLoop();
        const out: string[] = [];
        for (const cut of [() => net.partition('localhost', 'server', { oneWay: true }), () => net.partition('server', 'localhost', { oneWay: true })]) {
          cut();
          const t0 = loop.time();
          const exc = yield* thrownBy(() => openConnection('server', 7));
          out.push(`${(exc as Error).name} after ${(loop.time() - t0).toFixed(3)} s`);
          net.heal();
        }
        return out;
      },
      { network: { tcpTimeout: 8 } },
    );
    expect(outcomes).toEqual(['TimeoutError after 8.000 s', 'TimeoutError after 8.000 s']);
  });

  it('bytes sent into a partition arrive intact after a heal within tcpTimeout', () => {
    const lines = sim(function* () {
      const net = getNetwork();
      net.addHost('server', { boot: echoHost });
      yield* sleep(0.01);
      const [reader, writer] = yield* openConnection('server', 7);
      net.partition('localhost', 'server');
      for (let i = 0; i < 5; i++) writer.write(bytes(`line ${i}\n`));
      yield* sleep(5);
      net.heal();
      const got: string[] = [];
      for (let i = 0; i < 5; i++) got.push(text(yield* reader.readline()));
      return got;
    });
    expect(lines).toEqual(['line 0\n', 'line 1\n', 'line 2\n', 'line 3\n', 'line 4\n']);
  });

  it('a partition applies to packets already in flight', () => {
    const kinds = sim(
      function* () {
        const net = getNetwork();
        net.addHost('server', { boot: echoHost });
        yield* sleep(0.01);
        const [, writer] = yield* openConnection('server', 7);
        const events: SimEvent[] = [];
        net.onEvent((e) => void events.push(e));
        writer.write(bytes('x\n'));
        yield* sleep(0.05); // the segment is on the wire (latency 0.1)
        net.partition('localhost', 'server');
        yield* sleep(0.1);
        return events.map((e) => `${e.kind} ${e.from}->${e.to}`);
      },
      { network: { latency: 0.1 } },
    );
    expect(kinds).toEqual(['sent localhost->server', 'dropped localhost->server']);
  });
});

describe('crash and restart', () => {
  it('a crashed server\'s writing client is reset after tcpTimeout, and at once once the server restarts', () => {
    const run = (restartAfter: number | null): { exc: unknown; at: number } =>
      sim(
        function* () {
          const net = getNetwork();
          const server = net.addHost('server', { boot: echoHost });
          yield* sleep(0.01);
          const [reader, writer] = yield* openConnection('server', 7);
          writer.write(bytes('hello\n'));
          yield* reader.readline();
          server.crash();
          const crashedAt = getRunningLoop().time();
          if (restartAfter !== null) {
            getRunningLoop().callLater(restartAfter, () => server.restart());
          }
          const exc = yield* thrownBy(function* () {
            writer.write(bytes('are you there?\n'));
            yield* reader.readline();
          });
          return { exc, at: getRunningLoop().time() - crashedAt };
        },
        { network: { tcpTimeout: 20 } },
      );
    const never = run(null);
    expect(never.exc).toBeInstanceOf(ConnectionResetError);
    expect(never.at).toBeCloseTo(20, 3);
    const restarted = run(3);
    expect(restarted.exc).toBeInstanceOf(ConnectionResetError);
    expect(restarted.at).toBeGreaterThan(3);
    expect(restarted.at).toBeLessThan(5.5); // the next retransmission meets the new incarnation
  });

  it('a client that only reads notices nothing of a crash', () => {
    const outcome = sim(
      function* () {
        const net = getNetwork();
        const server = net.addHost('server', { boot: echoHost });
        yield* sleep(0.01);
        const [reader] = yield* openConnection('server', 7);
        server.crash();
        const read = getRunningLoop().createTask(reader.read(10));
        yield* sleep(100);
        return read.done();
      },
      { network: { tcpTimeout: 10 } },
    );
    expect(outcome).toBe(false);
  });

  it('a restarted host serves again', () => {
    const answer = sim(function* () {
      const net = getNetwork();
      const server = net.addHost('server', { boot: echoHost });
      yield* sleep(0.01);
      server.crash();
      yield* sleep(1);
      server.restart();
      yield* sleep(0.01);
      const [reader, writer] = yield* openConnection('server', 7);
      writer.write(bytes('again\n'));
      return text(yield* reader.readline());
    });
    expect(answer).toBe('again\n');
  });
});

describe('determinism', () => {
  const trace = (seed: number): string[] =>
    sim(
      function* () {
        const net = getNetwork();
        const events: string[] = [];
        net.onEvent((e) => void events.push(`${e.time.toFixed(6)} ${e.kind} ${e.from}->${e.to} ${e.bytes}`));
        net.addHost('server', { boot: echoHost });
        yield* sleep(0.01);
        const [reader, writer] = yield* openConnection('server', 7);
        for (let i = 0; i < 20; i++) {
          writer.write(bytes(`message ${i}\n`));
          yield* reader.readline();
        }
        return events;
      },
      { seed, network: { latency: [0.001, 0.01], loss: 0.1 } },
    );

  it('the same seed gives the same packet trace; another seed another', () => {
    const a = trace(42);
    expect(a.length).toBeGreaterThan(40);
    expect(trace(42)).toEqual(a);
    expect(trace(43)).not.toEqual(a);
  });
});
