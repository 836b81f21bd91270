/**
 * ensureFuture(): ported from CPython's Lib/test/test_asyncio/test_tasks.py (3.14,
 * test_ensure_future_*), on the virtual clock.
 */
import {
  Future,
  InvalidStateError,
  Task,
  ensureFuture,
  newVirtualEventLoop,
  run,
  setEventLoop,
  wrapPromise,
  type Coro,
} from '@yieldio/core';
import { returnValue } from './fixtures/helpers';

// ---------------------------------------------------------------------------------
// ensureFuture
// ---------------------------------------------------------------------------------

describe('ensureFuture()', () => {
  test('a coroutine becomes a task of the loop given, the running loop, or the current loop', () => {
    const loop = newVirtualEventLoop();
    const t = ensureFuture(returnValue('ok'), { loop });
    expect(t).toBeInstanceOf(Task);
    expect(t.getLoop()).toBe(loop);
    expect(loop.runUntilComplete(t)).toBe('ok');

    const inside = loop.runUntilComplete(
      (function* (): Coro<Future<string>> {
        return ensureFuture(returnValue('ok'));
      })(),
    );
    expect(inside.getLoop()).toBe(loop);
    expect(loop.runUntilComplete(inside)).toBe('ok');

    setEventLoop(loop);
    try {
      const current = ensureFuture(returnValue('ok'));
      expect(current.getLoop()).toBe(loop);
      expect(loop.runUntilComplete(current)).toBe('ok');
    } finally {
      setEventLoop(null);
    }
    loop.close();
  });

  test('a coroutine outside any loop is refused, with where to call it from', () => {
    expect(() => ensureFuture(returnValue('ok'))).toThrow(
      new InvalidStateError(
        'ensureFuture(): there is no current event loop; run this from a coroutine (run(main())), or create a loop first: setEventLoop(newEventLoop())',
      ),
    );
  });

  test('a future or a task is returned as it is', () => {
    const loop = newVirtualEventLoop();
    const fOrig = loop.createFuture<string>();
    fOrig.setResult('ko');
    expect(ensureFuture(fOrig)).toBe(fOrig);
    expect(ensureFuture(fOrig, { loop })).toBe(fOrig);
    const tOrig = loop.createTask(returnValue('ok'));
    expect(ensureFuture(tOrig)).toBe(tOrig);
    expect(loop.runUntilComplete(tOrig)).toBe('ok');
    loop.close();
  });

  test('a future of another loop than the one given is refused', () => {
    const loop = newVirtualEventLoop();
    const other = newVirtualEventLoop();
    const f = loop.createFuture();
    expect(() => ensureFuture(f, { loop: other })).toThrow(
      new TypeError('ensureFuture(): <Future pending> belongs to another event loop than the one given'),
    );
    loop.close();
    other.close();
  });

  test('what is not awaitable is refused; a Promise is pointed to wrapPromise()', () => {
    expect(() => ensureFuture('ok' as unknown as Coro<string>)).toThrow(
      new TypeError('ensureFuture(): expected a future, a task or a coroutine, got "ok" (a string)'),
    );
    expect(() => ensureFuture(Promise.resolve(1) as unknown as Coro<number>)).toThrow(
      new TypeError('ensureFuture(): expected a future, a task or a coroutine, got a Promise; wrap it in a future: wrapPromise(promise)'),
    );
  });
});
