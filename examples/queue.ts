// queue: producers and consumers around one asyncio-style Queue, with timings.
// Producers each add a random number of random items, pausing at random; consumers
// take items as they come and say how long each item waited in the queue. When the
// producers are done, `join()` waits until every item was marked `taskDone()`, then
// the consumers are cancelled (they would wait forever otherwise).
// Run it: npm run example -- queue
import { createTask, gather, getRunningLoop, sleep, CancelledError, type Coro } from '@yieldio/core';
import { Queue } from '@yieldio/queues';

interface Item {
  id: string;
  queuedAt: number;
}

function* produce(name: number, q: Queue<Item>, random: () => number): Coro<void> {
  const count = 1 + Math.floor(random() * 5);
  for (let i = 0; i < count; i++) {
    yield* sleep(Math.floor(random() * 10) / 100);
    const id = Math.floor(random() * 0x10000).toString(16).padStart(4, '0');
    yield* q.put({ id, queuedAt: getRunningLoop().time() });
    console.log(`Producer ${name} added <${id}> to queue.`);
  }
}

function* consume(name: number, q: Queue<Item>, random: () => number): Coro<void> {
  for (;;) {
    yield* sleep(Math.floor(random() * 10) / 100);
    const item = yield* q.get();
    const waited = getRunningLoop().time() - item.queuedAt;
    console.log(`Consumer ${name} got element <${item.id}> in ${waited.toFixed(2)} seconds.`);
    q.taskDone();
  }
}

export function* main(producers = 5, consumers = 10, random: () => number = Math.random): Coro<void> {
  const loop = getRunningLoop();
  const start = loop.time();
  const q = new Queue<Item>();
  const workers = Array.from({ length: consumers }, (_, n) => createTask(consume(n, q, random)));
  yield* gather(...Array.from({ length: producers }, (_, n) => produce(n, q, random)));
  yield* q.join(); // every item taken and marked done
  for (const w of workers) w.cancel();
  const outcomes = yield* gather(workers, { returnExceptions: true });
  const cancelled = outcomes.filter((o) => o instanceof CancelledError).length;
  console.log(`Program completed in ${(loop.time() - start).toFixed(2)} seconds; ${cancelled} consumers cancelled.`);
}
