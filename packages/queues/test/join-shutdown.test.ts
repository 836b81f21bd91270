/**
 * taskDone/join and shutdown, ported from CPython's test_queues.py
 * (_QueueJoinTestMixin and _QueueShutdownTestMixin, 3.13/3.14), run against all three
 * queue classes as CPython runs the mixins, plus the cases our API adds (dropped items
 * returned, pinned messages, waking every blocked getter and putter).
 */
import { CancelledError, DONE, InvalidStateError, aiter, anext, createTask, sleep, taskGroup, type Coro } from '@yieldio/core';
import { LifoQueue, PriorityQueue, Queue, QueueEmpty, QueueShutDown } from '@yieldio/queues';
import { caught, sim, thrown } from './helpers';

type AnyQueue = Queue<unknown>;
const classes: Array<[string, new (maxsize?: number) => AnyQueue]> = [
  ['Queue', Queue],
  ['LifoQueue', LifoQueue],
  ['PriorityQueue', PriorityQueue],
];

describe.each(classes)('%s taskDone and join', (name, QueueClass) => {
  test('taskDone with nothing unfinished is an InvalidStateError with a pinned message', () => {
    const q = new QueueClass();
    expect(thrown(() => q.taskDone())).toEqual(
      new InvalidStateError(`${name}.taskDone(): called more times than items were put (none is unfinished); call it once for each item you got`),
    );
  });

  test('join returns once two workers have marked every item done', () => {
    sim(function* () {
      const q = new QueueClass();
      for (let i = 0; i < 100; i++) q.putNowait(i);
      let accumulator = 0;
      let running = true;
      function* worker(): Coro<void> {
        while (running) {
          const item = (yield* q.get()) as number;
          accumulator += item;
          q.taskDone();
        }
      }
      yield* taskGroup(function* (tg) {
        const tasks = [tg.createTask(worker()), tg.createTask(worker())];
        yield* q.join();
        expect(accumulator).toBe((99 * 100) / 2);
        // Stop the workers.
        running = false;
        for (let i = 0; i < tasks.length; i++) q.putNowait(0);
      });
    });
  });

  test('join on a queue with nothing unfinished returns at once, twice', () => {
    sim(function* () {
      const q = new QueueClass();
      yield* q.join();
      yield* q.join();
    });
  });

  test('join waits for taskDone, not for get', () => {
    sim(function* () {
      const q = new QueueClass();
      q.putNowait(1);
      const joiner = createTask(q.join());
      yield* sleep(0);
      q.getNowait();
      yield* sleep(0);
      expect(joiner.done()).toBe(false);
      q.taskDone();
      yield* sleep(0);
      expect(joiner.done()).toBe(true);
    });
  });

  test('a cancelled join leaves no waiter behind, and the others still return', () => {
    sim(function* () {
      const q = new QueueClass();
      q.putNowait(1);
      const cancelled = createTask(q.join());
      const kept = createTask(q.join());
      yield* sleep(0);
      cancelled.cancel();
      expect(yield* caught(cancelled)).toBeInstanceOf(CancelledError);
      expect(q._joiners.length).toBe(1);
      q.getNowait();
      q.taskDone();
      yield* kept;
    });
  });

  test('toString counts the unfinished tasks', () => {
    const q = new QueueClass();
    q.putNowait(1);
    q.putNowait(2);
    q.getNowait();
    expect(String(q)).toBe(`<${name} maxsize=0 qsize=1 tasks=2>`);
  });
});

describe.each(classes)('%s shutdown', (name, QueueClass) => {
  test('toString says the queue is shut down', () => {
    const q = new QueueClass();
    q.shutdown();
    expect(String(q)).toBe(`<${name} maxsize=0 qsize=0 shutdown>`);
    q.shutdown(true);
    expect(String(q)).toBe(`<${name} maxsize=0 qsize=0 shutdown-immediate>`);
  });

  test('shutting down an empty queue wakes a blocked get with QueueShutDown, and put and get raise from then on', () => {
    sim(function* () {
      const q = new QueueClass();
      const getTask = createTask(q.get());
      yield* sleep(0);
      expect(q.shutdown(false)).toEqual([]);
      expect(q.qsize()).toBe(0);
      yield* q.join();
      yield* sleep(0);
      expect(getTask.done()).toBe(true);
      expect(yield* caught(getTask)).toEqual(
        new QueueShutDown(`${name}.get(): the queue is shut down and empty; no more items will come`),
      );
      expect(yield* caught(q.put('data'))).toEqual(
        new QueueShutDown(`${name}.put(): the queue is shut down; no more items can be put`),
      );
      expect(thrown(() => q.putNowait('data'))).toEqual(
        new QueueShutDown(`${name}.putNowait(): the queue is shut down; no more items can be put`),
      );
      expect(yield* caught(q.get())).toBeInstanceOf(QueueShutDown);
      expect(thrown(() => q.getNowait())).toEqual(
        new QueueShutDown(`${name}.getNowait(): the queue is shut down and empty; no more items will come`),
      );
      expect((thrown(() => q.getNowait()) as Error).name).toBe('QueueShutDown');
    });
  });

  test('shutting down a non-empty queue fails a blocked put but lets gets drain it, and join waits for taskDone', () => {
    sim(function* () {
      const q = new QueueClass(1);
      q.putNowait('data');
      const joinTask = createTask(q.join());
      const putTask = createTask(q.put('data2'));
      yield* sleep(0);
      expect(putTask.done()).toBe(false);
      q.shutdown(false);
      expect(q.qsize()).toBe(1);
      yield* sleep(0);
      expect(putTask.done()).toBe(true);
      expect(yield* caught(putTask)).toBeInstanceOf(QueueShutDown);
      // The item put before the shutdown is still there.
      expect(yield* q.get()).toBe('data');
      yield* sleep(0);
      expect(joinTask.done()).toBe(false);
      expect(yield* caught(q.put('data'))).toBeInstanceOf(QueueShutDown);
      expect(thrown(() => q.putNowait('data'))).toBeInstanceOf(QueueShutDown);
      expect(yield* caught(q.get())).toBeInstanceOf(QueueShutDown);
      expect(thrown(() => q.getNowait())).toBeInstanceOf(QueueShutDown);
      q.taskDone();
      yield* sleep(0);
      expect(joinTask.done()).toBe(true);
      yield* joinTask;
      expect(thrown(() => q.taskDone())).toBeInstanceOf(InvalidStateError);
    });
  });

  test('an immediate shutdown drops the queued items, returns them, and releases join', () => {
    sim(function* () {
      const q = new QueueClass();
      q.putNowait(1);
      const joinTask = createTask(q.join());
      expect(q.shutdown(true)).toEqual([1]);
      expect(q.qsize()).toBe(0);
      yield* sleep(0);
      expect(joinTask.done()).toBe(true);
      yield* joinTask;
      expect(yield* caught(q.put('data'))).toBeInstanceOf(QueueShutDown);
      expect(thrown(() => q.putNowait('data'))).toBeInstanceOf(QueueShutDown);
      expect(yield* caught(q.get())).toEqual(
        new QueueShutDown(`${name}.get(): the queue is shut down immediately (its items were dropped); no more items will come`),
      );
      expect(thrown(() => q.getNowait())).toBeInstanceOf(QueueShutDown);
      expect(thrown(() => q.taskDone())).toBeInstanceOf(InvalidStateError);
    });
  });

  test('an immediate shutdown with an item got but not done leaves join waiting for that one', () => {
    sim(function* () {
      const q = new QueueClass();
      q.putNowait('data');
      q.putNowait('data');
      const joinTask = createTask(q.join());
      expect(yield* q.get()).toBe('data');
      expect(q.shutdown(true)).toEqual(['data']);
      expect(q.qsize()).toBe(0);
      yield* sleep(0);
      expect(joinTask.done()).toBe(false);
      expect(yield* caught(q.put('data'))).toBeInstanceOf(QueueShutDown);
      expect(yield* caught(q.get())).toBeInstanceOf(QueueShutDown);
      q.taskDone();
      expect(thrown(() => q.taskDone())).toBeInstanceOf(InvalidStateError);
      yield* sleep(0);
      expect(joinTask.done()).toBe(true);
    });
  });

  test('shutdown wakes every blocked getter and every blocked putter', () => {
    sim(function* () {
      const empty = new QueueClass();
      const getters = [0, 1, 2].map(() => createTask(empty.get()));
      const full = new QueueClass(1);
      full.putNowait(0);
      const putters = [1, 2, 3].map((i) => createTask(full.put(i)));
      yield* sleep(0);
      empty.shutdown();
      full.shutdown(true);
      for (const t of [...getters, ...putters]) expect(yield* caught(t)).toBeInstanceOf(QueueShutDown);
      expect(full._putters.length).toBe(0);
      expect(empty._getters.length).toBe(0);
    });
  });

  test('an immediate shutdown voids the claim of a woken getter that has not run yet; the item is in what it returns', () => {
    sim(function* () {
      const q = new QueueClass();
      const g = createTask(q.get());
      yield* sleep(0);
      q.putNowait('claimed');
      expect(q.shutdown(true)).toEqual(['claimed']);
      expect(yield* caught(g)).toBeInstanceOf(QueueShutDown);
      expect(q.qsize()).toBe(0);
    });
  });

  test('a plain shutdown keeps the claim of a woken getter: it still gets its item', () => {
    sim(function* () {
      const q = new QueueClass();
      const g1 = createTask(q.get());
      const g2 = createTask(q.get());
      yield* sleep(0);
      q.putNowait('claimed');
      q.shutdown();
      expect(yield* g1).toBe('claimed');
      expect(yield* caught(g2)).toBeInstanceOf(QueueShutDown);
    });
  });

  test('a putter woken with a slot before the shutdown raises when it runs, and its item never goes in', () => {
    sim(function* () {
      const q = new QueueClass(1);
      q.putNowait('a');
      const p = createTask(q.put('b'));
      yield* sleep(0);
      q.getNowait();
      q.shutdown();
      expect(yield* caught(p)).toBeInstanceOf(QueueShutDown);
      expect(q.qsize()).toBe(0);
    });
  });

  test('shutdown takes a boolean', () => {
    const q = new QueueClass();
    expect(thrown(() => q.shutdown('now' as unknown as boolean))).toEqual(
      new TypeError(`${name}.shutdown(): immediate must be a boolean, got "now" (a string); pass true to drop the queued items`),
    );
    // Nothing happened.
    q.putNowait(1);
  });

  test('shutdown can be called again; an immediate one after a plain one drops what is left', () => {
    const q = new QueueClass();
    q.putNowait(1);
    q.putNowait(2);
    expect(q.shutdown()).toEqual([]);
    expect(q.shutdown()).toEqual([]);
    expect(q.getNowait()).toBe(name === 'LifoQueue' ? 2 : 1);
    expect(q.shutdown(true)).toEqual([name === 'LifoQueue' ? 1 : 2]);
    expect(q.shutdown(false)).toEqual([]);
    expect(String(q)).toContain('shutdown-immediate');
  });

  test('a getter cancelled after a shutdown woke it leaves quietly', () => {
    sim(function* () {
      const q = new QueueClass();
      const g = createTask(q.get());
      yield* sleep(0);
      q.shutdown();
      g.cancel();
      expect(yield* caught(g)).toBeInstanceOf(CancelledError);
    });
  });
});

describe('shutdown keeps items safe', () => {
  test('a claim given up after a plain shutdown goes to the getter waiting behind it', () => {
    // Scenario: G1 is woken with a claim on 'a'; G2 waits. shutdown() leaves G2 waiting,
    // since 'a' is still in the queue. G1 is cancelled before it runs, releasing 'a',
    // and its claim passes to G2, which takes 'a' instead of raising.
    sim(function* () {
      const q = new Queue<string>();
      const g1 = createTask(q.get());
      const g2 = createTask(q.get());
      yield* sleep(0);
      q.putNowait('a');
      q.shutdown();
      g1.cancel();
      expect(yield* caught(g1)).toBeInstanceOf(CancelledError);
      expect(yield* g2).toBe('a');
    });
  });

  test('a get after a plain shutdown waits while every item left is claimed, and gets one its claimant gives up', () => {
    // Scenario: G1 waits. G2 is created, so it starts in the next pass, before G1 runs.
    // 'a' is put (G1 is woken with a claim on it), the queue is shut down, and G1 is
    // cancelled. G2 runs first and finds 'a' claimed: it waits rather than raise, for
    // 'a' may come back. G1 runs, is cancelled, and its claim passes to G2. asyncio
    // gets the same item out (there G2 takes 'a' at once and G1 would raise).
    sim(function* () {
      const q = new Queue<string>();
      const g1 = createTask(q.get());
      yield* sleep(0);
      const g2 = createTask(q.get());
      q.putNowait('a');
      q.shutdown();
      g1.cancel();
      expect(yield* caught(g1)).toBeInstanceOf(CancelledError);
      expect(yield* g2).toBe('a');
      expect(q._items.length).toBe(0);
      q.taskDone();
      yield* q.join();
    });
  });

  test('getNowait after a plain shutdown with every item claimed is QueueEmpty, not QueueShutDown', () => {
    sim(function* () {
      const q = new Queue<string>();
      const g1 = createTask(q.get());
      yield* sleep(0);
      q.putNowait('a');
      q.shutdown();
      expect(thrown(() => q.getNowait())).toEqual(
        new QueueEmpty(
          'Queue.getNowait(): the queue is empty (1 stored item(s) are promised to getters that were woken first); ' +
            'wait for an item with yield* queue.get()',
        ),
      );
      g1.cancel();
      expect(yield* caught(g1)).toBeInstanceOf(CancelledError);
      expect(q.getNowait()).toBe('a');
      expect(thrown(() => q.getNowait())).toBeInstanceOf(QueueShutDown);
    });
  });

  test('getters waiting on claimed items after a plain shutdown raise once the last item is taken', () => {
    sim(function* () {
      const q = new Queue<string>();
      const g1 = createTask(q.get());
      yield* sleep(0);
      // These start before G1 runs, and wait: 'a' is claimed, not gone. When G1 takes
      // it, the queue is empty and they must be woken to raise (or they wait forever).
      const late = [createTask(q.get()), createTask(q.get())];
      q.putNowait('a');
      q.shutdown();
      expect(yield* g1).toBe('a');
      for (const t of late) {
        expect(yield* caught(t)).toEqual(new QueueShutDown('Queue.get(): the queue is shut down and empty; no more items will come'));
      }
      expect(q._getters.length).toBe(0);
    });
  });

  test('a worker cancelled as shutdown begins leaves no item behind for join', () => {
    // Scenario: worker A waits for an item; worker B is about to start. The producer
    // puts the last item, which wakes A with a claim, and shuts the queue down; A is
    // cancelled before it runs. B starts first and finds the item claimed: it must wait
    // for it rather than end, or the item is never got and join() waits forever.
    sim(function* () {
      const q = new Queue<number>();
      const done: number[] = [];
      function* worker(): Coro<void> {
        const items = aiter(q);
        for (let item; (item = yield* anext(items, DONE)) !== DONE; ) {
          done.push(item);
          q.taskDone();
        }
      }
      const a = createTask(worker());
      yield* sleep(0);
      const b = createTask(worker());
      q.putNowait(7);
      q.shutdown();
      a.cancel();
      yield* q.join();
      expect(done).toEqual([7]);
      expect(yield* caught(a)).toBeInstanceOf(CancelledError);
      yield* b;
    });
  });
});
