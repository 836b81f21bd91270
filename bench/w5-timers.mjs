// W5 timers.
//
// (a) Real clock: 100,000 tasks each sleep one random delay in [0, 1) s (the same
//     seeded delays for every JS implementation), then the main task joins them.
//     Figure: CPU time (user + system, the whole process) per timer, over the whole
//     run; the wall time is ~1 s whatever happens, so CPU is what the scheduler costs.
//     Lateness: when the sleeper resumes minus when it asked to (performance.now());
//     mean and max, of the run with the best CPU time.
//
//       yieldio    createTask(sleeper) x N; sleeper does yield* sleep(d); gather
//       floor      bench/floor.mjs TimerRing: a binary heap and one setTimeout armed
//                  for the earliest deadline, fibers yield their delay; join
//       native     async functions awaiting new Promise(r => setTimeout(r, ms)),
//                  Promise.all (Node's own timer lists; ms rounded up as yieldio does)
//       effection  spawned sleep(ms) (a setTimeout each), all(); a tenth as many tasks
//       asyncio    create_task(sleeper) x N, asyncio.sleep(d), gather; process_time
//
// (b) Virtual clock: 100,000 tasks x 10 sleeps each of a random delay in [0, 1) s:
//     1,000,000 timers through a heap of 100,000, with no real waiting. Figure: wall
//     time for the whole run.
//
//       yieldio    simulate(main())
//       floor      TimerRing({ virtual: true }): the clock jumps to the earliest timer
//       asyncio    asyncio's own BaseEventLoop with a clock that jumps: its selector's
//                  select(timeout) advances time by `timeout` (what asyncio would have
//                  waited) and returns no events
//       native and effection have no virtual clock.
//
// Where the time goes (#15, targets 2.2x the floor for W5a's CPU, 3x for W5b's wall).
// Half of W5b was the timer heap: heap-js called a comparator at each level and read
// the `_when` of two timers scattered over a 100,000-entry heap (cache misses). Core's
// TimerHeap (packages/core/src/timer-heap.ts) keeps the keys packed in Float64Arrays, as
// the floor does; with a sleep's future made without an options object and two fields,
// W5b fell from 4.5-7x to about 3.3-3.6x and W5a from 2.2-3x to about 1.7x. What is left
// in W5b: each timer costs two passes (the due timer sets its future's result, the task
// wakes a pass later, as asyncio's call_soon makes it; the floor wakes the fiber in the
// same pass), and two objects per sleep (the `sleep()` coroutine and its future).
// Since #15's W9 work the heap keeps runs of timers due at the same instant, found
// through a 4096-slot table by deadline; W5's deadlines are all distinct, so that is one
// table look-up per timer here, and a sleeping task is 32 bytes lighter. Interleaved
// A/B against the heap of single timers, medians of 3 (CPU): W5a 7.5 to 6.6 us a timer,
// W5b 6.3 to 6.4 s (unchanged within the noise).
import * as yio from '@yieldio/core';
import * as effection from 'effection';
import { Group, TimerRing, join } from './floor.mjs';
import { interleaved, row, runPython, seededRandom } from './lib.mjs';

class Lateness {
  constructor() {
    this.sum = 0;
    this.min = Infinity;
    this.max = -Infinity;
    this.count = 0;
  }

  add(ms) {
    this.sum += ms;
    this.count++;
    if (ms > this.max) this.max = ms;
    if (ms < this.min) this.min = ms;
  }

  summary() {
    return { mean: this.sum / this.count, min: this.min, max: this.max, count: this.count };
  }
}

function makeDelays(n, span) {
  const random = seededRandom(1);
  const delays = new Float64Array(n);
  for (let i = 0; i < n; i++) delays[i] = random() * span;
  return delays;
}

// ---- (a) real clock ---------------------------------------------------------------

function* yioSleeper(delay, late) {
  const due = performance.now() + delay * 1000;
  yield* yio.sleep(delay);
  late.add(performance.now() - due);
}

async function yioReal(delays) {
  const late = new Lateness();
  await yio.run(
    (function* () {
      const tasks = new Array(delays.length);
      for (let i = 0; i < delays.length; i++) tasks[i] = yio.createTask(yioSleeper(delays[i], late));
      yield* yio.gather(tasks);
    })(),
  );
  return late.summary();
}

function* floorSleeper(delay, late) {
  const due = performance.now() + delay * 1000;
  yield delay;
  late.add(performance.now() - due);
}

async function floorReal(delays) {
  const late = new Lateness();
  const ring = new TimerRing();
  ring.spawn(
    (function* () {
      const group = new Group();
      for (let i = 0; i < delays.length; i++) ring.spawn(floorSleeper(delays[i], late), group);
      yield* join(group);
    })(),
  );
  await ring.run();
  return late.summary();
}

async function nativeSleeper(delay, late) {
  const due = performance.now() + delay * 1000;
  await new Promise((resolve) => setTimeout(resolve, Math.ceil(delay * 1000)));
  late.add(performance.now() - due);
}

async function nativeReal(delays) {
  const late = new Lateness();
  const all = new Array(delays.length);
  for (let i = 0; i < delays.length; i++) all[i] = nativeSleeper(delays[i], late);
  await Promise.all(all);
  return late.summary();
}

function* effectionSleeper(delay, late) {
  const due = performance.now() + delay * 1000;
  yield* effection.sleep(Math.ceil(delay * 1000));
  late.add(performance.now() - due);
}

async function effectionReal(delays) {
  const late = new Lateness();
  await effection.run(function* () {
    const ops = new Array(delays.length);
    for (let i = 0; i < delays.length; i++) ops[i] = effectionSleeper(delays[i], late);
    yield* effection.all(ops);
  });
  return late.summary();
}

const PYTHON_REAL = `
import asyncio, json, random, time
N, SPAN, ROUNDS = %N%, %SPAN%, %ROUNDS%
random.seed(1)
delays = [random.random() * SPAN for _ in range(N)]
async def sleeper(d, late):
    due = time.monotonic() + d
    await asyncio.sleep(d)
    x = time.monotonic() - due
    late[0] += x
    late[1] = max(late[1], x)
    late[2] = min(late[2], x)
async def main():
    late = [0.0, float('-inf'), float('inf')]
    await asyncio.gather(*[asyncio.create_task(sleeper(d, late)) for d in delays])
    return late
best = None
for _ in range(ROUNDS):
    c0 = time.process_time()
    late = asyncio.run(main())
    cpu = time.process_time() - c0
    if best is None or cpu < best[0]:
        best = (cpu, late)
print(json.dumps({'cpuMs': best[0] * 1000, 'mean': best[1][0] / N * 1000, 'max': best[1][1] * 1000, 'min': best[1][2] * 1000}))
`;

// ---- (b) virtual clock -------------------------------------------------------------

function* yioVirtualSleeper(delays, first, count) {
  for (let k = 0; k < count; k++) yield* yio.sleep(delays[first + k]);
}

function yioVirtual(delays, tasks, sleeps) {
  return yio.simulate(
    (function* () {
      const all = new Array(tasks);
      for (let i = 0; i < tasks; i++) all[i] = yio.createTask(yioVirtualSleeper(delays, i * sleeps, sleeps));
      yield* yio.gather(all);
      return yio.getRunningLoop().time();
    })(),
    // 100,000 tasks take their first step at virtual time 0: past the default livelock budget.
    { maxStepsPerInstant: Infinity },
  );
}

function* floorVirtualSleeper(delays, first, count) {
  for (let k = 0; k < count; k++) yield delays[first + k];
}

function floorVirtual(delays, tasks, sleeps) {
  const ring = new TimerRing({ virtual: true });
  ring.spawn(
    (function* () {
      const group = new Group();
      for (let i = 0; i < tasks; i++) ring.spawn(floorVirtualSleeper(delays, i * sleeps, sleeps), group);
      yield* join(group);
    })(),
  );
  ring.run();
  return ring.now / 1000;
}

const PYTHON_VIRTUAL = `
import asyncio, asyncio.base_events, json, random, time
TASKS, SLEEPS, ROUNDS = %TASKS%, %SLEEPS%, %ROUNDS%

class VirtualLoop(asyncio.base_events.BaseEventLoop):
    """asyncio's own loop and timer heap, on a clock that jumps instead of waiting."""
    def __init__(self):
        super().__init__()
        self._now = 0.0
        self._selector = self
    def time(self):
        return self._now
    def select(self, timeout):
        if timeout is None:
            raise RuntimeError('virtual loop: nothing scheduled, would wait forever')
        self._now += timeout
        return []
    def _process_events(self, events):
        pass
    def _write_to_self(self):
        pass

random.seed(1)
delays = [random.random() for _ in range(TASKS * SLEEPS)]
async def sleeper(first):
    for k in range(SLEEPS):
        await asyncio.sleep(delays[first + k])
async def main():
    await asyncio.gather(*[asyncio.create_task(sleeper(i * SLEEPS)) for i in range(TASKS)])
    return asyncio.get_running_loop().time()
best = float('inf')
for _ in range(ROUNDS):
    t0 = time.perf_counter()
    with asyncio.Runner(loop_factory=VirtualLoop) as runner:
        end = runner.run(main())
    best = min(best, time.perf_counter() - t0)
print(json.dumps({'ms': best * 1000, 'end': end}))
`;

export default async function ({ python, quick }) {
  // (a) Quick mode shrinks the delays too, so a run takes 50 ms, not 1 s.
  const n = quick ? 2_000 : 100_000;
  const span = quick ? 0.05 : 1;
  const effectionN = n / 10;
  const delays = makeDelays(n, span);
  const real = await interleaved(
    {
      floor: () => floorReal(delays),
      yieldio: () => yioReal(delays),
      native: () => nativeReal(delays),
      effection: () => effectionReal(delays.subarray(0, effectionN)),
    },
    { rounds: quick ? 1 : { default: 3, effection: 2 }, warmup: quick ? 0 : 1, clock: 'cpu' },
  );
  const cpuPerTimer = (name, count = n) => (real[name].ms * 1000) / count;
  // min < 0: a sleep ended early (yieldio runs timers due within its 1 ms resolution).
  const lateNote = ({ mean, min, max }) => `late mean ${mean.toFixed(1)}, min ${min.toFixed(2)}, max ${max.toFixed(1)} ms`;
  const rows = [
    row('W5a timers (real)', 'floor', cpuPerTimer('floor'), 'us CPU/timer', { note: `${n} sleeps in [0, ${span}) s; ${lateNote(real.floor.value)}` }),
    row('W5a timers (real)', 'yieldio', cpuPerTimer('yieldio'), 'us CPU/timer', {
      target: [{ maxRatio: 2.2 }, { minRatioOf: 'asyncio', min: 10 }], // #15
      note: lateNote(real.yieldio.value),
    }),
    row('W5a timers (real)', 'native', cpuPerTimer('native'), 'us CPU/timer', { note: lateNote(real.native.value) }),
    row('W5a timers (real)', 'effection', cpuPerTimer('effection', effectionN), 'us CPU/timer', {
      note: `${effectionN} tasks; ${lateNote(real.effection.value)}`,
    }),
  ];
  if (python) {
    const py = runPython(PYTHON_REAL.replace('%N%', n).replace('%SPAN%', span).replace('%ROUNDS%', quick ? 1 : 2));
    rows.push(row('W5a timers (real)', 'asyncio', (py.cpuMs * 1000) / n, 'us CPU/timer', { note: lateNote(py) }));
  }

  // (b)
  const tasks = quick ? 1_000 : 100_000;
  const sleeps = 10;
  const virtualDelays = makeDelays(tasks * sleeps, 1);
  const virtual = await interleaved(
    {
      floor: () => floorVirtual(virtualDelays, tasks, sleeps),
      yieldio: () => yioVirtual(virtualDelays, tasks, sleeps),
    },
    // Runs of seconds each: no warm-up run (the JIT settles within the first one).
    { rounds: quick ? 1 : 3, warmup: 0 },
  );
  const timers = tasks * sleeps;
  rows.push(
    row('W5b timers (virtual)', 'floor', virtual.floor.ms, 'ms wall', { note: `${tasks} tasks x ${sleeps} sleeps = ${timers} timers` }),
    row('W5b timers (virtual)', 'yieldio', virtual.yieldio.ms, 'ms wall', {
      target: [{ maxRatio: 3 }, { minRatioOf: 'asyncio', min: 10 }], // #15
      note: `simulate(); virtual end ${virtual.yieldio.value.toFixed(2)} s`,
    }),
    row('W5b timers (virtual)', 'native', null, '', { note: 'no virtual clock' }),
    row('W5b timers (virtual)', 'effection', null, '', { note: 'no virtual clock' }),
  );
  if (python) {
    const py = runPython(PYTHON_VIRTUAL.replace('%TASKS%', tasks).replace('%SLEEPS%', sleeps).replace('%ROUNDS%', 1));
    rows.push(row('W5b timers (virtual)', 'asyncio', py.ms, 'ms wall', { note: `custom BaseEventLoop, jumping clock; best of 1` }));
  }
  return rows;
}
