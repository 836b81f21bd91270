/**
 * Observation and per-link settings: stats() counts, onEvent per packet (and its
 * unsubscribe), link() latency and bandwidth on one link only.
 */
import { getRunningLoop, sleep } from '@yieldio/core';
import type { Coro } from '@yieldio/core';
import { ConnectionResetError, openConnection, startServer } from '@yieldio/net';
import type { StreamReader, StreamWriter } from '@yieldio/net';
import { getNetwork } from '@yieldio/sim';
import type { SimEvent } from '@yieldio/sim';
import { bytes, sim, thrownBy } from './helpers';

function* sink(reader: StreamReader, writer: StreamWriter): Coro<void> {
  while ((yield* reader.read(65536)).length > 0);
  writer.close();
}

describe('observation', () => {
  it('stats() counts connections, crashes, restarts and resets; onEvent sees the reset', () => {
    const result = sim(
      function* () {
        const net = getNetwork();
        const events: SimEvent[] = [];
        const stop = net.onEvent((e) => void events.push(e));
        const server = net.addHost('server', { boot: () => startServer(sink, null, 7) });
        yield* sleep(0.01);
        const [, writer] = yield* openConnection('server', 7);
        server.crash();
        server.restart();
        const exc = yield* thrownBy(function* () {
          writer.write(bytes('hello?'));
          yield* sleep(1);
          writer.write(bytes('hello?'));
          yield* writer.drain();
        });
        stop();
        const before = events.length;
        yield* openConnection('server', 7);
        return { exc, stats: net.stats(), resets: events.filter((e) => e.kind === 'reset'), unsubscribed: events.length === before };
      },
      { network: { latency: 0.001 } },
    );
    expect(result.exc).toBeInstanceOf(ConnectionResetError);
    expect(result.stats).toMatchObject({ connections: 2, crashes: 1, restarts: 1, resets: 1 });
    expect(result.stats.delivered + result.stats.dropped).toBe(result.stats.sent + result.stats.duplicated);
    expect(result.resets).toEqual([{ time: expect.any(Number), kind: 'reset', from: 'server', to: 'localhost', bytes: 0 }]);
    expect(result.unsubscribed).toBe(true);
  });
});

describe('link()', () => {
  it('sets latency on one link only, both ways unless oneWay', () => {
    const times = sim(function* () {
      const net = getNetwork();
      for (const name of ['near', 'far']) net.addHost(name, { boot: () => startServer(sink, null, 7) });
      net.link('localhost', 'far', { latency: 0.1 });
      net.link('localhost', 'near', { latency: 0.5, oneWay: true });
      yield* sleep(0.01);
      const loop = getRunningLoop();
      const out: Record<string, number> = {};
      for (const name of ['near', 'far']) {
        const t0 = loop.time();
        yield* openConnection(name, 7);
        out[name] = loop.time() - t0;
      }
      return out;
    });
    expect(times.far).toBeCloseTo(0.2, 6);
    expect(times.near).toBeCloseTo(0.5005, 6); // 0.5 out, the default 0.0005 back
  });

  it('a bandwidth limit makes a large transfer take size / bandwidth', () => {
    const took = sim(function* () {
      const net = getNetwork();
      net.addHost('server', { boot: () => startServer(sink, null, 7) });
      net.link('localhost', 'server', { bandwidth: 1_000_000 });
      yield* sleep(0.01);
      const [reader, writer] = yield* openConnection('server', 7);
      const t0 = getRunningLoop().time();
      writer.write(new Uint8Array(2_000_000));
      writer.writeEof();
      yield* reader.read(); // the server closes after reading everything
      return getRunningLoop().time() - t0;
    });
    expect(took).toBeGreaterThan(2);
    expect(took).toBeLessThan(2.1);
  });
});
