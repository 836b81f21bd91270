/**
 * `async for item in queue` until shutdown, in core's form (aiter.ts):
 *
 *     const items = aiter(queue);
 *     for (let item; (item = yield* anext(items, DONE)) !== DONE; ) { ... }
 *
 * and programs run on both hosts (the real clock sleeps milliseconds), so the queue is
 * shown to work on either.
 */
import { CancelledError, DONE, StopAsyncIteration, aiter, anext, createTask, gather, run, simulate, sleep, taskGroup, type Coro } from '@yieldio/core';
import { LifoQueue, PriorityQueue, Queue, QueueShutDown } from '@yieldio/queues';
import { caught, sim } from './helpers';

describe('iterating a queue until shutdown', () => {
  test('the loop gets every item, in order, and ends when the queue is shut down and empty', () => {
    sim(function* () {
      const q = new Queue<number>(2);
      const seen: number[] = [];
      yield* taskGroup(function* (tg) {
        tg.createTask(
          (function* (): Coro<void> {
            for (let i = 0; i < 5; i++) yield* q.put(i);
            q.shutdown();
          })(),
        );
        tg.createTask(
          (function* (): Coro<void> {
            const items = aiter(q);
            for (let item; (item = yield* anext(items, DONE)) !== DONE; ) {
              seen.push(item);
              q.taskDone();
            }
          })(),
        );
      });
      expect(seen).toEqual([0, 1, 2, 3, 4]);
      yield* q.join();
    });
  });

  test('break leaves the loop with the rest of the items still queued', () => {
    sim(function* () {
      const q = new Queue<number>();
      for (const i of [1, 2, 3]) q.putNowait(i);
      const items = aiter(q);
      for (let item; (item = yield* anext(items, DONE)) !== DONE; ) {
        if (item === 2) break;
      }
      expect(q.getNowait()).toBe(3);
    });
  });

  test('anext without a default throws StopAsyncIteration, caused by the QueueShutDown', () => {
    sim(function* () {
      const q = new PriorityQueue<number>();
      q.putNowait(2);
      q.putNowait(1);
      q.shutdown();
      const items = q.aiter();
      expect(items.aiter!()).toBe(items);
      expect(yield* anext(items)).toBe(1);
      expect(yield* anext(items)).toBe(2);
      const exc = (yield* caught(anext(items))) as StopAsyncIteration;
      expect(exc).toBeInstanceOf(StopAsyncIteration);
      expect(exc.message).toBe('PriorityQueue.get(): the queue is shut down and empty; no more items will come');
      expect(exc.cause).toBeInstanceOf(QueueShutDown);
    });
  });

  test('a consumer cancelled inside anext loses no item', () => {
    sim(function* () {
      const q = new Queue<string>();
      const consumer = createTask(anext(aiter(q), DONE));
      yield* sleep(0);
      q.putNowait('a');
      consumer.cancel();
      expect(yield* caught(consumer)).toBeInstanceOf(CancelledError);
      expect(q.getNowait()).toBe('a');
    });
  });
});

describe('on the real clock', () => {
  test('a bounded producer and consumer pair hands over every item, with millisecond sleeps', async () => {
    const got = await run(
      (function* (): Coro<number[]> {
        const q = new Queue<number>(2);
        const out: number[] = [];
        yield* taskGroup(function* (tg) {
          tg.createTask(
            (function* (): Coro<void> {
              for (let i = 0; i < 6; i++) {
                yield* q.put(i);
                if (i % 2 === 0) yield* sleep(0.001);
              }
              q.shutdown();
            })(),
          );
          tg.createTask(
            (function* (): Coro<void> {
              const items = aiter(q);
              for (let item; (item = yield* anext(items, DONE)) !== DONE; ) {
                out.push(item);
                yield* sleep(0.001);
              }
            })(),
          );
        });
        return out;
      })(),
    );
    expect(got).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

// The same programs on both hosts, as CPython runs one suite against two implementations.
const hosts: Array<[string, <T>(coro: Coro<T>) => Promise<T>]> = [
  ['the virtual clock', (coro) => Promise.resolve(simulate(coro))],
  ['the real clock', (coro) => run(coro)],
];

describe.each(hosts)('on %s', (_name, runOn) => {
  test('a woken getter cancelled before it runs passes its item to the next getter', async () => {
    const got = await runOn(
      (function* (): Coro<unknown[]> {
        const q = new Queue<string>();
        const g1 = createTask(q.get());
        const g2 = createTask(q.get());
        yield* sleep(0.001);
        q.putNowait('a');
        g1.cancel();
        const exc = yield* caught(g1);
        return [exc instanceof CancelledError, yield* g2, q.qsize()];
      })(),
    );
    expect(got).toEqual([true, 'a', 0]);
  });

  test('join returns once three workers have marked every item done, and shutdown ends them', async () => {
    const done = await runOn(
      (function* (): Coro<number[]> {
        const q = new LifoQueue<number>(3);
        const seen: number[] = [];
        function* worker(): Coro<void> {
          const items = aiter(q);
          for (let item; (item = yield* anext(items, DONE)) !== DONE; ) {
            yield* sleep(0.001);
            seen.push(item);
            q.taskDone();
          }
        }
        const workers = [createTask(worker()), createTask(worker()), createTask(worker())];
        for (let i = 0; i < 12; i++) yield* q.put(i);
        yield* q.join();
        q.shutdown();
        yield* gather(workers);
        return seen.sort((a, b) => a - b);
      })(),
    );
    expect(done).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });
});

