/**
 * The loop's timer heap (timer-heap.ts) pops timers earliest first, ties in the order
 * they were scheduled, whatever order they were added in; `init` rebuilds it from a list.
 */
import fc from 'fast-check';
import { TimerHeap } from '../src/timer-heap';
import type { Timer } from '../src/handle';

function timer(when: number, seq: number): Timer {
  return { _when: when, _seq: seq, _scheduled: true, _cancelled: false, _next: undefined, _run() {} };
}

function drain(heap: TimerHeap): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let t = heap.pop(); t !== undefined; t = heap.pop()) out.push([t._when, t._seq]);
  return out;
}

const sorted = (timers: Timer[]): Array<[number, number]> =>
  timers.map((t): [number, number] => [t._when, t._seq]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);

describe('TimerHeap', () => {
  test('pops timers earliest first, ties in scheduling order, for any order of adding', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 200 }), (whens) => {
        const timers = whens.map((w, seq) => timer(w / 4, seq));
        const heap = new TimerHeap();
        for (const t of timers) heap.add(t);
        expect(heap.length).toBe(timers.length);
        expect(heap.peek()?._seq).toBe(sorted(timers)[0]?.[1]);
        expect(drain(heap)).toEqual(sorted(timers));
        expect(heap.length).toBe(0);
        expect(heap.peek()).toBeUndefined();
      }),
      { seed: 20261203 },
    );
  });

  test("peekWhen is the earliest timer's deadline at every pop, runs included, and Infinity when empty", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 200 }), (whens) => {
        const heap = new TimerHeap();
        whens.forEach((w, seq) => heap.add(timer(w / 4, seq)));
        const seen: Array<[number, number | undefined]> = [];
        for (let t = heap.peek(); t !== undefined; t = heap.peek()) {
          seen.push([heap.peekWhen(), t._when]);
          heap.pop();
        }
        expect(seen.every(([packed, own]) => packed === own)).toBe(true);
        expect(seen.length).toBe(whens.length);
        expect(heap.peekWhen()).toBe(Infinity);
      }),
      { seed: 20261203 },
    );
  });

  test('init rebuilds the heap from a list, and adds and pops mix with it', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 150 }), fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 50 }), (first, more) => {
        const heap = new TimerHeap();
        for (let i = 0; i < 10; i++) heap.add(timer(100 + i, 10_000 + i)); // replaced by init
        const timers = first.map((w, seq) => timer(w, seq));
        heap.init(timers);
        expect(heap.toArray()).toHaveLength(timers.length);
        const extra = more.map((w, i) => timer(w, 1000 + i));
        for (const t of extra) heap.add(t);
        expect(drain(heap)).toEqual(sorted([...timers, ...extra]));
      }),
      { seed: 20261203 },
    );
  });

  test('ties pop in scheduling order even when timers are added out of that order', () => {
    // Runs of equal deadlines (see the module note) only ever append a later `_seq`;
    // an earlier one starts a run of its own, and the heap orders the runs' heads.
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 1_000_000 })), { maxLength: 200 }),
        (pairs) => {
          const heap = new TimerHeap();
          const timers = pairs.map(([w, key], i) => timer(w, key * 1000 + i));
          for (const t of timers) heap.add(t);
          expect(drain(heap)).toEqual(sorted(timers));
        },
      ),
      { seed: 20261203 },
    );
  });

  test('thousands of timers on a few deadlines, among thousands of lone ones, pop in order', () => {
    // More distinct deadlines than the tails table has slots: colliding deadlines break
    // their runs, which must not change the order. -0 and 0 are the same deadline.
    const timers: Timer[] = [];
    let seq = 0;
    for (let i = 0; i < 9000; i++) {
      const shared = i % 3 === 0;
      const when = shared ? (i % 7) / 1000 : 1 + i / 7;
      timers.push(timer(i === 3 ? -0 : when, seq++));
    }
    const heap = new TimerHeap();
    for (const t of timers) heap.add(t);
    expect(heap._size).toBeLessThan(timers.length); // the shared deadlines formed runs
    const popped: Timer[] = [];
    for (let t = heap.pop(); t !== undefined; t = heap.pop()) popped.push(t);
    expect(popped.map((t) => [t._when, t._seq])).toEqual(sorted(timers));
    expect(popped.every((t) => t._next === undefined)).toBe(true);
    expect(heap._tails.every((t) => t === undefined)).toBe(true);
  });

  test('adds between pops join only runs still in the heap, as a loop adds and pops them', () => {
    // A timer must not join the run of a timer that already left: it would be lost.
    fc.assert(
      fc.property(fc.array(fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }), { maxLength: 300 }), (ops) => {
        const heap = new TimerHeap();
        const model: Timer[] = [];
        ops.forEach((w, seq) => {
          if (w === undefined) {
            model.sort((a, b) => a._when - b._when || a._seq - b._seq);
            expect(heap.pop()).toBe(model.shift());
          } else {
            const t = timer(w, seq);
            heap.add(t);
            model.push(t);
          }
          expect(heap.length).toBe(model.length);
        });
      }),
      { seed: 20261203 },
    );
  });

  test('clear empties the heap and lets go of its timers', () => {
    const heap = new TimerHeap();
    const timers = [0, 1, 1, 1, 2].map((w, i) => timer(w, i));
    for (const t of timers) heap.add(t);
    heap.clear();
    expect(timers.every((t) => t._next === undefined)).toBe(true);
    expect(heap._tails.every((t) => t === undefined)).toBe(true);
    expect(heap.length).toBe(0);
    expect(heap.pop()).toBeUndefined();
    expect(heap._items.every((t) => t === undefined)).toBe(true);
  });
});
