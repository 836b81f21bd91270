/**
 * Test helpers: run a program under `simulate()` over the simulated network, and the
 * small conversions every test needs.
 */
import '@yieldio/sim';
import { simulate } from '@yieldio/core';
import type { Coro, SimulateOptions } from '@yieldio/core';
import type { Server } from '@yieldio/net';

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (data: Uint8Array): string => new TextDecoder().decode(data);

/** The port a server listens on (its first socket). */
export function portOf(server: Server): number {
  const name = server.sockets[0].getsockname();
  if (!Array.isArray(name)) throw new Error(`not an IP server: ${String(name)}`);
  return name[1];
}

/** Run `body()` under simulate(); `options.network` are the simulated network's options. */
export function sim<T>(body: () => Coro<T>, options: SimulateOptions = {}): T {
  return simulate(body(), options);
}

/** What `body` throws (or a marker that it did not), for error assertions. */
export function* thrownBy(body: () => Coro<unknown>): Coro<unknown> {
  try {
    yield* body();
  } catch (exc) {
    return exc;
  }
  return new Error('nothing was thrown');
}
