/**
 * ensureFuture(aw): a future for an awaitable (asyncio `tasks.ensure_future`).
 * A future or task is returned as it is; a coroutine is wrapped in a new task.
 * A Promise is refused rather than wrapped: crossing into Promise land is explicit
 * (`wrapPromise`), because a Promise cannot be cancelled and cannot settle inside
 * `simulate()`.
 */
import type { Awaitable } from './coro';
import { Future } from './future';
import type { EventLoop } from './loop';
import { isGenerator } from './repr';
import { getEventLoop } from './running';
import { describeCoroArgument } from './task';
import { checkOptions } from './options';

/** `aw` as a future: a future or a task as it is, a coroutine wrapped in a new task (asyncio `ensure_future`). */
export function ensureFuture<T>(aw: Awaitable<T>, options?: { loop?: EventLoop }): Future<T> {
  checkOptions('ensureFuture()', options, ['loop']);
  return toFuture('ensureFuture', aw, options?.loop);
}

/** ensureFuture with the caller's name (and the argument's position) in its errors. */
export function toFuture<T>(caller: string, aw: Awaitable<T>, loop?: EventLoop, position?: number): Future<T> {
  const where = position === undefined ? '' : ` argument ${position + 1}`;
  if (aw instanceof Future) {
    if (loop !== undefined && aw._loop !== loop) {
      throw new TypeError(`${caller}():${where} ${aw} belongs to another event loop than the one given`);
    }
    return aw;
  }
  if (isGenerator(aw)) {
    return (loop ?? getEventLoop(caller)).createTask(aw);
  }
  throw new TypeError(`${caller}():${where} expected a future, a task or a coroutine, got ${describeCoroArgument(aw, false)}`);
}
