/**
 * `async for item in queue` until shutdown, in core's form (aiter.ts):
 *
 *     const items = aiter(queue);
 *     for (let item; (item = yield* anext(items, DONE)) !== DONE; ) { ... }
 *
 * and a real-clock run, so the queue is shown to work on both hosts.
 */
import { CancelledError, DONE, StopAsyncIteration, aiter, anext, createTask, run, sleep, taskGroup, type Coro } from '@yieldio/core';
import { PriorityQueue, Queue, QueueShutDown } from '@yieldio/queues';
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
