/**
 * LifoQueue and PriorityQueue order (CPython's LifoQueueTests and PriorityQueueTests),
 * PriorityQueue's stability, comparators and Python's default order, and the Deque
 * behind Queue.
 */
import { createTask, sleep } from '@yieldio/core';
import { LifoQueue, PriorityQueue, pythonOrder } from '@yieldio/queues';
import { Deque } from '../src/deque';
import { caught, sim, thrown } from './helpers';

describe('LifoQueue', () => {
  test('items come out last in, first out', () => {
    sim(function* () {
      const q = new LifoQueue<number>();
      for (const i of [1, 3, 2]) yield* q.put(i);
      expect([yield* q.get(), yield* q.get(), yield* q.get()]).toEqual([2, 3, 1]);
    });
  });

  test('a woken getter takes the newest item when it runs, as in asyncio', () => {
    sim(function* () {
      const q = new LifoQueue<string>();
      const g = createTask(q.get());
      yield* sleep(0);
      q.putNowait('a');
      q.putNowait('b');
      expect(yield* g).toBe('b');
      expect(q.getNowait()).toBe('a');
    });
  });

  test('an immediate shutdown returns the dropped items newest first', () => {
    const q = new LifoQueue<number>();
    for (const i of [1, 2, 3]) q.putNowait(i);
    expect(q.shutdown(true)).toEqual([3, 2, 1]);
  });
});

describe('PriorityQueue', () => {
  test('items come out smallest first', () => {
    sim(function* () {
      const q = new PriorityQueue<number>();
      for (const i of [1, 3, 2]) yield* q.put(i);
      expect([yield* q.get(), yield* q.get(), yield* q.get()]).toEqual([1, 2, 3]);
    });
  });

  test('items of equal priority come out in the order they were put', () => {
    const q = new PriorityQueue<{ p: number; name: string }>(0, (a, b) => a.p - b.p);
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
    names.forEach((name, i) => q.putNowait({ p: i % 2, name }));
    const out: string[] = [];
    while (!q.empty()) out.push(q.getNowait().name);
    expect(out).toEqual(['a', 'c', 'e', 'g', 'i', 'b', 'd', 'f', 'h', 'j']);
  });

  test('[priority, data] pairs work as Python tuples, and ties on both keep insertion order', () => {
    const q = new PriorityQueue<[number, string]>();
    q.putNowait([2, 'x']);
    q.putNowait([1, 'b']);
    q.putNowait([1, 'a']);
    q.putNowait([2, 'x']);
    const first = q.getNowait();
    expect(first).toEqual([1, 'a']);
    expect(q.getNowait()).toEqual([1, 'b']);
    const x1 = q.getNowait();
    const x2 = q.getNowait();
    expect([x1, x2]).toEqual([[2, 'x'], [2, 'x']]);
  });

  test('the comparator may come as an argument or in the options, with maxsize', () => {
    const byLength = (a: string, b: string): number => a.length - b.length;
    const q1 = new PriorityQueue<string>(2, byLength);
    const q2 = new PriorityQueue<string>({ maxsize: 2, comparator: byLength });
    for (const q of [q1, q2]) {
      q.putNowait('ccc');
      q.putNowait('a');
      expect(q.full()).toBe(true);
      expect(q.getNowait()).toBe('a');
    }
    expect(new PriorityQueue<string>(0, null).maxsize).toBe(0);
  });

  test('bad constructor arguments are TypeErrors with pinned messages', () => {
    expect(() => new PriorityQueue(0, 'desc' as never)).toThrow(
      new TypeError('PriorityQueue(): comparator must be a function (a, b) => number, got "desc" (a string); omit it for Python\'s order'),
    );
    const cmp = (a: number, b: number): number => a - b;
    expect(() => new PriorityQueue(cmp as never)).toThrow(
      new TypeError('PriorityQueue(): maxsize must be an integer, got function cmp; to pass only a comparator: new PriorityQueue(0, comparator)'),
    );
    expect(() => new PriorityQueue({ comparator: cmp }, cmp)).toThrow(
      new TypeError('PriorityQueue(): the comparator was given twice (in the options and as an argument); pass it once'),
    );
    expect(() => new PriorityQueue({ compare: cmp } as never)).toThrow(
      new TypeError('PriorityQueue(): unknown option "compare"; the options are: maxsize, comparator'),
    );
    expect(() => new PriorityQueue(2.5)).toThrow(RangeError);
  });

  test('a put whose item cannot be ordered throws and inserts nothing', () => {
    const q = new PriorityQueue<unknown>();
    q.putNowait(1);
    q.putNowait(5);
    expect(thrown(() => q.putNowait('x'))).toEqual(
      new TypeError(
        'PriorityQueue: cannot order "x" (a string) and 1 (a number); the default order takes numbers, strings and arrays ' +
          'of them (as Python tuples); for other items pass a comparator, e.g. new PriorityQueue(0, (a, b) => a.priority - b.priority)',
      ),
    );
    expect(q.qsize()).toBe(2);
    expect(String(q)).toBe('<PriorityQueue maxsize=0 qsize=2 tasks=2>');
    expect([q.getNowait(), q.getNowait()]).toEqual([1, 5]);
  });

  test('a put through a full queue whose item is rejected frees its reserved slot for the next putter', () => {
    sim(function* () {
      const q = new PriorityQueue<unknown>(2);
      q.putNowait(1);
      q.putNowait(3);
      const bad = createTask(q.put('bad'));
      const good = createTask(q.put(2));
      yield* sleep(0);
      expect(q.getNowait()).toBe(1);
      expect(yield* caught(bad)).toBeInstanceOf(TypeError);
      // The rejected item's slot went to the next putter.
      yield* sleep(0);
      expect(good.done()).toBe(true);
      expect([q.getNowait(), q.getNowait()]).toEqual([2, 3]);
    });
  });

  test('a comparator that throws while taking leaves every item in the queue', () => {
    let armed = false;
    const q = new PriorityQueue<number>(0, (a, b) => {
      if (armed) throw new Error('comparator broke');
      return a - b;
    });
    for (const i of [5, 1, 4, 2, 3]) q.putNowait(i);
    armed = true;
    expect(thrown(() => q.getNowait())).toEqual(new Error('comparator broke'));
    expect(q.qsize()).toBe(5);
    armed = false;
    const out: number[] = [];
    while (!q.empty()) out.push(q.getNowait());
    expect(out).toEqual([1, 2, 3, 4, 5]);
  });

  test('an immediate shutdown returns the dropped items in priority order', () => {
    const q = new PriorityQueue<number>();
    for (const i of [3, 1, 2]) q.putNowait(i);
    expect(q.shutdown(true)).toEqual([1, 2, 3]);
  });

  test('a woken getter takes the smallest item when it runs, as in asyncio', () => {
    sim(function* () {
      const q = new PriorityQueue<number>();
      const g = createTask(q.get());
      yield* sleep(0);
      q.putNowait(5);
      q.putNowait(1);
      expect(yield* g).toBe(1);
    });
  });
});

describe('pythonOrder (the default PriorityQueue order)', () => {
  test('numbers, bigints and booleans compare by value with each other', () => {
    expect(pythonOrder(1, 2)).toBeLessThan(0);
    expect(pythonOrder(2, 1)).toBeGreaterThan(0);
    expect(pythonOrder(1, 1)).toBe(0);
    expect(pythonOrder(10n, 9.5)).toBeGreaterThan(0);
    expect(pythonOrder(true, 1)).toBe(0);
    expect(pythonOrder(false, 0.5)).toBeLessThan(0);
    expect(pythonOrder(-Infinity, -1e308)).toBeLessThan(0);
  });

  test('strings compare by code point, as Python does, not by UTF-16 unit', () => {
    expect(pythonOrder('a', 'b')).toBeLessThan(0);
    expect(pythonOrder('ab', 'a')).toBeGreaterThan(0);
    expect(pythonOrder('', '')).toBe(0);
    // U+FFFF < U+10000 in Python; JavaScript's < says the opposite.
    expect('\uFFFF' < '\u{10000}').toBe(false);
    expect(pythonOrder('\uFFFF', '\u{10000}')).toBeLessThan(0);
    expect(pythonOrder('\u{10000}', '\uE000')).toBeGreaterThan(0);
    expect(pythonOrder('\u{1F600}', '\u{1F601}')).toBeLessThan(0);
  });

  test('arrays compare as tuples: the first difference decides, and a prefix comes first', () => {
    expect(pythonOrder([1, 'b'], [1, 'c'])).toBeLessThan(0);
    expect(pythonOrder([2], [1, 'z'])).toBeGreaterThan(0);
    expect(pythonOrder([1], [1, 0])).toBeLessThan(0);
    expect(pythonOrder([[1, 2], 3], [[1, 2], 3])).toBe(0);
    // Data after a decisive priority is never looked at, as in Python.
    expect(pythonOrder([1, {}], [2, {}])).toBeLessThan(0);
  });

  test('what Python cannot order is a TypeError, and NaN a RangeError', () => {
    expect(() => pythonOrder(1, 'a')).toThrow(TypeError);
    expect(() => pythonOrder([1, {}], [1, {}])).toThrow(
      new TypeError(
        'PriorityQueue: cannot order an object and an object; the default order takes numbers, strings and arrays of them ' +
          '(as Python tuples); for other items pass a comparator, e.g. new PriorityQueue(0, (a, b) => a.priority - b.priority)',
      ),
    );
    expect(() => pythonOrder(NaN, 1)).toThrow(
      new RangeError('PriorityQueue: cannot order NaN (comparing NaN (a number) with 1 (a number)); use a number, or pass a comparator that places NaN'),
    );
    expect(() => pythonOrder(null, undefined)).toThrow(TypeError);
    expect(() => pythonOrder(NaN, 'a')).toThrow(TypeError);
    expect(() => pythonOrder([NaN], [1])).toThrow(RangeError);
  });
});

describe('Deque', () => {
  test('it pushes, shifts, unshifts and pops across its growth, keeping order', () => {
    const d = new Deque<number>();
    const model: number[] = [];
    for (let i = 0; i < 100; i++) {
      d.push(i);
      model.push(i);
      if (i % 3 === 0) expect(d.shift()).toBe(model.shift());
      if (i % 7 === 0) {
        d.unshift(-i);
        model.unshift(-i);
      }
      if (i % 11 === 0) expect(d.pop()).toBe(model.pop());
    }
    expect(d.length).toBe(model.length);
    expect(d.peek()).toBe(model[0]);
    expect(d.toArray()).toEqual(model);
  });

  test('remove takes out one item from the middle and frees its slot', () => {
    const d = new Deque<string>();
    for (const s of ['a', 'b', 'c', 'd']) d.push(s);
    d.shift();
    d.push('e');
    expect(d.remove('c')).toBe(true);
    expect(d.remove('zzz')).toBe(false);
    expect(d.toArray()).toEqual(['b', 'd', 'e']);
    expect(d._ring.filter((x) => x !== undefined)).toHaveLength(3);
    d.clear();
    expect(d.length).toBe(0);
    expect(d.shift()).toBeUndefined();
    expect(d.pop()).toBeUndefined();
    expect(d.peek()).toBeUndefined();
  });
});
