/**
 * shield(): ported from CPython's Lib/test/test_asyncio/test_tasks.py (3.14,
 * test_shield_*), on the virtual clock.
 */
import {
  CancelledError,
  Future,
  InvalidStateError,
  ensureFuture,
  gather,
  newVirtualEventLoop,
  run,
  setEventLoop,
  shield,
  simulate,
  sleep,
  type Coro,
  type EventLoop,
  type ExceptionContext,
  type VirtualHost,
} from '@yieldio/core';
import { MyError, runBriefly, returnValue, recordingLoop, expectNoCallbacks } from './fixtures/helpers';

// ---------------------------------------------------------------------------------
// shield
// ---------------------------------------------------------------------------------

describe('shield()', () => {
  test('the outer future gets the result of the inner one', () => {
    const loop = newVirtualEventLoop();
    const inner = loop.createFuture<number>();
    const outer = shield(inner);
    inner.setResult(42);
    expect(loop.runUntilComplete(outer)).toBe(42);
    loop.close();
  });

  test('the outer future gets the error of the inner one', () => {
    const loop = newVirtualEventLoop();
    const inner = loop.createFuture<number>();
    const outer = shield(inner);
    runBriefly(loop);
    const exc = new MyError('expected');
    inner.setException(exc);
    runBriefly(loop);
    expect(outer.exception()).toBe(exc);
    loop.close();
  });

  test('cancelling the inner future cancels the outer one', () => {
    const loop = newVirtualEventLoop();
    const inner = loop.createFuture<number>();
    const outer = shield(inner);
    runBriefly(loop);
    inner.cancel();
    runBriefly(loop);
    expect(outer.cancelled()).toBe(true);
    loop.close();
  });

  test('cancelling the outer future leaves the inner one running', () => {
    const loop = newVirtualEventLoop();
    const inner = loop.createFuture<number>();
    const outer = shield(inner);
    runBriefly(loop);
    outer.cancel();
    runBriefly(loop);
    expect(outer.cancelled()).toBe(true);
    expect(inner.done()).toBe(false);
    inner.setResult(1);
    runBriefly(loop);
    expect(inner.result()).toBe(1);
    loop.close();
  });

  test('cancelling the outer future removes its callback from the inner one', () => {
    const loop = newVirtualEventLoop();
    const inner = loop.createFuture<number>();
    const outer = shield(inner);
    runBriefly(loop);
    outer.cancel();
    runBriefly(loop);
    expectNoCallbacks(outer); // white-box, as test_shield_cancel_outer
    expectNoCallbacks(inner);
    loop.close();
  });

  test('a result of the inner future after the outer was cancelled is not reported', () => {
    const { loop, reports } = recordingLoop();
    const inner = loop.createFuture<number>();
    const outer = shield(inner);
    runBriefly(loop);
    outer.cancel();
    runBriefly(loop);
    inner.setResult(1);
    runBriefly(loop);
    loop.close();
    expect(reports).toEqual([]);
  });

  test('an error of the inner future after the outer was cancelled is reported once, as never retrieved', () => {
    const { loop, reports } = recordingLoop();
    const inner = loop.createFuture<number>();
    const outer = shield(inner);
    runBriefly(loop);
    outer.cancel();
    runBriefly(loop);
    const exc = new MyError('foo');
    inner.setException(exc);
    runBriefly(loop);
    loop.close();
    expect(reports).toHaveLength(1);
    expect(reports[0].message).toBe('Future exception was never retrieved');
    expect(reports[0].exception).toBe(exc);
  });

  test('two cancelled shields of one future report its error once (test_shield_duplicate_log_once)', () => {
    const { loop, reports } = recordingLoop();
    const inner = loop.createFuture<number>();
    let outer = shield(inner);
    runBriefly(loop);
    outer.cancel();
    runBriefly(loop);
    outer = shield(inner);
    runBriefly(loop);
    outer.cancel();
    runBriefly(loop);
    inner.setException(new MyError('foo'));
    runBriefly(loop);
    loop.close();
    expect(reports).toHaveLength(1);
  });

  test('a future that is done already is returned as it is', () => {
    const loop = newVirtualEventLoop();
    const fut = loop.createFuture<number>();
    fut.setResult(42);
    expect(shield(fut)).toBe(fut);
    expect(loop.runUntilComplete(shield(fut))).toBe(42);
    loop.close();
  });

  test('cancelling the task that awaits a shield does not cancel what it shields (test_shield_effect)', () => {
    const loop = newVirtualEventLoop();
    let proof = 0;
    const waiter = loop.createFuture<void>();
    function* inner(): Coro<void> {
      yield* waiter;
      proof += 1;
    }
    function* outer(): Coro<void> {
      yield* shield(inner());
      proof += 100;
    }
    const f = ensureFuture(outer(), { loop });
    runBriefly(loop);
    f.cancel();
    expect(() => loop.runUntilComplete(f)).toThrow(CancelledError);
    waiter.setResult(undefined);
    runBriefly(loop);
    expect(proof).toBe(1);
    loop.close();
  });

  test('a shielded gather finishes after the shield is cancelled', () => {
    const loop = newVirtualEventLoop();
    const child1 = loop.createFuture<number>();
    const child2 = loop.createFuture<number>();
    const parent = gather(child1, child2);
    const outer = shield(parent);
    runBriefly(loop);
    outer.cancel();
    runBriefly(loop);
    expect(outer.cancelled()).toBe(true);
    child1.setResult(1);
    child2.setResult(2);
    runBriefly(loop);
    expect(parent.result()).toEqual([1, 2]);
    loop.close();
  });

  test('cancelling a gather of shields cancels the shields, not what they shield', () => {
    const loop = newVirtualEventLoop();
    const child1 = loop.createFuture<number>();
    const child2 = loop.createFuture<number>();
    const inner1 = shield(child1);
    const inner2 = shield(child2);
    const parent = gather(inner1, inner2);
    runBriefly(loop);
    parent.cancel();
    runBriefly(loop);
    expect(parent.exception()).toBeInstanceOf(CancelledError);
    expect(inner1.cancelled()).toBe(true);
    expect(inner2.cancelled()).toBe(true);
    expect(child1.cancelled()).toBe(false);
    child1.setResult(1);
    child2.setResult(2);
    runBriefly(loop);
    loop.close();
  });

  test('a coroutine outside any loop is refused, with where to call shield from', () => {
    const inner = returnValue(42);
    expect(() => shield(inner)).toThrow(
      new InvalidStateError(
        'shield(): there is no current event loop; run this from a coroutine (run(main())), or create a loop first: setEventLoop(newEventLoop())',
      ),
    );
  });

  test('a coroutine becomes a task of the running loop', () => {
    const loop = newVirtualEventLoop();
    const outer = loop.runUntilComplete(
      (function* (): Coro<Future<number>> {
        return shield(returnValue(42));
      })(),
    );
    expect(outer.getLoop()).toBe(loop);
    expect(loop.runUntilComplete(outer)).toBe(42);
    loop.close();
  });

  test('a coroutine becomes a task of the loop set with setEventLoop()', () => {
    const loop = newVirtualEventLoop();
    setEventLoop(loop);
    try {
      const outer = shield(returnValue(42));
      expect(outer.getLoop()).toBe(loop);
      expect(loop.runUntilComplete(outer)).toBe(42);
    } finally {
      setEventLoop(null);
      loop.close();
    }
  });

  test('shield() refuses what is not awaitable', () => {
    simulate(
      (function* (): Coro<void> {
        expect(() => shield(5 as unknown as Coro<void>)).toThrow(
          new TypeError('shield(): expected a future, a task or a coroutine, got 5 (a number)'),
        );
        yield* sleep(0);
      })(),
    );
  });
});
