// `npm start`: what yieldio does, in one run. Each part prints real timings (wall clock)
// next to the loop's own clock, so you can see that sleeps overlap, timeouts fire and
// cancellation runs `finally` blocks. The last part runs the same program under
// simulate(): virtual time, no waiting, and a deadlock report instead of a hang.
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
