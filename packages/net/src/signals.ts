/**
 * Unix signal handlers on the loop: `loop.addSignalHandler(sig, cb, ...args)` and
 * `loop.removeSignalHandler(sig)` (asyncio `unix_events.py`, `add_signal_handler`).
 *
 * A delivery never runs `cb` where it lands: the Node listener only schedules
 * `cb(...args)` with callSoon, so it runs inside a pass like every other callback, in the
 * context current when the handler was added, and its errors go to the loop's exception
 * handler. One handler per signal and loop; adding again replaces it (asyncio does).
 *
 * When the loop closes, its handlers are removed (asyncio `_UnixSelectorEventLoop.close`):
 * a listener left on `process` would keep catching SIGTERM for a loop that is gone. The
 * first handler of a loop registers that removal with loop-close.ts, the package's one
 * hook on close().
 *
 * Where we differ: signals are names ('SIGUSR2') or numbers; SIGKILL and SIGSTOP are
 * refused with a RangeError (asyncio raises RuntimeError from signal.signal). Not
 * available inside simulate(): the virtual clock has no process to signal.
 */
import { InvalidStateError, copyContext, provideLoopMethods } from '@yieldio/core';
import type { EventLoop } from '@yieldio/core';
import type { Host } from '@yieldio/core';
import { describeValue as describe } from '@yieldio/core';
import { callSoonWithContext, checkLoopOpen } from '@yieldio/core/internal';
import { releaseAtClose } from './loop-close';
import { signalNumbers, watchSignal } from './node-process';

declare module '@yieldio/core' {
  interface EventLoop<H extends Host = Host> {
    /** Call `callback(...args)` through the loop each time the process receives `sig` ('SIGUSR2'). */
    addSignalHandler<A extends unknown[]>(sig: string | number, callback: (...args: A) => unknown, ...args: A): void;
    /** Remove the handler for `sig`; true if there was one. */
    removeSignalHandler(sig: string | number): boolean;
  }
}

const UNCATCHABLE = new Set(['SIGKILL', 'SIGSTOP']);

/** Each loop's handlers: signal name -> the function that stops listening. */
const handlersByLoop = new WeakMap<EventLoop, Map<string, () => void>>();

/** The signal's name, or a TypeError/RangeError naming the call and what it got. */
export function checkSignal(caller: string, sig: unknown): string {
  let name: string | undefined;
  if (typeof sig === 'string') {
    name = Object.hasOwn(signalNumbers, sig) ? sig : undefined;
  } else if (typeof sig === 'number') {
    name = Object.keys(signalNumbers).find((key) => signalNumbers[key] === sig);
  } else {
    throw new TypeError(`${caller}: sig must be a signal name such as 'SIGUSR2' (or its number), got ${describe(sig)}`);
  }
  if (name === undefined) {
    throw new RangeError(`${caller}: ${typeof sig === 'string' ? JSON.stringify(sig) : sig} is not a signal on this platform; use a name such as 'SIGUSR2', 'SIGTERM' or 'SIGHUP'`);
  }
  return name;
}

function checkRealHost(loop: EventLoop, caller: string): void {
  if (loop.host.sealed) {
    throw new InvalidStateError(`${caller}: signals are not available inside simulate(): the virtual clock has no process to signal; run this under run()`);
  }
}

export function addSignalHandler<A extends unknown[]>(this: EventLoop, sig: string | number, callback: (...args: A) => unknown, ...args: A): void {
  const caller = 'addSignalHandler()';
  checkLoopOpen(this, 'addSignalHandler');
  checkRealHost(this, caller);
  const name = checkSignal(caller, sig);
  if (UNCATCHABLE.has(name)) {
    throw new RangeError(`${caller}: ${name} cannot be caught, blocked or ignored; handle SIGTERM or SIGINT instead`);
  }
  if (typeof callback !== 'function') {
    throw new TypeError(`${caller}: callback must be a function, got ${describe(callback)}`);
  }
  if (Object.prototype.toString.call(callback) === '[object GeneratorFunction]') {
    throw new TypeError(`${caller}: got generator function ${callback.name || 'fn'}; a signal handler is a plain callback; start a task from it: () => createTask(${callback.name || 'fn'}())`);
  }
  const context = copyContext();
  const listener = (): void => {
    // A signal can land after close() began; the loop then has nothing to run it on.
    if (!this.isClosed()) callSoonWithContext(this, callback as (...a: never[]) => unknown, args, context);
  };
  let handlers = handlersByLoop.get(this);
  if (handlers === undefined) {
    handlersByLoop.set(this, (handlers = new Map()));
    releaseAtClose(this, () => removeAll(this));
  }
  handlers.get(name)?.();
  handlers.set(name, watchSignal(name, listener));
}

export function removeSignalHandler(this: EventLoop, sig: string | number): boolean {
  checkRealHost(this, 'removeSignalHandler()');
  const name = checkSignal('removeSignalHandler()', sig);
  const handlers = handlersByLoop.get(this);
  const stop = handlers?.get(name);
  if (stop === undefined) return false;
  stop();
  handlers!.delete(name);
  return true;
}

/** Remove every handler of `loop` (at close). */
function removeAll(loop: EventLoop): void {
  const handlers = handlersByLoop.get(loop);
  if (handlers === undefined) return;
  for (const stop of handlers.values()) stop();
  handlersByLoop.delete(loop);
}

provideLoopMethods('@yieldio/net', { addSignalHandler, removeSignalHandler });
