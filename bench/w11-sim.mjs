// W11: the simulated network of @yieldio/sim (issue #11).
//   S1  two simulated hosts ping-pong 64-byte messages over one connection, under
//       simulate(): round trips per wall second, as a ratio to plain Node `net` doing the
//       same over real loopback in this run (the floor). Target: at least 10x the floor
//       (no syscalls, no kernel: the simulation should be far faster than the real thing).
//   S2  a three-host echo scenario, one simulate() run per seed: each host runs an echo
//       server and sends 100 messages to the next host, each waiting for its echo, over
//       links with latency in [1, 10] ms and 1% loss. Seeds per second on one core.
//       Target: at least 1,000. Measured twice: as a user runs many seeds (`explore`, a
//       sweep, or a loop inside `holdSimulatedGlobals()`: the deterministic globals are
//       installed once for the whole loop, as explore and sweep do), which is the target
//       line, and as bare back-to-back simulate() calls, each installing and removing
//       the globals (a dozen defineProperty pairs per seed).
import * as net from 'node:net';
import { fileURLToPath } from 'node:url';
import { holdSimulatedGlobals, simulate } from '@yieldio/core';
import { gather, sleep } from '@yieldio/core';
import { openConnection, startServer } from '@yieldio/net';
import { getNetwork } from '@yieldio/sim';
import { interleavedBest, row, runNode } from './lib.mjs';

const self = fileURLToPath(import.meta.url);

const MSG = 64;

// ---- S1 floor: plain Node net, one connection ----------------------------------------

async function nodePingPong(trips) {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => socket.write(chunk));
    socket.on('end', () => socket.end());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const message = Buffer.alloc(MSG, 7);
  await new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    let done = 0;
    let got = 0;
    socket.on('connect', () => socket.write(message));
    socket.on('data', (chunk) => {
      got += chunk.length;
      while (got >= MSG) {
        got -= MSG;
        if (++done === trips) return socket.end();
        socket.write(message);
      }
    });
    socket.on('close', () => (done === trips ? resolve() : reject(new Error(`node: ${done} round trips`))));
    socket.on('error', reject);
  });
  await new Promise((resolve) => server.close(resolve));
}

// ---- S1 simulated ---------------------------------------------------------------------

function* echo(reader, writer) {
  for (;;) {
    const data = yield* reader.read(65536);
    if (data.length === 0) break;
    writer.write(data);
    yield* writer.drain();
  }
  writer.close();
}

function* simPingPong(trips) {
  const world = getNetwork();
  world.addHost('server', { boot: () => startServer(echo, null, 7) });
  const client = world.addHost('client');
  yield* sleep(0.01);
  yield* client.spawn(
    (function* () {
      const [reader, writer] = yield* openConnection('server', 7);
      const message = new Uint8Array(MSG).fill(7);
      for (let i = 0; i < trips; i++) {
        writer.write(message);
        yield* reader.readexactly(MSG);
      }
      writer.close();
    })(),
  );
}

// ---- S2 -----------------------------------------------------------------------------

function* threeHosts() {
  const world = getNetwork();
  const names = ['a', 'b', 'c'];
  const hosts = names.map((n) => world.addHost(n, { boot: () => startServer(echo, null, 7) }));
  yield* sleep(0.01);
  const message = new Uint8Array(MSG).fill(1);
  yield* gather(
    ...hosts.map((host, i) =>
      host.spawn(
        (function* () {
          const [reader, writer] = yield* openConnection(names[(i + 1) % 3], 7);
          for (let m = 0; m < 100; m++) {
            writer.write(message);
            yield* reader.readexactly(MSG);
          }
          writer.close();
        })(),
      ),
    ),
  );
}

function seeds(count) {
  for (let seed = 0; seed < count; seed++) {
    simulate(threeHosts(), { seed, network: { latency: [0.001, 0.01], loss: 0.01 } });
  }
}

/** The seed loop as explore and sweep run it: the simulated globals held across it. */
function heldSeeds(count) {
  const release = holdSimulatedGlobals();
  try {
    seeds(count);
  } finally {
    release();
  }
}

// S1 cold: one run in a fresh process (`node bench/w11-sim.mjs cold TRIPS`), as a single
// test meets it: most of its time is V8 optimizing the code, as it does for any program.
if (process.argv[1] === self && process.argv[2] === 'cold') {
  const t0 = performance.now();
  simulate(simPingPong(Number(process.argv[3])));
  console.log(JSON.stringify({ ms: performance.now() - t0 }));
}

export default async function w11({ quick }) {
  const trips = quick ? 2000 : 20000;
  const cold = runNode(self, ['cold', trips]);
  const seedCount = quick ? 50 : 500;
  const best = await interleavedBest(
    {
      node: () => nodePingPong(trips),
      sim: () => simulate(simPingPong(trips)),
      seeds: () => heldSeeds(seedCount),
      bare: () => seeds(seedCount),
    },
    { rounds: quick ? 2 : 5 },
  );
  const perSecond = (ms) => trips / (ms / 1000);
  const higherIsBetter = true;
  const S1 = 'S1 sim ping-pong';
  const S2 = 'S2 sim seeds (3 hosts)';
  return [
    row(S1, 'floor', perSecond(best.node), 'trips/s', { higherIsBetter, note: 'plain Node net, real loopback' }),
    // Ratios are floor / figure, so "10x faster than the floor" is a ratio of at most 0.1.
    row(S1, 'yieldio sim', perSecond(best.sim), 'trips/s', { higherIsBetter, target: { maxRatio: 0.1 }, note: 'wall clock, under simulate()' }),
    row(S1, 'yieldio sim, cold', perSecond(cold.ms), 'trips/s', { higherIsBetter, note: 'one run in a fresh process, the JIT warming up' }),
    row(S2, 'yieldio sim', seedCount / (best.seeds / 1000), 'seeds/s', {
      higherIsBetter,
      target: { min: 1000 },
      note: '3 hosts x 100 echoes, latency 1-10 ms, 1% loss; globals held, as explore/sweep run',
    }),
    row(S2, 'yieldio sim, bare', seedCount / (best.bare / 1000), 'seeds/s', {
      higherIsBetter,
      note: 'the same, each simulate() installing the globals itself',
    }),
  ];
}
