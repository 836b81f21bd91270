/**
 * Test helpers shared by the sync tests.
 */
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
