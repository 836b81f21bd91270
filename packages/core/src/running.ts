/**
 * Which loop is running, and which is the current one (asyncio `events.py`:
 * `_get_running_loop`, `get_event_loop`, `set_event_loop`).
 *
 * The running loop is the one whose pass is executing right now: set at the start of
 * each pass and restored at its end. Code called by the loop (callbacks, task steps) sees
 * it; code called by Node between passes does not, as code in another thread would not
 * see asyncio's. The current loop is what `setEventLoop` set.
 *
 * Kept apart from loop.ts so that `Future` can find a loop without importing the loop
 * module (which imports `Future`).
 */
import type { EventLoop } from './loop';
import { InvalidStateError } from './errors';

let running: EventLoop | null = null;
let current: EventLoop | null = null;

export function getRunningLoopOrNull(): EventLoop | null {
  return running;
}

export function setRunningLoop(loop: EventLoop | null): void {
  running = loop;
}

/** The loop running this code; throws if none is (asyncio `get_running_loop`). */
export function getRunningLoop(caller = 'getRunningLoop'): EventLoop {
  if (running === null) {
    throw new InvalidStateError(
      `${caller}(): no running event loop; call it from a coroutine run by run(), simulate() or a Task`,
    );
  }
  return running;
}

/**
 * The running loop, else the one set with `setEventLoop`; throws if neither exists.
 * As in asyncio 3.14, it never creates a loop: use `newEventLoop()` or `run()`.
 */
export function getEventLoop(caller = 'getEventLoop'): EventLoop {
  if (running !== null) return running;
  if (current !== null && !current.isClosed()) return current;
  throw new InvalidStateError(
    `${caller}(): there is no current event loop; run this from a coroutine (run(main())), ` +
      'or create a loop first: setEventLoop(newEventLoop())',
  );
}

export function setCurrentLoop(loop: EventLoop | null): void {
  current = loop;
}

