/**
 * The same-pass race sweep: for every API that completes a future a task waits on, one
 * callback both completes it and cancels the first of two waiting tasks, in each order.
 * asyncio's rule (and #18's defect 1): what the cancelled waiter would have got goes to
 * the next one, or stays where the next can take it; nothing is lost, and completing an
 * already-cancelled waiter is never attempted (the loop would report InvalidStateError).
 *
 * Each case sets up waiters A and B, lets them block, runs the racing callback, and
 * checks: A ended cancelled, B got what was released, the primitive is consistent
 * afterwards, and the loop reported nothing. With chaos, the seed permutes the callbacks
 * of each pass around the race.
 */
import {
  CancelledError,
  asCompleted,
  createTask,
  gather,
  getRunningLoop,
  shield,
  sleep,
  wait,
  waitFor,
} from '@yieldio/core';
import type { Coro, Task } from '@yieldio/core';
import { Queue } from '@yieldio/queues';
import { Condition, Event, Lock, Semaphore } from '@yieldio/sync';
import { InvariantError, expectThat, watch } from './harness';

export type Order = 'complete, then cancel' | 'cancel, then complete';
export const ORDERS: readonly Order[] = ['complete, then cancel', 'cancel, then complete'];

interface Race<T> {
  /** Run by the sweep's own task before the waiters start (e.g. take the lock they wait for). */
  setup?: () => Coro<void>;
  /** Run by the sweep's own task once both waiters block, before the race. */
  beforeRace?: () => Coro<void>;
  /** Waiter A: the one cancelled in the race. */
  a: () => Coro<unknown>;
  /** Waiter B: must get what is released. */
  b: () => Coro<T>;
  /** The completion: run in the same callback as A's cancellation. */
  complete: () => void;
  /** Checked after both waiters are done: B's result and the primitive's state. */
  after: (bResult: T) => void;
}

function* race<T>(name: string, order: Order, make: () => Race<T>): Coro<void> {
  const loop = getRunningLoop();
  const spec = make();
  if (spec.setup) yield* spec.setup();
  // A blocks a pass before B does, so A is first in any line they join.
  const a: Task<unknown> = createTask(spec.a(), { name: `${name} A` });
  yield* sleep(0);
  const b: Task<T> = createTask(spec.b(), { name: `${name} B` });
  yield* sleep(0);
  yield* sleep(0);
  if (spec.beforeRace) yield* spec.beforeRace();
  const fired = loop.createFuture<void>();
  loop.callSoon(() => {
    if (order === 'complete, then cancel') {
      spec.complete();
      a.cancel();
    } else {
      a.cancel();
      spec.complete();
    }
    fired.setResult(undefined);
  });
  yield* fired;
  const [aOutcome] = yield* gather([a], { returnExceptions: true });
  expectThat(aOutcome instanceof CancelledError || a.cancelled(), () => `${name} (${order}): A was not cancelled: ${String(aOutcome)}`);
  const bResult = yield* waitFor(b, 10);
  spec.after(bResult);
}

/** Every case, by name: each takes the order of the race. */
export const cases: Record<string, (order: Order) => Coro<void>> = {
  'Queue.get': (order) =>
    race('Queue.get', order, () => {
      const queue = new Queue<number>();
      return {
        a: () => queue.get(),
        b: () => queue.get(),
        complete: () => queue.putNowait(1),
        after: (item) => expectThat(item === 1 && queue.qsize() === 0, () => `Queue.get (${order}): B got ${item}, ${queue}`),
      };
    }),
  'Queue.put': (order) =>
    race('Queue.put', order, () => {
      const queue = new Queue<string>(1);
      queue.putNowait('first');
      return {
        a: () => queue.put('a'),
        b: () => queue.put('b'),
        complete: () => void queue.getNowait(),
        after: () => expectThat(queue.qsize() === 1 && queue.getNowait() === 'b', () => `Queue.put (${order}): ${queue}`),
      };
    }),
  'Queue.join': (order) =>
    race('Queue.join', order, () => {
      const queue = new Queue<number>();
      queue.putNowait(1);
      queue.getNowait();
      return {
        a: () => queue.join(),
        b: () => queue.join(),
        complete: () => queue.taskDone(),
        after: () => expectThat((queue as unknown as { _joiners: unknown[] })._joiners.length === 0, () => `Queue.join (${order}): joiners left behind: ${queue}`),
      };
    }),
  'Lock.acquire': (order) =>
    race('Lock.acquire', order, () => {
      const lock = new Lock();
      return {
        setup: function* () {
          yield* lock.acquire();
        },
        a: () => lock.acquire(),
        b: () => lock.acquire(),
        complete: () => lock.release(),
        after: () => {
          expectThat(lock.locked(), () => `Lock.acquire (${order}): B returned without the lock`);
          lock.release();
          expectThat(!lock.locked(), () => `Lock.acquire (${order}): the lock stays held after B released it`);
        },
      };
    }),
  'Semaphore.acquire': (order) =>
    race('Semaphore.acquire', order, () => {
      const semaphore = new Semaphore(1);
      return {
        setup: function* () {
          yield* semaphore.acquire();
        },
        a: () => semaphore.acquire(),
        b: () => semaphore.acquire(),
        complete: () => semaphore.release(),
        after: () => {
          semaphore.release();
          const value = (semaphore as unknown as { _value: number })._value;
          expectThat(value === 1, () => `Semaphore.acquire (${order}): count ${value} after B released, expected 1`);
        },
      };
    }),
  'Event.wait': (order) =>
    race('Event.wait', order, () => {
      const event = new Event();
      return {
        a: () => event.wait(),
        b: () => event.wait(),
        complete: () => event.set(),
        after: (woke) => expectThat(woke === true, () => `Event.wait (${order}): B returned ${String(woke)}`),
      };
    }),
  'Condition.wait': (order) =>
    race('Condition.wait', order, () => {
      const condition = new Condition();
      function* waiter(): Coro<boolean> {
        yield* condition.acquire();
        try {
          return yield* condition.wait();
        } finally {
          condition.release();
        }
      }
      return {
        a: waiter,
        b: waiter,
        // The sweep's task holds the lock at the race, as notify() requires.
        beforeRace: function* () {
          yield* condition.acquire();
        },
        complete: () => {
          condition.notify(1);
          condition.release();
        },
        after: (woke) => expectThat(woke === true && !condition.locked(), () => `Condition.wait (${order}): B returned ${String(woke)}, lock ${condition.locked() ? 'held' : 'free'}`),
      };
    }),
  'asCompleted next': (order) =>
    race('asCompleted next', order, () => {
      const loop = getRunningLoop();
      const f1 = loop.createFuture<string>();
      const f2 = loop.createFuture<string>();
      const it = asCompleted([f1, f2]);
      const first = it.next().value!;
      const second = it.next().value!;
      return {
        a: () => first,
        b: () => second,
        complete: () => f1.setResult('f1'),
        after: (value) => expectThat(value === 'f1', () => `asCompleted next (${order}): B got ${value}`),
      };
    }),
  // waitFor and gather cancel what they wait on when cancelled (as asyncio's), so each
  // waiter has its own future, and the completion skips one already cancelled.
  waitFor: (order) =>
    race('waitFor', order, () => {
      const loop = getRunningLoop();
      const fa = loop.createFuture<number>();
      const fb = loop.createFuture<number>();
      return {
        a: () => waitFor(fa, 10),
        b: () => waitFor(fb, 10),
        complete: () => {
          if (!fa.done()) fa.setResult(1);
          fb.setResult(1);
        },
        after: (value) => expectThat(value === 1 && (fa.cancelled() || fa.result() === 1), () => `waitFor (${order}): B got ${value}, A's future ${fa}`),
      };
    }),
  wait: (order) =>
    race('wait', order, () => {
      const fut = getRunningLoop().createFuture<number>();
      return {
        a: () => wait([fut]),
        b: () => wait([fut]),
        complete: () => fut.setResult(1),
        after: ([done]) => expectThat(done.has(fut), () => `wait (${order}): B's done set lacks the future`),
      };
    }),
  shield: (order) =>
    race('shield', order, () => {
      const fut = getRunningLoop().createFuture<number>();
      const inner = createTask(
        (function* () {
          return (yield* fut) * 2;
        })(),
      );
      return {
        a: function* () {
          return yield* shield(inner);
        },
        b: function* () {
          return yield* inner;
        },
        complete: () => fut.setResult(21),
        after: (value) => expectThat(value === 42 && !inner.cancelled(), () => `shield (${order}): B got ${value}, inner ${inner}`),
      };
    }),
  gather: (order) =>
    race('gather', order, () => {
      const loop = getRunningLoop();
      const fa = loop.createFuture<number>();
      const fb = loop.createFuture<number>();
      return {
        a: function* () {
          return yield* gather([fa]);
        },
        b: function* () {
          return yield* gather([fb]);
        },
        complete: () => {
          if (!fa.done()) fa.setResult(1);
          fb.setResult(1);
        },
        after: (values) => expectThat(values[0] === 1 && (fa.cancelled() || fa.result() === 1), () => `gather (${order}): B got ${String(values)}, A's future ${fa}`),
      };
    }),
};

export function* main(): Coro<void> {
  const loop = getRunningLoop();
  const reports: string[] = [];
  loop.setExceptionHandler((_loop, context) => void reports.push(`${context.message}: ${String(context.exception)}`));
  watch(() => expectThat(reports.length === 0, () => `the loop reported: ${reports.join('; ')}`));
  for (const [name, run] of Object.entries(cases)) {
    for (const order of ORDERS) {
      try {
        yield* run(order);
      } catch (exc) {
        if (exc instanceof InvariantError) throw exc;
        throw new InvariantError(`${name} (${order}): ${String(exc)}`);
      }
      expectThat(reports.length === 0, () => `${name} (${order}): the loop reported: ${reports.join('; ')}`);
    }
  }
}

export default (): Coro<void> => main();
