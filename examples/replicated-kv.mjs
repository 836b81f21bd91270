// A replicated key-value store, three replicas and a client, written with plain
// startServer/openConnection, run two ways:
//   1. under simulate() with @yieldio/sim: three simulated hosts, a partition, a crash and
//      a restart, for several seeds; after everything heals, the invariant is checked:
//      the replicas agree, and every write a client was told succeeded is there.
//   2. for real with run(): the same replica code on 127.0.0.1, three ports.
// Run it with `npm run build && node examples/replicated-kv.mjs`.
//
// The protocol is one JSON object per line. A replica that takes a PUT stamps it with a
// version (its Lamport clock, ties broken by name), stores it, sends it to its peers and
// answers OK once a majority (itself and one peer) holds it; else ERR. Every 0.5 s each
// replica pushes its whole store to its peers (anti-entropy), and a replica keeps, per
// key, the entry with the highest version. A crash loses a replica's store; its peers
// fill it in again.
import { run, simulate, sleep, timeout, gather, getRunningLoop, TimeoutError } from '@yieldio/core';
import { OSError, openConnection, startServer } from '@yieldio/net';
import { getNetwork } from '@yieldio/sim';

const encode = (message) => new TextEncoder().encode(JSON.stringify(message) + '\n');
const decode = (line) => JSON.parse(new TextDecoder().decode(line));
const newer = (a, b) => a.version > b.version || (a.version === b.version && a.origin > b.origin);

/** One request-response exchange with a peer, or null if it fails or takes too long. */
function* ask(host, port, message, seconds = 1) {
  try {
    return yield* timeout(seconds, function* () {
      const [reader, writer] = yield* openConnection(host, port);
      try {
        writer.write(encode(message));
        const line = yield* reader.readline();
        return line.length === 0 ? null : decode(line);
      } finally {
        writer.close();
      }
    });
  } catch (exc) {
    if (exc instanceof TimeoutError || exc instanceof OSError) return null; // down, cut off, reset
    throw exc;
  }
}

/** A replica: `peers` are [host, port] pairs. Returns its store, for checking. */
export function* replica(name, host, port, peers, store = new Map()) {
  let clock = 0;
  const merge = (key, entry) => {
    clock = Math.max(clock, entry.version);
    const mine = store.get(key);
    if (mine === undefined || newer(entry, mine)) store.set(key, entry);
  };
  yield* startServer(
    function* (reader, writer) {
      const line = yield* reader.readline();
      if (line.length === 0) return writer.close();
      const request = decode(line);
      if (request.op === 'put') {
        const entry = { value: request.value, version: ++clock, origin: name };
        merge(request.key, entry);
        const acks = yield* gather(...peers.map(([h, p]) => ask(h, p, { op: 'replicate', key: request.key, entry })));
        const ok = 1 + acks.filter((a) => a?.ok).length >= 2;
        writer.write(encode(ok ? { ok, version: entry.version, origin: name } : { ok }));
      } else if (request.op === 'replicate') {
        merge(request.key, request.entry);
        writer.write(encode({ ok: true }));
      } else if (request.op === 'sync') {
        for (const [key, entry] of request.entries) merge(key, entry);
        writer.write(encode({ ok: true }));
      } else if (request.op === 'dump') {
        writer.write(encode({ entries: [...store] }));
      }
      writer.close();
    },
    host,
    port,
  );
  for (;;) {
    yield* sleep(0.5);
    yield* gather(...peers.map(([h, p]) => ask(h, p, { op: 'sync', entries: [...store] })));
  }
}

/** The client: writes `count` keys round-robin to the replicas; returns the acknowledged writes. */
function* client(replicas, count) {
  const acked = [];
  for (let i = 0; i < count; i++) {
    const [host, port] = replicas[i % replicas.length];
    const key = `k${i % 7}`;
    const answer = yield* ask(host, port, { op: 'put', key, value: `v${i}` });
    if (answer?.ok) acked.push({ key, value: `v${i}`, version: answer.version, origin: answer.origin });
    yield* sleep(0.05);
  }
  return acked;
}

/** The invariant: the replicas agree, and hold every acknowledged write (or a newer one). */
function* check(replicas, acked) {
  const dumps = [];
  for (const [host, port] of replicas) dumps.push((yield* ask(host, port, { op: 'dump' }, 5)).entries);
  const canonical = (entries) => JSON.stringify([...entries].sort(([a], [b]) => (a < b ? -1 : 1)));
  const agree = dumps.every((d) => canonical(d) === canonical(dumps[0]));
  const store = new Map(dumps[0]);
  const lost = acked.filter((w) => {
    const e = store.get(w.key);
    return e === undefined || newer(w, e);
  });
  return { agree, lost: lost.length, keys: store.size };
}

/** Under simulate(): three hosts, faults, then heal and check. */
function* simulated() {
  const net = getNetwork();
  const names = ['r1', 'r2', 'r3'];
  const replicas = names.map((n) => [n, 7000]);
  for (const n of names) {
    const peers = replicas.filter(([h]) => h !== n);
    net.addHost(n, { boot: () => replica(n, null, 7000, peers) });
  }
  const faults = (function* () {
    yield* sleep(1);
    net.partition('r1', ['r2', 'r3']); // r1 is cut off: its writes cannot reach a majority
    yield* sleep(2);
    net.heal();
    net.host('r3').crash(); // r3 loses everything
    yield* sleep(2);
    net.host('r3').restart();
  })();
  const [acked] = yield* gather(client(replicas, 80), faults);
  yield* sleep(3); // anti-entropy after the heal
  return { ...(yield* check(replicas, acked)), acked: acked.length, stats: net.stats() };
}

/** For real, with run(): the same replicas on 127.0.0.1. */
function* real() {
  const ports = [17301, 17302, 17303];
  const replicas = ports.map((p) => ['127.0.0.1', p]);
  const tasks = ports.map((p, i) =>
    getRunningLoop().createTask(replica(`r${i + 1}`, '127.0.0.1', p, replicas.filter(([, q]) => q !== p))),
  );
  yield* sleep(0.1);
  const acked = yield* client(replicas, 12);
  yield* sleep(0.7);
  const result = yield* check(replicas, acked);
  for (const t of tasks) t.cancel();
  return { ...result, acked: acked.length };
}

let failed = false;
for (const seed of [1, 2, 3]) {
  const r = simulate(simulated(), { seed, network: { latency: [0.001, 0.01], loss: 0.01, tcpTimeout: 5 } });
  const ok = r.agree && r.lost === 0;
  failed ||= !ok;
  console.log(
    `simulated seed ${seed}: ${r.acked} writes acknowledged, replicas agree: ${r.agree}, acknowledged writes lost: ${r.lost}` +
      ` (${r.stats.sent} packets, ${r.stats.dropped} dropped) ${ok ? 'OK' : 'INVARIANT BROKEN'}`,
  );
}
const r = await run(real());
const ok = r.agree && r.lost === 0;
failed ||= !ok;
console.log(`real loopback: ${r.acked} writes acknowledged, replicas agree: ${r.agree}, acknowledged writes lost: ${r.lost} ${ok ? 'OK' : 'INVARIANT BROKEN'}`);
process.exitCode = failed ? 1 : 0;
