/**
 * The loop's timer heap (timer-heap.ts) pops timers earliest first, ties in the order
 * they were scheduled, whatever order they were added in; `init` rebuilds it from a list.
 */
import fc from 'fast-check';
import { TimerHeap } from '../src/timer-heap';
import type { Timer } from '../src/handle';

function timer(when: number, seq: number): Timer {
  return { _when: when, _seq: seq, _scheduled: true, _cancelled: false, _run() {} };
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

  test('clear empties the heap and lets go of its timers', () => {
    const heap = new TimerHeap();
    for (let i = 0; i < 5; i++) heap.add(timer(i, i));
    heap.clear();
    expect(heap.length).toBe(0);
    expect(heap.pop()).toBeUndefined();
    expect(heap._items.every((t) => t === undefined)).toBe(true);
  });
});
