/**
 * Test helpers shared by the queue tests.
 */
import { simulate } from '@yieldio/core';
import type { Awaitable, Coro } from '@yieldio/core';

/** Await `aw` and return what it throws; fail the test if it returns instead. */
export function* caught(aw: Awaitable<unknown>): Coro<unknown> {
  let value: unknown;
  try {
    value = yield* aw;
  } catch (exc) {
    return exc;
  }
  throw new Error(`expected the awaitable to throw, but it returned ${String(value)}`);
}

/** Run a test body on the virtual clock (a fresh loop each time). */
export function sim<T>(body: () => Coro<T>): T {
  return simulate(body());
}

/** What `fn()` throws, or a failure if it returns. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (exc) {
    return exc;
  }
  throw new Error('expected the call to throw, but it returned');
}
