// W3: one producer, one consumer, a queue of maxsize 100, 1,000,000 items; then the
// same through a priority queue. The producer puts until the queue is full and blocks;
// the consumer gets until it is empty and blocks; so this measures put and get on their
// fast path plus one blocked put and one blocked get per ~100 items.
//
// Rows, as ratios to the floor of the same workload and run (see bench/lib.mjs):
//   floor          two generators handing items over through a ring buffer (or, for
//                  the priority workload, a stable heap-js heap of entries) in a minimal
//                  trampoline: no futures, no loop, no cancellation, no join counting
//   yieldio        @yieldio/queues on the real clock (run) and the virtual one (simulate)
//   promise queue  a minimal Promise-based bounded queue, written here
//   asyncio        Python's asyncio.Queue / PriorityQueue, when python3 is present
// The figure is CPU nanoseconds per item (put + get), the best of several runs: CPU
// time, not wall time, because the machine is shared and every row here keeps one core
// busy without waiting on I/O, so CPU time is the figure that other processes disturb
// least (asyncio's is measured the same way, with time.process_time).
import { Heap } from 'heap-js';
import { createTask, gather, run, simulate } from '@yieldio/core';
import { PriorityQueue, Queue } from '@yieldio/queues';
import { bestCpuOf, row, runPython } from './lib.mjs';

const MAXSIZE = 100;

/** The priority of item i: a spread of values with many ties, the same in every row. */
const priorityOf = (i) => (i * 7919) % 1000;

// ---- floor: a ring-buffer hand-off between two generators ----------------------------

/** Two generators and a shared store; `full`/`empty` park a side until the other wakes it. */
function runFloor(items, store) {
  const PARK = Symbol('park');
  const ready = [];
  let producerParked = null;
  let consumerParked = null;
  let sum = 0;
  const producer = {
    gen: (function* () {
      for (let i = 0; i < items; i++) {
        if (store.length >= MAXSIZE) {
          producerParked = producer;
          yield PARK;
        }
        store.push(i);
        if (consumerParked !== null) {
          ready.push(consumerParked);
          consumerParked = null;
        }
      }
    })(),
  };
  const consumer = {
    gen: (function* () {
      for (let i = 0; i < items; i++) {
        if (store.length === 0) {
          consumerParked = consumer;
          yield PARK;
        }
        sum += store.take();
        if (producerParked !== null) {
          ready.push(producerParked);
          producerParked = null;
        }
      }
    })(),
  };
  ready.push(consumer, producer);
  while (ready.length > 0) {
    const fiber = ready.shift();
    fiber.gen.next();
  }
  if (sum !== (items * (items - 1)) / 2) throw new Error(`floor: sum ${sum}`);
}

/** A fixed ring of MAXSIZE slots: the least a FIFO store can be. */
class Ring {
  constructor() {
    this.slots = new Array(MAXSIZE).fill(0);
    this.head = 0;
    this.length = 0;
  }
  push(x) {
    this.slots[(this.head + this.length) % MAXSIZE] = x;
    this.length++;
  }
  take() {
    const x = this.slots[this.head];
    this.head = (this.head + 1) % MAXSIZE;
    this.length--;
    return x;
  }
}

/** heap-js of { p, seq, value } entries, stable on ties: the least a stable priority store can be. */
class EntryHeap {
  constructor() {
    this.heap = new Heap((a, b) => a.p - b.p || a.seq - b.seq);
    this.seq = 0;
  }
  get length() {
    return this.heap.length;
  }
  push(i) {
    this.heap.add({ p: priorityOf(i), seq: this.seq++, value: i });
  }
  take() {
    return this.heap.pop().value;
  }
}

// ---- a minimal promise-based bounded queue ---------------------------------------------

class PromiseQueue {
  constructor(maxsize, store) {
    this.maxsize = maxsize;
    this.items = store;
    this.getters = [];
    this.putters = [];
  }
  async put(item) {
    while (this.items.length >= this.maxsize) await new Promise((resolve) => this.putters.push(resolve));
    this.items.push(item);
    if (this.getters.length > 0) this.getters.shift()();
  }
  async get() {
    while (this.items.length === 0) await new Promise((resolve) => this.getters.push(resolve));
    const item = this.items.take();
    if (this.putters.length > 0) this.putters.shift()();
    return item;
  }
}

async function runPromiseQueue(items, store) {
  const q = new PromiseQueue(MAXSIZE, store);
  let sum = 0;
  const producer = (async () => {
    for (let i = 0; i < items; i++) await q.put(i);
  })();
  const consumer = (async () => {
    for (let i = 0; i < items; i++) sum += await q.get();
  })();
  await Promise.all([producer, consumer]);
  if (sum !== (items * (items - 1)) / 2) throw new Error(`promise queue: sum ${sum}`);
}

// ---- yieldio ---------------------------------------------------------------------------

function* yieldioMain(items, makeQueue) {
  const q = makeQueue();
  let sum = 0;
  function* producer() {
    for (let i = 0; i < items; i++) yield* q.put(i);
  }
  function* producerPriority() {
    for (let i = 0; i < items; i++) yield* q.put([priorityOf(i), i]);
  }
  function* consumer() {
    for (let i = 0; i < items; i++) sum += yield* q.get();
  }
  function* consumerPriority() {
    for (let i = 0; i < items; i++) sum += (yield* q.get())[1];
  }
  const priority = q instanceof PriorityQueue;
  yield* gather([createTask(priority ? consumerPriority() : consumer()), createTask(priority ? producerPriority() : producer())]);
  if (sum !== (items * (items - 1)) / 2) throw new Error(`yieldio: sum ${sum}`);
}

const PYTHON = (items, priority) => `
import asyncio, json, time
async def main():
    q = asyncio.${priority ? 'PriorityQueue' : 'Queue'}(${MAXSIZE})
    total = 0
    async def producer():
        for i in range(${items}):
            await q.put(${priority ? '((i * 7919) % 1000, i)' : 'i'})
    async def consumer():
        nonlocal total
        for _ in range(${items}):
            total += (await q.get())${priority ? '[1]' : ''}
    t0 = time.process_time()
    await asyncio.gather(consumer(), producer())
    took = time.process_time() - t0
    assert total == ${items} * (${items} - 1) // 2
    return took * 1000
print(json.dumps(min(asyncio.run(main()) for _ in range(2))))
`;

export default async function w3({ python, quick }) {
  const items = quick ? 20_000 : 1_000_000;
  const repeat = quick ? 2 : 7;
  const nsPerItem = (ms, n = items) => (ms * 1e6) / n;
  const target = { maxRatio: 4 };
  const rows = [];

  const W = 'W3 queue (maxsize 100)';
  rows.push(
    row(W, 'floor', nsPerItem(await bestCpuOf(() => runFloor(items, new Ring()), { repeat })), 'ns/item'),
    row(W, 'yieldio Queue, run()', nsPerItem(await bestCpuOf(() => run(yieldioMain(items, () => new Queue(MAXSIZE))), { repeat })), 'ns/item', { target }),
    row(W, 'yieldio Queue, simulate()', nsPerItem(await bestCpuOf(() => simulate(yieldioMain(items, () => new Queue(MAXSIZE)), { maxStepsPerInstant: Infinity }), { repeat })), 'ns/item', { target }),
    row(W, 'promise queue', nsPerItem(await bestCpuOf(() => runPromiseQueue(items, new Ring()), { repeat })), 'ns/item'),
  );
  // asyncio is slow enough that a tenth of the items gives a stable per-item figure.
  const pyItems = Math.max(10_000, Math.floor(items / 10));
  if (python) rows.push(row(W, 'asyncio Queue (python3)', nsPerItem(runPython(PYTHON(pyItems, false)), pyItems), 'ns/item'));

  const P = 'W3 priority queue (maxsize 100)';
  rows.push(
    row(P, 'floor', nsPerItem(await bestCpuOf(() => runFloor(items, new EntryHeap()), { repeat })), 'ns/item'),
    row(P, 'yieldio PriorityQueue, run()', nsPerItem(await bestCpuOf(() => run(yieldioMain(items, () => new PriorityQueue(MAXSIZE))), { repeat })), 'ns/item', { target }),
    row(
      P,
      'yieldio PriorityQueue, comparator, run()',
      nsPerItem(await bestCpuOf(() => run(yieldioMain(items, () => new PriorityQueue(MAXSIZE, (a, b) => a[0] - b[0]))), { repeat })),
      'ns/item',
      { target },
    ),
    row(P, 'promise queue (heap)', nsPerItem(await bestCpuOf(() => runPromiseQueue(items, new EntryHeap()), { repeat })), 'ns/item'),
  );
  if (python) rows.push(row(P, 'asyncio PriorityQueue (python3)', nsPerItem(runPython(PYTHON(pyItems, true)), pyItems), 'ns/item'));
  return rows;
}
