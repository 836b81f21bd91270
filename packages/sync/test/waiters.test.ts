/**
 * WaiterQueue: the FIFO every primitive keeps its waiting futures in. A ring buffer,
 * so these tests push past its first capacity (8) and wrap around before growing.
 */
import { newVirtualEventLoop, type Future } from '@yieldio/core';
import { WaiterQueue } from '../src/waiters';

describe('WaiterQueue', () => {
  const loop = newVirtualEventLoop();
  afterAll(() => loop.close());
  const futures = (n: number): Future<boolean>[] => Array.from({ length: n }, () => loop.createFuture<boolean>());
  // Compared by identity, as indices into `all` (a deep equality of futures walks the loop).
  const contents = (queue: WaiterQueue, all: Future<boolean>[]): number[] =>
    Array.from({ length: queue.length }, (_, i) => all.indexOf(queue.at(i)));
  const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

  test('keeps arrival order across wrap-around and growth', () => {
    const queue = new WaiterQueue();
    const all = futures(30);
    // Wrap the ring first: push 6, take 5 from the head, so the next pushes wrap.
    for (const fut of all.slice(0, 6)) queue.push(fut);
    for (const fut of all.slice(0, 5)) queue.remove(fut);
    for (const fut of all.slice(6)) queue.push(fut);
    expect(queue.length).toBe(25);
    expect(contents(queue, all)).toEqual(range(5, 30));
  });

  test('removes from the middle and the tail, keeping the others in order', () => {
    const queue = new WaiterQueue();
    const all = futures(12);
    for (const fut of all) queue.push(fut);
    queue.remove(all[5]);
    queue.remove(all[11]);
    queue.remove(all[0]);
    expect(contents(queue, all)).toEqual([...range(1, 5), ...range(6, 11)]);
  });

  test('allCancelled is true when empty or when every waiter is cancelled', () => {
    const queue = new WaiterQueue();
    expect(queue.allCancelled()).toBe(true);
    const [a, b] = futures(2);
    queue.push(a);
    queue.push(b);
    a.cancel();
    expect(queue.allCancelled()).toBe(false);
    b.cancel();
    expect(queue.allCancelled()).toBe(true);
  });

  test('removing a future that is not queued is a bug in yieldio, and says so', () => {
    const queue = new WaiterQueue();
    const [a, b] = futures(2);
    queue.push(a);
    expect(() => queue.remove(b)).toThrow(/^yieldio bug: WaiterQueue\.remove\(\): <Future pending> is not in the queue$/);
  });
});
