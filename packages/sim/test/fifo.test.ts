/**
 * Fifo: TCP's queues keep their order and their items through any mix of pushes and
 * shifts, including a queue that never empties and so is compacted as it goes.
 */
import { Fifo } from '../src/fifo';

describe('Fifo', () => {
  it('gives items back in the order they came, and reuses its slots once empty', () => {
    const q = new Fifo<number>();
    for (let round = 0; round < 3; round++) {
      q.push(1);
      q.push(2);
      expect(q.length).toBe(2);
      expect(q.at(0)).toBe(1);
      expect(q.at(1)).toBe(2);
      expect(q.shift()).toBe(1);
      expect(q.shift()).toBe(2);
      expect(q.length).toBe(0);
    }
  });

  it('keeps order across compaction when it never empties (a writer ahead of its window)', () => {
    const q = new Fifo<number>();
    const out: number[] = [];
    let next = 0;
    for (let i = 0; i < 5000; i++) {
      q.push(next++);
      q.push(next++);
      out.push(q.shift());
    }
    expect(q.length).toBe(5000);
    q.replaceHead(-1);
    while (q.length > 0) out.push(q.shift());
    const want = Array.from({ length: next }, (_, i) => i);
    want[5000] = -1;
    expect(out).toEqual(want);
  });

  it('clear() empties it, and it works as new afterwards', () => {
    const q = new Fifo<string>();
    q.push('a');
    q.push('b');
    q.shift();
    q.clear();
    expect(q.length).toBe(0);
    q.push('c');
    expect(q.at(0)).toBe('c');
    expect(q.shift()).toBe('c');
  });
});
