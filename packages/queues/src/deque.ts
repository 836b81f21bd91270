/**
 * Deque: a growable ring buffer, the FIFO store of `Queue` and the waiter lists of
 * every queue (Python's `collections.deque`, the part asyncio uses).
 *
 * `push` and `shift` are O(1) and allocate nothing until the ring is full, when it
 * doubles. A JavaScript array's `shift()` is O(n) once the array is large (V8 moves the
 * elements), which a queue of a million items would feel. `remove` is O(n), as deque's
 * is: it is for a waiter that leaves the middle of the line (a cancelled get or put).
 *
 * Invariant: the items are `ring[(head + i) & mask]` for i in [0, length); every other
 * slot is undefined, so a removed item is not kept alive by the ring.
 */
export class Deque<T> {
  _ring: (T | undefined)[];
  _mask: number;
  _head = 0;
  length = 0;

  constructor(capacity = 8) {
    let size = 8;
    while (size < capacity) size *= 2;
    this._ring = new Array<T | undefined>(size).fill(undefined);
    this._mask = size - 1;
  }

  push(item: T): void {
    if (this.length === this._ring.length) this._grow();
    this._ring[(this._head + this.length) & this._mask] = item;
    this.length++;
  }

  /** Put `item` at the front (it comes out next). */
  unshift(item: T): void {
    if (this.length === this._ring.length) this._grow();
    this._head = (this._head - 1) & this._mask;
    this._ring[this._head] = item;
    this.length++;
  }

  /** Remove and return the front item; undefined if empty. */
  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const head = this._head;
    const item = this._ring[head];
    this._ring[head] = undefined;
    this._head = (head + 1) & this._mask;
    this.length--;
    return item;
  }

  /** Remove and return the back item; undefined if empty. */
  pop(): T | undefined {
    if (this.length === 0) return undefined;
    const index = (this._head + this.length - 1) & this._mask;
    const item = this._ring[index];
    this._ring[index] = undefined;
    this.length--;
    return item;
  }

  /** The front item, not removed; undefined if empty. */
  peek(): T | undefined {
    return this.length === 0 ? undefined : this._ring[this._head];
  }

  /** Remove the first occurrence of `item`; returns whether it was there. */
  remove(item: T): boolean {
    const ring = this._ring;
    const mask = this._mask;
    for (let i = 0; i < this.length; i++) {
      if (ring[(this._head + i) & mask] === item) {
        // Close the gap by moving the items behind it one slot forward.
        for (let j = i; j < this.length - 1; j++) ring[(this._head + j) & mask] = ring[(this._head + j + 1) & mask];
        ring[(this._head + this.length - 1) & mask] = undefined;
        this.length--;
        return true;
      }
    }
    return false;
  }

  clear(): void {
    this._ring.fill(undefined);
    this._head = 0;
    this.length = 0;
  }

  /** The items front to back, as a new array. */
  toArray(): T[] {
    const out = new Array<T>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this._ring[(this._head + i) & this._mask] as T;
    return out;
  }

  _grow(): void {
    const old = this.toArray();
    this._ring = new Array<T | undefined>(old.length * 2).fill(undefined);
    for (let i = 0; i < old.length; i++) this._ring[i] = old[i];
    this._mask = this._ring.length - 1;
    this._head = 0;
  }
}
