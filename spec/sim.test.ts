/**
 * Properties of @yieldio/sim (issue #11), with fast-check, on the virtual clock.
 *
 *   - Byte conservation: whatever the chunking of the writes and whatever plan of faults
 *     (partitions one way or both, heals, lossy and duplicating links, jittered latency),
 *     a TCP connection delivers a prefix of what was written, in order, without a
 *     duplicate; and all of it when it was not reset.
 *   - Packet accounting: once nothing is in flight, delivered + dropped = sent + duplicated,
 *     over TCP and UDP traffic with random loss and duplication.
 */
import fc from 'fast-check';
import '@yieldio/sim';
import { getRunningLoop, simulate, sleep } from '@yieldio/core';
import type { Coro } from '@yieldio/core';
import { DatagramProtocol, openConnection, startServer } from '@yieldio/net';
import type { StreamReader, StreamWriter } from '@yieldio/net';
import { getNetwork } from '@yieldio/sim';

const SEED = 20261203;
const RUNS = 60;

interface Fault {
  at: number;
  kind: 'cut' | 'cutOneWay' | 'cutBack' | 'heal' | 'lossy';
}

const faultArb = fc.record({
  at: fc.double({ min: 0, max: 15, noNaN: true }),
  kind: fc.constantFrom<Fault['kind']>('cut', 'cutOneWay', 'cutBack', 'heal', 'lossy'),
});

/** Write `chunks` from localhost to host 'server', which keeps all it reads. */
function* transfer(chunks: Uint8Array[], faults: Fault[]): Coro<{ sent: Uint8Array; received: Uint8Array; reset: boolean }> {
  const net = getNetwork();
  const parts: Uint8Array[] = [];
  let serverDone!: () => void;
  const done = getRunningLoop().createFuture<void>();
  serverDone = () => {
    if (!done.done()) done.setResult(undefined);
  };
  net.addHost('server').spawn(
    startServer(function* (reader: StreamReader) {
      try {
        for (;;) {
          const data = yield* reader.read(4096);
          if (data.length === 0) break;
          parts.push(data);
        }
      } catch {
        // reset: what arrived before it stays
      }
      serverDone();
    }, null, 9),
  );
  yield* sleep(0.01);
  const [, writer] = yield* openConnection('server', 9);
  // Faults start once connected (a cut SYN would just time the connect out, as it should).
  const loop = getRunningLoop();
  for (const f of faults) {
    loop.callLater(f.at, () => {
      if (f.kind === 'cut') net.partition('localhost', 'server');
      else if (f.kind === 'cutOneWay') net.partition('localhost', 'server', { oneWay: true });
      else if (f.kind === 'cutBack') net.partition('server', 'localhost', { oneWay: true });
      else if (f.kind === 'lossy') net.link('localhost', 'server', { loss: 0.3, duplicate: 0.2, latency: [0.001, 0.05] });
      else net.heal();
    });
  }
  // Every cut ends 15 s before tcpTimeout (30 s) could run out, so nothing may be reset.
  loop.callLater(15, () => net.heal());
  let reset = false;
  try {
    for (const chunk of chunks) {
      writer.write(chunk);
      yield* writer.drain();
    }
    writer.writeEof();
    yield* writer.drain();
  } catch {
    reset = true;
  }
  yield* done;
  const sent = concat(chunks);
  return { sent, received: concat(parts), reset };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe(`sim properties (fast-check seed ${SEED})`, () => {
  it('TCP delivers every byte written, in order, once, under any fault plan that heals in time', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 30_000 }), { minLength: 1, maxLength: 12 }),
        fc.array(faultArb, { maxLength: 8 }),
        fc.integer({ min: 0, max: 1000 }),
        (chunks, faults, seed) => {
          const { sent, received, reset } = simulate(transfer(chunks, faults), { seed, network: { latency: [0.0005, 0.01] } });
          expect(reset).toBe(false);
          expect(received.length).toBe(sent.length);
          expect(Buffer.from(received).equals(Buffer.from(sent))).toBe(true);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('every packet is accounted for: delivered + dropped = sent + duplicated', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 1000 }),
        (loss, duplicate, count, seed) => {
          const stats = simulate(
            (function* () {
              const loop = getRunningLoop();
              const server = yield* startServer(function* (reader: StreamReader, writer: StreamWriter) {
                writer.write(yield* reader.read());
                writer.close();
              }, '127.0.0.1', 0);
              const port = (server.sockets[0].getsockname() as [string, number])[1];
              const [udp] = yield* loop.createDatagramEndpoint(() => new DatagramProtocol(), { localAddr: ['127.0.0.1', 0] });
              for (let i = 0; i < count; i++) udp.sendto(new Uint8Array(10), ['127.0.0.1', (udp.getExtraInfo('sockname') as [string, number])[1]]);
              try {
                // With this much loss a connect may time out, as a real one would: the
                // packets it sent must be accounted for all the same.
                const [reader, writer] = yield* openConnection('127.0.0.1', port);
                for (let i = 0; i < count; i++) writer.write(new Uint8Array(100));
                writer.writeEof();
                yield* reader.read();
                writer.close();
              } catch {
                // counted below
              }
              server.close();
              yield* sleep(120); // nothing left in flight
              return getNetwork().stats();
            })(),
            { seed, network: { loss, duplicate, latency: [0.001, 0.02] } },
          );
          expect(stats.sent).toBeGreaterThan(count);
          expect(stats.delivered + stats.dropped).toBe(stats.sent + stats.duplicated);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
