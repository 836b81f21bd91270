/**
 * Finding the network under a loop: `host.network` (core's seam), or a clear error.
 *
 * The real host has Node's network once this package is imported (index.ts installs it).
 * The virtual host has none unless `simulate(main(), { network })` gave it one: opening a
 * socket inside `simulate()` would otherwise wait forever for events that cannot come, so
 * every entry point fails at once and says why.
 */
import { InvalidStateError, NondeterminismError } from '@yieldio/core';
import type { EventLoop, Network } from '@yieldio/core';

export function networkOf(loop: EventLoop, caller: string): Network {
  const network = loop.host.network;
  if (network !== null) return network;
  if (loop.host.sealed) {
    throw new NondeterminismError(
      `${caller}: real I/O is not available inside simulate(): the virtual clock has no network ` +
        'until a simulated one exists; run this under run(), or pass one: simulate(main(), { network })',
    );
  }
  throw new InvalidStateError(`${caller}: this event loop's host has no network; import '@yieldio/net' to install Node's`);
}
