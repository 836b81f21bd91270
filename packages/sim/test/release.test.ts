/**
 * What a finished run leaves behind: a program that keeps its world (a closure made per
 * seed does, through V8's map for it) must not keep the run's connections, servers and
 * loop with it, or every seed of a long explore or sweep is copied and promoted by the
 * young-generation collector (network.ts, "What a run leaves behind").
 */
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { simulate, sleep } from '@yieldio/core';
import { openConnection, startServer } from '@yieldio/net';
import type { StreamReader, StreamWriter } from '@yieldio/net';
import { getNetwork } from '@yieldio/sim';
import type { SimNetwork } from '@yieldio/sim';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** One run with a server and a connection left open; the world and weak refs to the rest. */
function runKeepingTheWorld(): { world: SimNetwork; connection: WeakRef<object>; server: WeakRef<object>; transport: WeakRef<object> } {
  let world: SimNetwork | null = null;
  let connection: WeakRef<object> | null = null;
  let server: WeakRef<object> | null = null;
  let transport: WeakRef<object> | null = null;
  simulate(
    (function* () {
      world = getNetwork();
      const host = world.addHost('server');
      const s = yield* host.spawn(startServer(function* (reader: StreamReader, writer: StreamWriter) {
        connection = new WeakRef(writer);
        yield* reader.read();
      }, null, 7));
      server = new WeakRef(s);
      const [, writer] = yield* openConnection('server', 7);
      writer.write(new Uint8Array(10));
      yield* sleep(1);
      transport = new WeakRef(writer.transport);
    })(),
  );
  return { world: world!, connection: connection!, server: server!, transport: transport! };
}

describe('a finished run', () => {
  it("leaves its connections, servers and transports to the collector while its world is kept", async () => {
    const kept = runKeepingTheWorld();
    // WeakRefs made in this job hold their targets until it ends.
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    expect(kept.world.host('server')).toBeDefined();
    expect([kept.connection.deref(), kept.server.deref(), kept.transport.deref()]).toEqual([undefined, undefined, undefined]);
  });

  it('still answers stats() and hosts() afterwards', () => {
    const { world } = runKeepingTheWorld();
    expect(world.hosts().map((h) => h.name)).toEqual(['localhost', 'server']);
    expect(world.stats().connections).toBe(1);
  });
});
