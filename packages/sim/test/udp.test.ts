/**
 * UDP: datagrams are lost, duplicated and reordered as the link says, and dropped when
 * no endpoint waits for them; TCP never shows a duplicate.
 */
import { getRunningLoop, sleep } from '@yieldio/core';
import type { Coro } from '@yieldio/core';
import { DatagramProtocol, openConnection, startServer } from '@yieldio/net';
import type { DatagramTransport, StreamReader, StreamWriter } from '@yieldio/net';
import { getNetwork } from '@yieldio/sim';
import { bytes, portOf, sim, text } from './helpers';

class Collector extends DatagramProtocol {
  received: string[] = [];
  override datagramReceived(data: Uint8Array): void {
    this.received.push(text(data));
  }
}

function* exchange(count: number): Coro<string[]> {
  const loop = getRunningLoop();
  const [, receiver] = yield* loop.createDatagramEndpoint(() => new Collector(), { localAddr: ['127.0.0.1', 5000] });
  const [sender] = yield* loop.createDatagramEndpoint(() => new DatagramProtocol(), { remoteAddr: ['127.0.0.1', 5000] });
  for (let i = 0; i < count; i++) (sender as DatagramTransport).sendto(bytes(String(i)));
  yield* sleep(1);
  return receiver.received;
}

describe('datagrams', () => {
  it('arrive once and in order on a plain link', () => {
    expect(sim(() => exchange(50))).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
  });

  it('are lost, duplicated and reordered as the link says', () => {
    const [received, stats] = sim(
      function* (): Coro<[string[], ReturnType<ReturnType<typeof getNetwork>['stats']>]> {
        const got = yield* exchange(400);
        return [got, getNetwork().stats()];
      },
      { seed: 1, network: { loss: 0.2, duplicate: 0.2, latency: [0.001, 0.02] } },
    );
    const unique = new Set(received);
    expect(unique.size).toBeLessThan(400); // some lost
    expect(received.length).toBeGreaterThan(unique.size); // some duplicated
    const order = received.map(Number);
    expect(order.some((n, i) => i > 0 && n < order[i - 1])).toBe(true); // some reordered
    expect(stats.delivered + stats.dropped).toBe(stats.sent + stats.duplicated);
  });

  it('to a port with no endpoint, or an address no host has, are dropped', () => {
    const stats = sim(function* () {
      const loop = getRunningLoop();
      const [sender] = yield* loop.createDatagramEndpoint(() => new DatagramProtocol(), { localAddr: ['0.0.0.0', 0] });
      sender.sendto(bytes('anyone?'), ['127.0.0.1', 6000]);
      sender.sendto(bytes('anyone?'), ['10.9.9.9', 6000]);
      yield* sleep(1);
      return getNetwork().stats();
    });
    expect(stats).toMatchObject({ sent: 2, delivered: 0, dropped: 2 });
  });

  it('the network duplicates TCP segments too, but TCP shows no duplicate', () => {
    const [echoed, stats] = sim(
      function* (): Coro<[string, ReturnType<ReturnType<typeof getNetwork>['stats']>]> {
        const server = yield* startServer(function* (reader: StreamReader, writer: StreamWriter) {
          writer.write(yield* reader.read());
          writer.close();
        }, '127.0.0.1', 0);
        const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server));
        for (let i = 0; i < 100; i++) writer.write(bytes(`${i},`));
        writer.writeEof();
        return [text(yield* reader.read()), getNetwork().stats()];
      },
      { seed: 5, network: { duplicate: 0.5 } },
    );
    expect(echoed).toBe(Array.from({ length: 100 }, (_, i) => `${i},`).join(''));
    expect(stats.duplicated).toBeGreaterThan(0);
  });
});
