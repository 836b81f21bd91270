/**
 * Properties of @yieldio/queues over random programs, with fast-check, on the virtual
 * clock (simulate), with chaos off and on. The seed is fixed and printed in each
 * describe title; a failure names it and the shrunk scenario.
 *
 * A scenario is a queue (FIFO, LIFO or priority; maxsize 0-3), producers that put
 * items (some with putNowait, some under a timeout, with sleeps between), consumers
 * that get items (the same variety) and mark each one done after a sleep, tasks
 * cancelled at random times or right after a put or get (when a getter or putter has
 * just been woken and has not run yet: the race that loses items), joiners, and
 * perhaps a shutdown (plain or immediate) at a random time, and a plain one right after
 * some put (while the getter it woke has not run). At the end (virtual time 60, after
 * every plan has run or blocked) the main task shuts the queue down and drains what is
 * left; so a consumer that ends on QueueShutDown must see an empty queue, or an item
 * could be left for no one (checked apart).
 *
 * Every task logs each queue operation right after it returns, in the same step: the
 * queue changes inside that step, so the log is the exact order in which the queue
 * applied the operations (no other task runs in between). That is what lets a simple
 * sequential model check the order, even with cancellations.
 */
import fc from 'fast-check';
import { getRunningLoop, createTask, gather, simulate, sleep, timeout, type Coro, type Task } from '@yieldio/core';
import { LifoQueue, PriorityQueue, Queue, QueueEmpty, QueueFull, QueueShutDown } from '@yieldio/queues';

const SEED = 20260505;
const RUNS = 200;

type Kind = 'fifo' | 'lifo' | 'priority';
interface Item {
  readonly id: string;
  readonly p: number;
}
/** -1: no pause; 0: sleep(0), one pass; otherwise virtual seconds. */
type Pause = number;

interface PutStep {
  pause: Pause;
  nowait: boolean;
  /** Put under timeout(this), or plainly when null. */
  limit: number | null;
  p: number;
  /** Right after a successful put, cancel this consumer: the window where a woken getter has not run yet. */
  cancelConsumer: number | null;
  /** Right after the put, try getNowait() too: it must not take an item promised to a woken getter. */
  steal: boolean;
  /** Right after a successful put (and the cancellation), shut the queue down: while a getter woken for the item has not run. */
  shutdownAfter: boolean;
}
interface ProducerPlan {
  steps: PutStep[];
  cancelAt: number | null;
}
interface ConsumerPlan {
  gets: number;
  pause: Pause;
  nowait: boolean;
  limit: number | null;
  /** How long it works on an item before taskDone(). */
  work: Pause;
  cancelAt: number | null;
  /** Right after its get number `after`, cancel producer `producer`: a woken putter that has not run yet. */
  cancelProducer: { after: number; producer: number } | null;
  /** Right after each get, try putNowait() of an item of its own: it must not take a slot promised to a woken putter. */
  intrude: boolean;
}
interface Scenario {
  kind: Kind;
  maxsize: number;
  producers: ProducerPlan[];
  consumers: ConsumerPlan[];
  joinAt: number[];
  shutdown: { at: number; immediate: boolean } | null;
}

type LogEntry = { op: 'put'; item: Item } | { op: 'get'; item: Item } | { op: 'drop'; items: Item[] };

interface Outcome {
  log: LogEntry[];
  /** Items whose put raised (cancelled, timed out, full, shut down): never inserted. */
  failedPuts: Item[];
  /** Violations of maxsize seen after any operation. */
  overfull: string[];
  /** A get or getNowait that raised QueueShutDown while items were still stored. */
  endedEarly: string[];
  /** At quiescence (every task idle or blocked): promises left over, or waiters whose wait could end. */
  stuck: string[];
  /** Join checks: at the call, how many zero moments had happened; at return, the time and count. */
  joins: Array<{ zerosBefore: number; immediate: boolean; zerosAfter: number; returnedAt: number; firstZeroAfter: number | undefined }>;
}

/** `arb` one time in `1 + nulls`, null otherwise. */
function rarely<T>(arb: fc.Arbitrary<T>, nulls = 3): fc.Arbitrary<T | null> {
  return fc.oneof({ arbitrary: fc.constant(null), weight: nulls }, { arbitrary: arb, weight: 1 });
}
/** True one time in four. */
const sometimes = fc.integer({ min: 0, max: 3 }).map((n) => n === 0);
const pause = fc.constantFrom<Pause>(-1, -1, 0, 0.5, 1);
const limit = rarely(fc.constantFrom(0.5, 1, 3));
const cancelAt = rarely(fc.constantFrom(0, 0.5, 1, 2.5, 4));

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  kind: fc.constantFrom<Kind>('fifo', 'lifo', 'priority'),
  maxsize: fc.integer({ min: 0, max: 3 }),
  producers: fc.array(
    fc.record({
      steps: fc.array(fc.record({
          pause,
          nowait: sometimes,
          limit,
          p: fc.integer({ min: 0, max: 2 }),
          cancelConsumer: rarely(fc.integer({ min: 0, max: 2 })),
          steal: sometimes,
          shutdownAfter: fc.integer({ min: 0, max: 15 }).map((n) => n === 0),
        }), { maxLength: 8 }),
      cancelAt,
    }),
    { minLength: 1, maxLength: 3 },
  ),
  consumers: fc.array(
    fc.record({
      gets: fc.integer({ min: 0, max: 10 }),
      pause,
      nowait: sometimes,
      limit,
      work: pause,
      cancelAt,
      cancelProducer: rarely(fc.record({ after: fc.integer({ min: 0, max: 4 }), producer: fc.integer({ min: 0, max: 2 }) }), 1),
      intrude: sometimes,
    }),
    { minLength: 1, maxLength: 3 },
  ),
  joinAt: fc.array(fc.constantFrom(0, 0.5, 1, 3), { maxLength: 2 }),
  shutdown: rarely(fc.record({ at: fc.constantFrom(0, 0.5, 1, 2, 5), immediate: fc.boolean() }), 1),
});

function makeQueue(kind: Kind, maxsize: number): Queue<Item> {
  if (kind === 'fifo') return new Queue<Item>(maxsize);
  if (kind === 'lifo') return new LifoQueue<Item>(maxsize);
  // Priority on `p` only: ties must come out in insertion order.
  return new PriorityQueue<Item>(maxsize, (a, b) => a.p - b.p);
}

function* pauseFor(seconds: Pause): Coro<void> {
  if (seconds >= 0) yield* sleep(seconds);
}

/** Run a scenario; return what happened. */
function runScenario(s: Scenario, chaos: boolean, seed: number): Outcome {
  const out: Outcome = { log: [], failedPuts: [], overfull: [], endedEarly: [], stuck: [], joins: [] };
  // The test's own count of unfinished items, and the times it reached 0 (when the
  // queue wakes its joiners).
  let unfinished = 0;
  const zeroTimes: number[] = [];

  simulate(
    (function* (): Coro<void> {
      const loop = getRunningLoop();
      const q = makeQueue(s.kind, s.maxsize);
      const check = (what: string): void => {
        if (s.maxsize > 0 && (q._items.length > s.maxsize || q.qsize() > s.maxsize)) {
          out.overfull.push(`${what}: holds ${q._items.length} (qsize ${q.qsize()}) > maxsize ${s.maxsize}`);
        }
      };
      const logPut = (item: Item): void => {
        out.log.push({ op: 'put', item });
        unfinished++;
        check('put');
      };
      const logGet = (item: Item): void => {
        out.log.push({ op: 'get', item });
        check('get');
      };
      // QueueShutDown from a get means the queue is shut down and empty: not one item
      // left (a claimed one may still come back to a waiting getter).
      const ended = (who: string): void => {
        if (q._items.length > 0) out.endedEarly.push(`${who} raised QueueShutDown with ${q._items.length} item(s) stored`);
      };
      const markDone = (): void => {
        q.taskDone();
        unfinished--;
        if (unfinished === 0) zeroTimes.push(loop.time());
      };
      const shutdownNow = (immediate: boolean): void => {
        const dropped = q.shutdown(immediate);
        if (immediate) {
          out.log.push({ op: 'drop', items: dropped });
          unfinished = Math.max(0, unfinished - dropped.length);
          if (unfinished === 0) zeroTimes.push(loop.time());
        }
      };

      function* producer(plan: ProducerPlan, n: number): Coro<void> {
        for (const [k, step] of plan.steps.entries()) {
          const item: Item = { id: `p${n}.${k}`, p: step.p };
          yield* pauseFor(step.pause);
          try {
            if (step.nowait) q.putNowait(item);
            else if (step.limit === null) yield* q.put(item);
            else yield* timeout(step.limit, function* () {
              yield* q.put(item);
            });
          } catch (exc) {
            out.failedPuts.push(item);
            if (exc instanceof QueueFull) continue;
            if (exc instanceof QueueShutDown) return;
            if ((exc as Error).name === 'TimeoutError') continue;
            throw exc; // CancelledError: the task ends
          }
          logPut(item);
          if (step.cancelConsumer !== null) consumerTasks[step.cancelConsumer]?.cancel();
          if (step.shutdownAfter) shutdownNow(false);
          if (step.steal) {
            try {
              logGet(q.getNowait());
              markDone();
            } catch (exc) {
              if (exc instanceof QueueShutDown) ended(`producer${n}'s getNowait`);
              else if (!(exc instanceof QueueEmpty)) throw exc;
            }
          }
        }
      }

      function* consumer(plan: ConsumerPlan, n: number): Coro<void> {
        for (let k = 0; k < plan.gets; k++) {
          yield* pauseFor(plan.pause);
          let item: Item;
          try {
            if (plan.nowait) item = q.getNowait();
            else if (plan.limit === null) item = yield* q.get();
            else item = yield* timeout(plan.limit, function* () {
              return yield* q.get();
            });
          } catch (exc) {
            if (exc instanceof QueueEmpty) continue;
            if (exc instanceof QueueShutDown) {
              ended(`consumer${n}`);
              return;
            }
            if ((exc as Error).name === 'TimeoutError') continue;
            throw exc;
          }
          logGet(item);
          if (plan.cancelProducer !== null && plan.cancelProducer.after === k) producerTasks[plan.cancelProducer.producer]?.cancel();
          if (plan.intrude) {
            const intruder: Item = { id: `c${n}.${k}`, p: k % 3 };
            try {
              q.putNowait(intruder);
              logPut(intruder);
            } catch (exc) {
              if (!(exc instanceof QueueFull || exc instanceof QueueShutDown)) throw exc;
              out.failedPuts.push(intruder);
            }
          }
          try {
            yield* pauseFor(plan.work);
          } finally {
            markDone();
          }
        }
      }

      function* joiner(at: number): Coro<void> {
        yield* sleep(at);
        const zerosBefore = zeroTimes.length;
        const immediate = unfinished === 0;
        yield* q.join();
        out.joins.push({
          zerosBefore,
          immediate,
          zerosAfter: zeroTimes.length,
          returnedAt: loop.time(),
          firstZeroAfter: zeroTimes[zerosBefore],
        });
      }

      const cancelLater = (task: Task<unknown>, at: number | null): void => {
        if (at !== null) loop.callLater(at, () => task.cancel());
      };
      let producerTasks: Task<unknown>[] = [];
      let consumerTasks: Task<unknown>[] = [];
      const producers = s.producers.map((plan, n) => {
        const t = createTask(producer(plan, n), { name: `producer${n}` });
        cancelLater(t, plan.cancelAt);
        return t;
      });
      const consumers = s.consumers.map((plan, n) => {
        const t = createTask(consumer(plan, n), { name: `consumer${n}` });
        cancelLater(t, plan.cancelAt);
        return t;
      });
      producerTasks = producers;
      consumerTasks = consumers;
      const joiners = s.joinAt.map((at, n) => createTask(joiner(at), { name: `joiner${n}` }));
      if (s.shutdown !== null) {
        const { at, immediate } = s.shutdown;
        loop.callLater(at, () => shutdownNow(immediate));
      }

      // Every plan ends within 60 virtual seconds unless it is blocked; then end the run:
      // the shutdown wakes blocked putters (which fail) and getters (once it is empty).
      yield* sleep(60);
      // Quiescent: no waiter has been woken and not run, so no claim or reservation may
      // remain, and no one may wait for what is there (a lost wake-up).
      const pending = (futs: { toArray(): Array<{ done(): boolean }> }): number => futs.toArray().filter((f) => !f.done()).length;
      if (q._state === 'alive') {
        if (q._claimed !== 0 || q._reserved !== 0) out.stuck.push(`claimed ${q._claimed}, reserved ${q._reserved}`);
        if (pending(q._getters) > 0 && q._items.length > 0) out.stuck.push(`getters wait beside ${q._items.length} item(s)`);
        if (pending(q._putters) > 0 && !q.full()) out.stuck.push('putters wait beside a free slot');
      }
      shutdownNow(false);
      yield* gather([...producers, ...consumers], { returnExceptions: true });
      for (;;) {
        let item: Item;
        try {
          item = q.getNowait();
        } catch (exc) {
          if (exc instanceof QueueShutDown) break;
          throw exc;
        }
        logGet(item);
        markDone();
      }
      // Every item is done now, so every joiner must return.
      yield* gather(joiners);
    })(),
    { chaos, seed },
  );
  return out;
}

/** Replay the log against the sequential model of the queue's discipline; return the first mismatch. */
function modelMismatch(kind: Kind, log: LogEntry[]): string | null {
  const model: Array<Item & { seq: number }> = [];
  let seq = 0;
  const next = (): Item & { seq: number } => {
    let index: number;
    if (kind === 'fifo') index = 0;
    else if (kind === 'lifo') index = model.length - 1;
    else {
      index = 0;
      for (let i = 1; i < model.length; i++) {
        if (model[i].p < model[index].p || (model[i].p === model[index].p && model[i].seq < model[index].seq)) index = i;
      }
    }
    return model.splice(index, 1)[0];
  };
  for (const [i, entry] of log.entries()) {
    if (entry.op === 'put') {
      model.push({ ...entry.item, seq: seq++ });
    } else if (entry.op === 'get') {
      if (model.length === 0) return `#${i}: got ${entry.item.id} from an empty model`;
      const expected = next();
      if (expected.id !== entry.item.id) return `#${i}: got ${entry.item.id}, the model says ${expected.id}`;
    } else {
      const expected: string[] = [];
      while (model.length > 0) expected.push(next().id);
      const got = entry.items.map((item) => item.id);
      if (got.join() !== expected.join()) return `#${i}: dropped [${got}], the model says [${expected}]`;
    }
  }
  return null;
}

const scenarioRuns = fc.tuple(scenarioArb, fc.integer({ min: 0, max: 2 ** 31 - 1 }));

describe.each([false, true])(`queues under simulate (chaos %s, seed ${SEED})`, (chaos) => {
  test('conservation: every item put is got exactly once or dropped by an immediate shutdown; none twice, none invented', () => {
    fc.assert(
      fc.property(scenarioRuns, ([scenario, runSeed]) => {
        const { log, failedPuts } = runScenario(scenario, chaos, runSeed);
        const put = log.flatMap((e) => (e.op === 'put' ? [e.item.id] : []));
        const out = log.flatMap((e) => (e.op === 'get' ? [e.item.id] : e.op === 'drop' ? e.items.map((i) => i.id) : []));
        expect(new Set(put).size).toBe(put.length);
        expect([...out].sort()).toEqual([...put].sort());
        // A put that raised inserted nothing.
        const failed = new Set(failedPuts.map((i) => i.id));
        expect(out.filter((id) => failed.has(id))).toEqual([]);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  test('order: what comes out matches a sequential FIFO, LIFO or stable-priority model', () => {
    fc.assert(
      fc.property(scenarioRuns, ([scenario, runSeed]) => {
        const { log } = runScenario(scenario, chaos, runSeed);
        expect(modelMismatch(scenario.kind, log)).toBeNull();
      }),
      { seed: SEED + 1, numRuns: RUNS },
    );
  });

  test('join returns exactly when every item put has been got and marked done', () => {
    fc.assert(
      fc.property(scenarioRuns, ([scenario, runSeed]) => {
        const { joins } = runScenario(scenario, chaos, runSeed);
        expect(joins).toHaveLength(scenario.joinAt.length);
        for (const j of joins) {
          if (j.immediate) continue; // nothing was unfinished: join returned at once
          // Not before the count reached 0, and in that very moment (the same virtual time).
          expect(j.zerosAfter).toBeGreaterThan(j.zerosBefore);
          expect(j.returnedAt).toBe(j.firstZeroAfter);
        }
      }),
      { seed: SEED + 2, numRuns: RUNS },
    );
  });

  test('get raises QueueShutDown only once the queue is empty', () => {
    fc.assert(
      fc.property(scenarioRuns, ([scenario, runSeed]) => {
        expect(runScenario(scenario, chaos, runSeed).endedEarly).toEqual([]);
      }),
      { seed: SEED + 6, numRuns: RUNS },
    );
  });

  test('a bounded queue never holds more than maxsize items', () => {
    fc.assert(
      fc.property(scenarioRuns, ([scenario, runSeed]) => {
        expect(runScenario(scenario, chaos, runSeed).overfull).toEqual([]);
      }),
      { seed: SEED + 3, numRuns: RUNS },
    );
  });

  test('no wake-up is lost: once every task is idle or blocked, no claim or reservation is left and no one waits in vain', () => {
    fc.assert(
      // Without a shutdown before the end: one resets every promise, hiding a leak.
      fc.property(scenarioRuns, ([scenario, runSeed]) => {
        expect(runScenario({ ...scenario, shutdown: null }, chaos, runSeed).stuck).toEqual([]);
      }),
      { seed: SEED + 5, numRuns: RUNS },
    );
  });
});

describe(`a scenario replays bit for bit (seed ${SEED})`, () => {
  test('the same scenario and seed give the same log under chaos', () => {
    fc.assert(
      fc.property(scenarioRuns, ([scenario, runSeed]) => {
        const a = runScenario(scenario, true, runSeed).log;
        const b = runScenario(scenario, true, runSeed).log;
        expect(JSON.stringify(a)).toBe(JSON.stringify(b));
      }),
      { seed: SEED + 4, numRuns: 30 },
    );
  });
});
