/**
 * Loop methods that another package provides: asyncio's `loop.create_connection`,
 * `create_server`, `add_signal_handler`... need Node's sockets and process, which core
 * cannot import (it runs in browsers), so @yieldio/net provides them. This module is the
 * registry between the two.
 *
 * Core knows each such method's name and the package that provides it
 * (`PROVIDED_LOOP_METHODS`), and every loop has the method from the start (loop.ts
 * installs them on `EventLoop` once). Until the package registers its implementation
 * (`provideLoopMethods`, when it is imported), a call says which package to import,
 * instead of JavaScript's "loop.createConnection is not a function". The types come
 * from the providing package, as a module augmentation of `EventLoop`.
 *
 * `onLoopClose(hook)` is the same seam for close(): a package that opens OS resources
 * for a loop (signal listeners, child processes) releases them when the loop closes.
 * Hooks run after close() has closed the loop, in registration order, every one even if
 * one throws (the first error is rethrown after the rest ran).
 *
 * Rejected: each package assigning to `EventLoop.prototype` and wrapping `close` (what
 * net did): the behaviour depended on import order, a second copy of a package wrapped
 * close twice, and nothing told a user which import was missing.
 */
import type { EventLoop } from './loop';
import { describe } from './repr';

/** Each loop method core leaves to another package, and that package (asyncio's loop has them all built in; no asyncio counterpart). */
export const PROVIDED_LOOP_METHODS = {
  createConnection: '@yieldio/net',
  createUnixConnection: '@yieldio/net',
  createServer: '@yieldio/net',
  createUnixServer: '@yieldio/net',
  createDatagramEndpoint: '@yieldio/net',
  getaddrinfo: '@yieldio/net',
  startTls: '@yieldio/net',
  addSignalHandler: '@yieldio/net',
  removeSignalHandler: '@yieldio/net',
} as const;

/** The name of a loop method another package provides (asyncio `AbstractEventLoop`'s socket and signal methods). */
export type ProvidedLoopMethod = keyof typeof PROVIDED_LOOP_METHODS;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type LoopMethod = (this: EventLoop, ...args: any[]) => unknown;

const implementations = new Map<string, LoopMethod>();
const closeHooks: Array<(loop: EventLoop) => void> = [];

/**
 * Give every loop `provider`'s implementations of its methods, from now on. Called once
 * by the providing package when it is imported; registering again replaces them. No
 * asyncio counterpart.
 */
export function provideLoopMethods(provider: string, methods: { [K in ProvidedLoopMethod]?: LoopMethod }): void {
  const caller = 'provideLoopMethods()';
  if (typeof methods !== 'object' || methods === null) {
    throw new TypeError(`${caller}: expected an object of methods, got ${describe(methods)}`);
  }
  for (const [name, fn] of Object.entries(methods)) {
    if (!Object.hasOwn(PROVIDED_LOOP_METHODS, name)) {
      throw new RangeError(
        `${caller}: ${describe(name)} is not a loop method core leaves to another package; it knows ${Object.keys(PROVIDED_LOOP_METHODS).join(', ')}`,
      );
    }
    const owner = PROVIDED_LOOP_METHODS[name as ProvidedLoopMethod];
    if (provider !== owner) {
      throw new RangeError(`${caller}: loop.${name}() is provided by ${owner}, not ${describe(provider)}`);
    }
    if (typeof fn !== 'function') {
      throw new TypeError(`${caller}: loop.${name} must be a function, got ${describe(fn)}`);
    }
  }
  for (const [name, fn] of Object.entries(methods)) implementations.set(name, fn as LoopMethod);
}

/** Call `hook(loop)` each time a loop closes (after it has closed). No asyncio counterpart. */
export function onLoopClose(hook: (loop: EventLoop) => void): void {
  if (typeof hook !== 'function') {
    throw new TypeError(`onLoopClose(): expected a function (loop) => void, got ${describe(hook)}`);
  }
  if (!closeHooks.includes(hook)) closeHooks.push(hook);
}

/** Run the close hooks for `loop` (loop.ts, at the end of close()). */
export function runCloseHooks(loop: EventLoop): void {
  let first: { exc: unknown } | null = null;
  for (const hook of closeHooks) {
    try {
      hook(loop);
    } catch (exc) {
      first ??= { exc };
    }
  }
  if (first !== null) throw first.exc;
}

/** Give `proto` (EventLoop's) a method per entry of the table that calls the registered one. */
export function installProvidedMethods(proto: object): void {
  for (const [name, provider] of Object.entries(PROVIDED_LOOP_METHODS)) {
    // A computed name keeps `loop.createConnection.name` and stack frames readable.
    const method = {
      [name](this: EventLoop, ...args: unknown[]): unknown {
        const impl = implementations.get(name);
        if (impl === undefined) {
          throw new TypeError(
            `loop.${name}(): this method comes from ${provider}, which is not loaded; import 'yieldio' (on Node) or '${provider}' once in your program`,
          );
        }
        return impl.apply(this, args);
      },
    }[name];
    Object.defineProperty(proto, name, { value: method, writable: true, configurable: true, enumerable: false });
  }
}
