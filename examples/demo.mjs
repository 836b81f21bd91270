// `npm start`: what yieldio does, in one run. Each part prints real timings (wall clock)
// next to the loop's own clock, so you can see that sleeps overlap, timeouts fire and
// cancellation runs `finally` blocks. Then the same program runs under simulate():
// virtual time, no waiting, and a deadlock report instead of a hang. The last parts are
// the simulator's: unchanged network code across simulated hosts with a partition, and
// explore() finding a race, shrinking it and printing the line that replays it.
import {
  run,
  simulate,
  sleep,
  createTask,
  gather,
  timeout,
  getRunningLoop,
  TimeoutError,
  CancelledError,
  DeadlockError,
} from '@yieldio/core';
import { openConnection, startServer } from '@yieldio/net';
import { explore, getNetwork } from '@yieldio/sim';

const wallStart = performance.now();
const wall = () => ((performance.now() - wallStart) / 1000).toFixed(3).padStart(6);
const say = (text) => {
  const loop = getRunningLoop();
  const clock = loop.host.kind === 'virtual' ? `virtual ${loop.time().toFixed(3).padStart(6)}` : `wall ${wall()}`;
  console.log(`  [${clock}] ${text}`);
};

// 1. The classic.
function* hello() {
  say('hello');
  yield* sleep(1);
  say('world');
}

// 2. Two tasks interleaving.
function* ticker(name, every, times) {
  for (let i = 1; i <= times; i++) {
    yield* sleep(every);
    say(`${name} tick ${i}`);
  }
  return `${name} done`;
}

function* interleave() {
  const a = createTask(ticker('A', 0.1, 3), { name: 'A' });
  const b = createTask(ticker('B', 0.15, 2), { name: 'B' });
  say(`${yield* a}, ${yield* b}`);
}

// 3. gather: three sleeps at once take as long as the longest.
function* sleeper(seconds) {
  yield* sleep(seconds);
  return seconds;
}

function* together() {
  const t0 = getRunningLoop().time();
  const results = yield* gather(sleeper(0.3), sleeper(0.5), sleeper(0.2));
  say(`gather -> [${results}] in ${(getRunningLoop().time() - t0).toFixed(2)} s (the longest, not the sum 1.0 s)`);
}

// 4. A timeout firing.
function* impatient() {
  try {
    yield* timeout(0.2, function* () {
      yield* sleep(10);
    });
  } catch (err) {
    if (!(err instanceof TimeoutError)) throw err;
    say(`timeout(0.2) fired: ${err.name}, cause ${err.cause.name}`);
  }
}

// 5. Cancellation: the task's finally runs.
function* worker() {
  try {
    say('worker: started, working for 10 s');
    yield* sleep(10);
  } finally {
    say('worker: cancelled, cleaning up in finally');
  }
}

function* cancelling() {
  const task = createTask(worker(), { name: 'worker' });
  yield* sleep(0.25);
  task.cancel('no longer needed');
  try {
    yield* task;
  } catch (err) {
    if (!(err instanceof CancelledError)) throw err;
    say(`worker ended with ${err.name}: "${err.message}"; task.cancelled() = ${task.cancelled()}`);
  }
}

function* main() {
  console.log('\n1. hello, world');
  yield* hello();
  console.log('\n2. two tasks interleaving (createTask)');
  yield* interleave();
  console.log('\n3. gather');
  yield* together();
  console.log('\n4. timeout');
  yield* impatient();
  console.log('\n5. cancellation');
  yield* cancelling();
}

console.log('yieldio demo: real clock (Node event loop underneath)');
await run(main());
console.log(`\nreal clock total: ${wall()} s of wall time`);

console.log('\n6. the same program under simulate(): virtual time, no waiting');
const simStart = performance.now();
simulate(main());
console.log(`\nsimulate() total: ${((performance.now() - simStart) / 1000).toFixed(3)} s of wall time`);

console.log('\n7. a program that can never finish: simulate() reports the deadlock');
function* waitForever(name, fut) {
  yield* fut;
}
function* stuck() {
  const loop = getRunningLoop();
  const never = loop.createFuture({ description: 'a reply that nobody sends' });
  const a = createTask(waitForever('a', never), { name: 'consumer' });
  yield* a;
}
try {
  simulate(stuck());
} catch (err) {
  if (!(err instanceof DeadlockError)) throw err;
  console.log(`  ${err.name}: ${err.message.replace(/\n/g, '\n  ')}`);
}

console.log('\n8. a network under simulate(): two hosts, a partition, TCP that loses no byte');
// The server is plain asyncio-style stream code; @yieldio/sim runs it on host "db".
function* echoServer() {
  yield* startServer(function* (reader, writer) {
    for (let line; (line = yield* reader.readline()).length > 0; ) {
      writer.write(line);
      yield* writer.drain();
    }
    writer.close();
  }, 'db', 7000);
}
function* client() {
  const net = getNetwork();
  net.addHost('db', { boot: () => echoServer() });
  yield* sleep(0.1); // let db boot
  const [reader, writer] = yield* openConnection('db', 7000);
  for (const word of ['one', 'two', 'three']) {
    if (word === 'two') {
      net.partition('localhost', 'db');
      getRunningLoop().callLater(2, () => net.heal());
      say('partitioned localhost from db for 2 s');
    }
    writer.write(new TextEncoder().encode(`${word}\n`));
    const echoed = new TextDecoder().decode(yield* reader.readline()).trim();
    say(`sent ${word}, echoed ${echoed}`);
  }
  writer.close();
  const { sent, delivered, dropped } = net.stats();
  say(`packets: ${sent} sent, ${delivered} delivered, ${dropped} dropped (and retransmitted)`);
}
simulate(client(), { seed: 1, network: { latency: [0.001, 0.005] } });

console.log('\n9. explore(): find a race, shrink it, print the line that replays it');
// Check-then-act on a shared map: in asyncio's FIFO order the first task creates the
// session before the second looks, so a plain run passes; another order creates it twice.
function* sessions() {
  const map = new Map();
  let created = 0;
  function* getSession(key) {
    if (!map.has(key)) {
      yield; // creating a session takes an await
      map.set(key, ++created);
    }
    return map.get(key);
  }
  const first = createTask(getSession('alice'));
  const second = createTask((function* () {
    yield;
    return yield* getSession('alice');
  })());
  yield* gather(first, second);
  if (created !== 1) throw new Error(`session "alice" created ${created} times`);
}
simulate(sessions());
console.log('  a plain simulate() run passes');
try {
  explore(() => sessions(), { runs: 100, scheduler: 'random' });
  console.log('  explore() found no failure');
} catch (err) {
  console.log(`  ${err.name}: ${err.message.replace(/\n/g, '\n  ')}`);
  try {
    simulate(sessions(), { seed: err.seed, schedule: String(err.shrunk) });
  } catch (again) {
    console.log(`  replayed, the same failure: ${again.message}`);
  }
}
