/**
 * Queue, ported from CPython's Lib/test/test_asyncio/test_queues.py (QueueBasicTests,
 * QueueGetTests, QueuePutTests, 3.13/3.14), plus what our design adds: no barging
 * (claims and reservations), pinned messages, argument checks, loop binding.
 * Everything runs on the virtual clock; `yield* sleep(0)` is one loop pass.
 */
import {
  CancelledError,
  InvalidStateError,
  TimeoutError,
  createTask,
  getRunningLoop,
  gather,
  newVirtualEventLoop,
  simulate,
  sleep,
  taskGroup,
  waitFor,
  type Coro,
} from '@yieldio/core';
import { Queue, QueueEmpty, QueueFull } from '@yieldio/queues';
import { caught, sim, thrown } from './helpers';

describe('Queue basics', () => {
  test('toString shows maxsize, free items, waiting getters and putters, and unfinished tasks', () => {
    sim(function* () {
      const q = new Queue<number>();
      expect(String(q)).toBe('<Queue maxsize=0 qsize=0>');
      const getter = createTask(q.get());
      yield* sleep(0);
      expect(String(q)).toBe('<Queue maxsize=0 qsize=0 getters=1>');
      q.putNowait(0);
      expect(String(q)).toBe('<Queue maxsize=0 qsize=0 claimed=1 tasks=1>');
      expect(yield* getter).toBe(0);

      const bounded = new Queue<number>(1);
      bounded.putNowait(1);
      const putter = createTask(bounded.put(2));
      yield* sleep(0);
      expect(String(bounded)).toBe('<Queue maxsize=1 qsize=1 putters=1 tasks=1>');
      bounded.getNowait();
      yield* putter;
      expect(String(bounded)).toBe('<Queue maxsize=1 qsize=1 tasks=2>');
      bounded.shutdown();
      expect(String(bounded)).toBe('<Queue maxsize=1 qsize=1 tasks=2 shutdown>');
    });
  });

  test('empty is true until an item is put and again once it is got', () => {
    sim(function* () {
      const q = new Queue<number>();
      expect(q.empty()).toBe(true);
      yield* q.put(1);
      expect(q.empty()).toBe(false);
      expect(yield* q.get()).toBe(1);
      expect(q.empty()).toBe(true);
    });
  });

  test('an unbounded queue is never full; a bounded one is full at maxsize', () => {
    sim(function* () {
      const q = new Queue<number>();
      for (let i = 0; i < 1000; i++) q.putNowait(i);
      expect(q.full()).toBe(false);
      const bounded = new Queue<number>({ maxsize: 1 });
      yield* bounded.put(1);
      expect(bounded.full()).toBe(true);
    });
  });

  test('items come out in the order they were put', () => {
    sim(function* () {
      const q = new Queue<number>();
      for (const i of [1, 3, 2]) yield* q.put(i);
      const items = [yield* q.get(), yield* q.get(), yield* q.get()];
      expect(items).toEqual([1, 3, 2]);
    });
  });

  test('a putter blocks at maxsize and resumes when an item is got', () => {
    sim(function* () {
      const q = new Queue<number>(2);
      expect(q.maxsize).toBe(2);
      const havePut: number[] = [];
      const t = createTask(
        (function* (): Coro<boolean> {
          for (let i = 0; i < 3; i++) {
            yield* q.put(i);
            havePut.push(i);
          }
          return true;
        })(),
      );
      yield* sleep(0);
      yield* sleep(0);
      // The putter is blocked after putting two items.
      expect(havePut).toEqual([0, 1]);
      expect(yield* q.get()).toBe(0);
      // Let the putter resume and put the last item.
      yield* sleep(0);
      expect(havePut).toEqual([0, 1, 2]);
      expect(yield* q.get()).toBe(1);
      expect(yield* q.get()).toBe(2);
      expect(t.done()).toBe(true);
      expect(t.result()).toBe(true);
    });
  });

  test('maxsize is read-only, as asyncio\'s property is', () => {
    const q = new Queue(3);
    expect(() => {
      (q as { maxsize: number }).maxsize = 5;
    }).toThrow(TypeError);
    expect(q.maxsize).toBe(3);
  });
});

describe('Queue constructor', () => {
  test('maxsize may be a number or an options object, and defaults to 0 (unbounded)', () => {
    expect(new Queue().maxsize).toBe(0);
    expect(new Queue(5).maxsize).toBe(5);
    expect(new Queue({ maxsize: 7 }).maxsize).toBe(7);
    expect(new Queue({}).maxsize).toBe(0);
    expect(new Queue(-3).full()).toBe(false);
  });

  test('a non-integer maxsize is a RangeError (asyncio accepts 1.3; we do not guess)', () => {
    expect(() => new Queue(1.5)).toThrow(new RangeError('Queue(): maxsize must be an integer, got 1.5; use 0 (or less) for an unbounded queue'));
    expect(() => new Queue(NaN)).toThrow(new RangeError('Queue(): maxsize must be an integer, got NaN; use 0 (or less) for an unbounded queue'));
    expect(() => new Queue({ maxsize: Infinity })).toThrow(
      new RangeError('Queue(): maxsize must be an integer, got Infinity; use 0 (or less) for an unbounded queue'),
    );
  });

  test('a maxsize that is not a number is a TypeError', () => {
    expect(() => new Queue('5' as unknown as number)).toThrow(new TypeError('Queue(): maxsize must be an integer, got "5" (a string)'));
    expect(() => new Queue(null as unknown as number)).toThrow(new TypeError('Queue(): maxsize must be an integer, got null'));
    expect(() => new Queue({ maxsize: 2n } as unknown as number)).toThrow(new TypeError('Queue(): maxsize must be an integer, got 2n (a bigint)'));
  });

  test('an unknown option is a TypeError that suggests the right spelling', () => {
    expect(() => new Queue({ maxSize: 5 } as never)).toThrow(new TypeError('Queue(): unknown option "maxSize"; did you mean "maxsize"?'));
    expect(() => new Queue({ limit: 5 } as never)).toThrow(new TypeError('Queue(): unknown option "limit"; the options are: maxsize'));
  });
});

describe('Queue.get', () => {
  test('get returns an item that is already there without waiting', () => {
    sim(function* () {
      const q = new Queue<number>();
      q.putNowait(1);
      expect(yield* q.get()).toBe(1);
    });
  });

  test('a get wakes a blocked putter, which then puts its item', () => {
    sim(function* () {
      const q = new Queue<number>(1);
      yield* q.put(1);
      const putter = createTask(q.put(2));
      yield* sleep(0);
      expect(putter.done()).toBe(false);
      expect(yield* q.get()).toBe(1);
      yield* putter;
      expect(q.getNowait()).toBe(2);
    });
  });

  test('a blocked get returns the item put later by a timer callback', () => {
    sim(function* () {
      const loop = getRunningLoop();
      const q = new Queue<number>();
      let finished = false;
      const t = createTask(
        (function* (): Coro<number> {
          const item = yield* q.get();
          finished = true;
          return item;
        })(),
      );
      yield* sleep(0);
      expect(finished).toBe(false);
      loop.callLater(0.01, () => q.putNowait(1));
      expect(yield* t).toBe(1);
      expect(finished).toBe(true);
      expect(loop.time()).toBe(0.01);
    });
  });

  test('getNowait returns an item, or raises QueueEmpty with a message that says how to wait', () => {
    const q = new Queue<number>();
    q.putNowait(1);
    expect(q.getNowait()).toBe(1);
    expect(thrown(() => q.getNowait())).toEqual(
      new QueueEmpty('Queue.getNowait(): the queue is empty; wait for an item with yield* queue.get()'),
    );
    expect(thrown(() => q.getNowait())).toBeInstanceOf(QueueEmpty);
    expect((thrown(() => q.getNowait()) as Error).name).toBe('QueueEmpty');
  });

  test('a getter cancelled while waiting leaves the line, and the next getter gets the item', () => {
    sim(function* () {
      const q = new Queue<string>();
      const t1 = createTask(q.get());
      const t2 = createTask(q.get());
      yield* sleep(0);
      t1.cancel();
      yield* sleep(0);
      expect(t1.cancelled()).toBe(true);
      yield* q.put('a');
      yield* sleep(0);
      expect(yield* t2).toBe('a');
    });
  });

  test('gets take the items of putters that were waiting, in order', () => {
    sim(function* () {
      const q = new Queue<string>(1);
      createTask(q.put('a'));
      createTask(q.put('b'));
      expect(yield* q.get()).toBe('a');
      expect(yield* q.get()).toBe('b');
    });
  });

  test('a producer and a consumer on a queue of one hand over every item', () => {
    sim(function* () {
      const q = new Queue<number>(1);
      const got: number[] = [];
      yield* taskGroup(function* (tg) {
        tg.createTask(
          (function* (): Coro<void> {
            for (let i = 0; i < 5; i++) yield* q.put(i);
          })(),
        );
        tg.createTask(
          (function* (): Coro<void> {
            for (let i = 0; i < 5; i++) got.push(yield* q.get());
          })(),
        );
      });
      expect(got).toEqual([0, 1, 2, 3, 4]);
    });
  });

  test('a get that times out leaves no getter behind', () => {
    sim(function* () {
      const q = new Queue<number>(5);
      expect(yield* caught(waitFor(q.get(), 0.1))).toBeInstanceOf(TimeoutError);
      expect(q._getters.length).toBe(0);
      // The next item goes to the next get, not to a ghost.
      q.putNowait(1);
      expect(q.qsize()).toBe(1);
      expect(yield* q.get()).toBe(1);
    });
  });
});

describe('Queue.put', () => {
  test('put on an unbounded queue never blocks', () => {
    sim(function* () {
      const q = new Queue<number>();
      yield* q.put(1);
      expect(yield* q.get()).toBe(1);
    });
  });

  test('a blocked put resumes when a timer callback gets an item', () => {
    sim(function* () {
      const loop = getRunningLoop();
      const q = new Queue<number>(1);
      let finished = false;
      loop.callLater(0.01, () => q.getNowait());
      const t = createTask(
        (function* (): Coro<void> {
          yield* q.put(1);
          yield* q.put(2);
          finished = true;
        })(),
      );
      yield* sleep(0);
      expect(finished).toBe(false);
      yield* t;
      expect(finished).toBe(true);
      expect(loop.time()).toBe(0.01);
    });
  });

  test('putNowait raises QueueFull on a full queue, with a message that says how to wait', () => {
    const q = new Queue<number>(1);
    q.putNowait(1);
    expect(thrown(() => q.putNowait(2))).toEqual(
      new QueueFull('Queue.putNowait(): the queue is full (maxsize 1); wait for a free slot with yield* queue.put(item)'),
    );
    expect((thrown(() => q.putNowait(2)) as Error).name).toBe('QueueFull');
    expect(q.qsize()).toBe(1);
  });

  test('a cancelled get does not drop the item that was put for it', () => {
    sim(function* () {
      const q = new Queue<number>();
      let reader = createTask(q.get());
      yield* sleep(0);
      q.putNowait(1);
      q.putNowait(2);
      reader.cancel();
      try {
        yield* reader;
      } catch (exc) {
        expect(exc).toBeInstanceOf(CancelledError);
        reader = createTask(q.get());
        yield* reader;
      }
      // If we got 2, 1 was dropped.
      expect(reader.result()).toBe(1);
    });
  });

  test('when one of several woken readers is cancelled, the others get both items', () => {
    sim(function* () {
      const q = new Queue<number>();
      yield* taskGroup(function* (tg) {
        const reader1 = tg.createTask(q.get());
        const reader2 = tg.createTask(q.get());
        const reader3 = tg.createTask(q.get());
        yield* sleep(0);
        q.putNowait(1);
        q.putNowait(2);
        reader1.cancel();
        expect(yield* caught(reader1)).toBeInstanceOf(CancelledError);
        yield* reader3;
        // Our claims keep arrival order: reader2 was woken for 1, reader3 inherits 2.
        expect([reader2.result(), reader3.result()]).toEqual([1, 2]);
      });
    });
  });

  test('a put cancelled after a slot was freed for it does not insert its item', () => {
    sim(function* () {
      const q = new Queue<number>(1);
      q.putNowait(1);
      // Putting a second item has to block (qsize 1).
      let writer = createTask(q.put(2));
      yield* sleep(0);
      expect(q.getNowait()).toBe(1);
      writer.cancel();
      try {
        yield* writer;
      } catch {
        // Try again.
        writer = createTask(q.put(2));
        yield* writer;
      }
      expect(q.getNowait()).toBe(2);
      expect(q.qsize()).toBe(0);
    });
  });

  test('a put into an unbounded queue with a waiting getter completes at once', () => {
    sim(function* () {
      const q = new Queue<number>();
      const t = createTask(
        (function* (): Coro<boolean> {
          yield* q.put(1);
          return true;
        })(),
      );
      expect(yield* q.get()).toBe(1);
      expect(t.done()).toBe(true);
      expect(t.result()).toBe(true);
    });
  });

  test('cancelling one of two waiting putters lets the other put its item', () => {
    sim(function* () {
      const q = new Queue<string>(1);
      const putA = createTask(q.put('a'));
      const putB = createTask(q.put('b'));
      const putC = createTask(q.put('X'));
      yield* sleep(0);
      expect(putA.done()).toBe(true);
      expect(putB.done()).toBe(false);
      putC.cancel();
      yield* sleep(0);
      expect(putC.done()).toBe(true);
      expect(q.getNowait()).toBe('a');
      yield* sleep(0);
      expect(q.getNowait()).toBe('b');
      yield* putB;
      expect(q.empty()).toBe(true);
    });
  });

  test('a get wakes the putter waiting for its slot', () => {
    sim(function* () {
      const q = new Queue<string>();
      const t = createTask(q.get());
      yield* sleep(0);
      yield* q.put('a');
      expect(yield* t).toBe('a');
    });
  });

  test('putters blocked on a full queue all get in as a consumer drains it', () => {
    sim(function* () {
      const q = new Queue<number>(2);
      yield* taskGroup(function* (tg) {
        tg.createTask(
          (function* (): Coro<void> {
            yield* sleep(0);
            const n = q.qsize();
            for (let i = 0; i < n; i++) q.getNowait();
          })(),
        );
        for (let i = 0; i < 4; i++) tg.createTask(q.put(i));
      });
      expect(q.qsize()).toBe(2);
      expect([q.getNowait(), q.getNowait()]).toEqual([2, 3]);
    });
  });

  test('a cancelled put leaves the line of putters', () => {
    sim(function* () {
      const q = new Queue<number>(1);
      q.putNowait(1);
      const putTask = createTask(q.put(1));
      yield* sleep(0);
      expect(q._putters.length).toBe(1);
      putTask.cancel();
      expect(yield* caught(putTask)).toBeInstanceOf(CancelledError);
      expect(q._putters.length).toBe(0);
    });
  });

  test('a putter woken by getNowait and then cancelled raises CancelledError and passes on its slot', () => {
    sim(function* () {
      const q = new Queue<number>(1);
      q.putNowait(1);
      const putTask = createTask(q.put(2));
      yield* sleep(0);
      // getNowait() frees the slot and wakes put_task with a reservation.
      q.getNowait();
      putTask.cancel();
      expect(yield* caught(putTask)).toBeInstanceOf(CancelledError);
      // Its item never went in, and the slot is free for anyone.
      expect(q.qsize()).toBe(0);
      expect(q.full()).toBe(false);
      q.putNowait(3);
      expect(q.getNowait()).toBe(3);
    });
  });
});

describe('Queue fairness: a wake-up is a promise no newcomer can take', () => {
  test('a getNowait cannot take the item promised to a woken getter', () => {
    // Scenario: G waits on an empty queue. A put wakes G with a claim on the item.
    // Before G runs, another task calls getNowait(): in asyncio it would take the item
    // and G would go to the back of the line. Here the item is G's.
    sim(function* () {
      const q = new Queue<string>();
      const g = createTask(q.get());
      yield* sleep(0);
      q.putNowait('a');
      expect(q.empty()).toBe(true);
      expect(q.qsize()).toBe(0);
      expect(thrown(() => q.getNowait())).toEqual(
        new QueueEmpty(
          'Queue.getNowait(): the queue is empty (1 stored item(s) are promised to getters that were woken first); ' +
            'wait for an item with yield* queue.get()',
        ),
      );
      expect(yield* g).toBe('a');
    });
  });

  test('a later get waits behind a woken getter rather than taking its item', () => {
    sim(function* () {
      const q = new Queue<string>();
      const first = createTask(q.get());
      yield* sleep(0);
      q.putNowait('a');
      const second = createTask(q.get());
      yield* sleep(0);
      expect(first.result()).toBe('a');
      expect(second.done()).toBe(false);
      q.putNowait('b');
      expect(yield* second).toBe('b');
    });
  });

  test('getters are served in the order they started waiting', () => {
    sim(function* () {
      const q = new Queue<number>();
      const tasks = [0, 1, 2, 3].map(() => createTask(q.get()));
      yield* sleep(0);
      for (const i of [10, 11, 12, 13]) q.putNowait(i);
      expect(yield* gather(tasks)).toEqual([10, 11, 12, 13]);
    });
  });

  test('a putNowait cannot take the slot reserved for a woken putter', () => {
    // Scenario: P waits on a full queue. A get frees a slot and wakes P with a
    // reservation. Before P runs, another task calls putNowait(): the queue is full
    // for it, and P's item goes in when P runs.
    sim(function* () {
      const q = new Queue<string>(1);
      q.putNowait('a');
      const p = createTask(q.put('b'));
      yield* sleep(0);
      expect(q.getNowait()).toBe('a');
      expect(q.full()).toBe(true);
      expect(q.qsize()).toBe(0);
      expect(thrown(() => q.putNowait('intruder'))).toBeInstanceOf(QueueFull);
      yield* p;
      expect(q.getNowait()).toBe('b');
    });
  });

  test('putters are served in the order they started waiting', () => {
    sim(function* () {
      const q = new Queue<number>(1);
      q.putNowait(0);
      for (const i of [1, 2, 3]) createTask(q.put(i));
      yield* sleep(0);
      const got: number[] = [];
      for (let i = 0; i < 4; i++) got.push(yield* q.get());
      expect(got).toEqual([0, 1, 2, 3]);
    });
  });

  test('a getter woken and then cancelled passes its claim to the next getter in line', () => {
    // Scenario: G1 and G2 wait. A put wakes G1 with a claim. G1 is cancelled before it
    // runs. G2 must get the item; it must not stay blocked behind an item nobody takes.
    sim(function* () {
      const q = new Queue<string>();
      const g1 = createTask(q.get());
      const g2 = createTask(q.get());
      yield* sleep(0);
      q.putNowait('a');
      g1.cancel();
      expect(yield* caught(g1)).toBeInstanceOf(CancelledError);
      expect(yield* g2).toBe('a');
      expect(q.qsize()).toBe(0);
    });
  });

  test('a getter woken and then cancelled with no one behind it leaves the item in the queue', () => {
    sim(function* () {
      const q = new Queue<string>();
      const g = createTask(q.get());
      yield* sleep(0);
      q.putNowait('a');
      q.putNowait('b');
      g.cancel();
      expect(yield* caught(g)).toBeInstanceOf(CancelledError);
      // 'a' kept its place at the front.
      expect(q.qsize()).toBe(2);
      expect([q.getNowait(), q.getNowait()]).toEqual(['a', 'b']);
    });
  });

  test('a putter woken and then cancelled passes its reservation to the next putter in line', () => {
    sim(function* () {
      const q = new Queue<string>(1);
      q.putNowait('a');
      const p1 = createTask(q.put('p1'));
      const p2 = createTask(q.put('p2'));
      yield* sleep(0);
      expect(q.getNowait()).toBe('a');
      p1.cancel();
      expect(yield* caught(p1)).toBeInstanceOf(CancelledError);
      yield* p2;
      expect(q.getNowait()).toBe('p2');
      expect(q.empty()).toBe(true);
    });
  });
});

describe('Queue and the event loop', () => {
  test('a queue made outside any loop works once used inside one', () => {
    const q = new Queue<number>();
    q.putNowait(1);
    expect(simulate((function* () { return yield* q.get(); })())).toBe(1);
  });

  test('a queue that waited on one loop refuses to wait on another', () => {
    const q = new Queue<number>();
    const first = newVirtualEventLoop();
    const t = first.createTask(q.get());
    first.runUntilComplete(sleep(0));
    t.cancel();
    first.runUntilComplete(sleep(0));
    first.close();
    const exc = simulate((function* () { return yield* caught(q.get()); })());
    expect(exc).toEqual(
      new InvalidStateError('Queue.get(): <Queue maxsize=0 qsize=0> is bound to a different event loop (the first one that waited on it); create one primitive per event loop, inside the code that loop runs'),
    );
  });

  test('a blocking get outside a running loop says where to call it from', () => {
    const q = new Queue<number>();
    expect(() => q.get().next()).toThrow(
      new InvalidStateError('Queue.get(): no running event loop; call it from a coroutine run by run(), simulate() or a Task'),
    );
  });
});

describe('get() and put() behave as the generators they replace', () => {
  test('nothing happens until the operation is iterated', () => {
    const q = new Queue<number>(1);
    q.putNowait(1);
    const get = q.get();
    const put = q.put(2);
    expect(q.qsize()).toBe(1);
    expect(get.next()).toEqual({ done: true, value: 1 });
    expect(put.next()).toEqual({ done: true, value: undefined });
    expect(q.getNowait()).toBe(2);
    // Finished operations stay finished.
    expect(get.next()).toEqual({ done: true, value: undefined });
    expect(put.next()).toEqual({ done: true, value: undefined });
  });

  test('return() or dispose of a waiting get leaves the line, as closing a generator would', () => {
    sim(function* () {
      const q = new Queue<number>();
      const get = q.get();
      expect(get.next().done).toBe(false);
      expect(q._getters.length).toBe(1);
      expect(get.return(undefined as never)).toEqual({ done: true, value: undefined });
      expect(q._getters.length).toBe(0);
      const other = q.get();
      other.next();
      other[Symbol.dispose]();
      expect(q._getters.length).toBe(0);
      q.putNowait(1);
      expect(q.qsize()).toBe(1);
    });
  });

  test('throw() into a waiting put leaves the line and rethrows; its item never goes in', () => {
    sim(function* () {
      const q = new Queue<number>(1);
      q.putNowait(1);
      const put = q.put(2);
      expect(put.next().done).toBe(false);
      const boom = new Error('boom');
      expect(thrown(() => put.throw(boom))).toBe(boom);
      expect(q._putters.length).toBe(0);
      q.getNowait();
      expect(q.empty()).toBe(true);
    });
  });

  test('get() and put() are coroutines that createTask accepts', () => {
    sim(function* () {
      const q = new Queue<string>();
      const getter = createTask(q.get(), { name: 'getter' });
      createTask(q.put('x'));
      expect(yield* getter).toBe('x');
    });
  });
});

