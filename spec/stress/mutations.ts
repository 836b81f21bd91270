/**
 * Mutations for the sweep's own check: each switch breaks one library method the way a
 * real bug would, by patching its prototype from the test code (the product has no
 * switch), and returns the function that restores it. The sweep must fail under each:
 * a sweep that passes with a forgotten wake-up in the library proves nothing.
 *
 *   - forgotten wake-up: Queue's insert stores the item but wakes no waiting getter;
 *   - over-counting semaphore: Semaphore.release() gives back two slots for one;
 *   - dropped claim: a getter cancelled after it was woken with a claim keeps it, so
 *     the claimed item is never handed to the next getter.
 */
import { Queue } from '@yieldio/queues';
import { Semaphore } from '@yieldio/sync';

export type Mutation = 'forgotten wake-up' | 'over-counting semaphore' | 'dropped claim';

type Methods = Record<string, (...args: never[]) => unknown>;

function patch(proto: object, name: string, replacement: (original: (...args: never[]) => unknown) => (...args: never[]) => unknown): () => void {
  const methods = proto as Methods;
  const original = methods[name];
  methods[name] = replacement(original);
  return () => {
    methods[name] = original;
  };
}

interface QueueInside {
  _items: { push(item: unknown): void };
  _unfinishedTasks: number;
  _getters: { remove(fut: unknown): void };
}

/** Apply `mutation`; returns the function that undoes it. */
export function mutate(mutation: Mutation): () => void {
  switch (mutation) {
    case 'forgotten wake-up':
      return patch(Queue.prototype, '_insert', () =>
        function (this: QueueInside, item: unknown): void {
          this._items.push(item);
          this._unfinishedTasks++;
        } as (...args: never[]) => unknown,
      );
    case 'over-counting semaphore':
      return patch(Semaphore.prototype, 'release', (original) =>
        function (this: { _value: number }): void {
          this._value++;
          (original as () => void).call(this);
        } as (...args: never[]) => unknown,
      );
    case 'dropped claim':
      return patch(Queue.prototype, '_abandonGetter', () =>
        function (this: QueueInside, getter: { done(): boolean; cancelled(): boolean }): void {
          if (!getter.done() || getter.cancelled()) this._getters.remove(getter);
        } as (...args: never[]) => unknown,
      );
  }
}
