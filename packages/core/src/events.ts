/**
 * Creating and finding loops (asyncio `events.py`, 3.14 semantics): `newEventLoop()`
 * makes a loop on the real clock, `newVirtualEventLoop()` one on the virtual clock;
 * `getEventLoop()` returns the running loop, else the one set with `setEventLoop()`, and
 * never creates one (3.14 removed the implicit creation).
 */
import { EventLoop } from './loop';
import { RealHost } from './real-host';
import { describe } from './repr';
import { setCurrentLoop } from './running';
import type { VirtualHostOptions } from './virtual-host';
import { VirtualHost } from './virtual-host';
import { checkOptions } from './options';

export { getEventLoop, getRunningLoop } from './running';

/** A new loop on the real clock (Node's event loop underneath). asyncio `new_event_loop`. */
export function newEventLoop(options?: { debug?: boolean }): EventLoop<RealHost> {
  checkOptions('newEventLoop()', options, ['debug']);
  return new EventLoop(new RealHost(), options);
}

/**
 * A new loop on a virtual clock: synchronous, deterministic (see `simulate`).
 * No asyncio counterpart: `newEventLoop` on a virtual clock.
 */
export function newVirtualEventLoop(options?: VirtualHostOptions & { debug?: boolean }): EventLoop<VirtualHost> {
  return new EventLoop(new VirtualHost(options), { debug: options?.debug });
}

/** Make `loop` the current loop (null clears it). asyncio `set_event_loop`. */
export function setEventLoop(loop: EventLoop | null): void {
  if (loop !== null && !(loop instanceof EventLoop)) {
    throw new TypeError(`setEventLoop(): expected an EventLoop or null, got ${describe(loop)}`);
  }
  setCurrentLoop(loop);
}
