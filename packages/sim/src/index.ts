/**
 * @yieldio/sim: a simulated world of hosts, links and faults inside `simulate()`.
 *
 * Importing it installs `makeSimNetwork` as `VirtualHost.networkFactory`, so every
 * `simulate()` run gets a fresh world (network.ts), seeded by the run's seed, under the
 * unchanged `openConnection`/`startServer`/datagram code of @yieldio/net. Read network.ts
 * first, then host.ts, links.ts, tcp.ts, udp.ts and tls.ts.
 */
import { VirtualHost } from '@yieldio/core';
import { makeSimNetwork } from './network';

VirtualHost.networkFactory = makeSimNetwork;

export { SimNetwork, getNetwork } from './network';
export type { SimEvent, SimEventKind, SimStats, HostSpec, AddHostOptions } from './network';
export { SimHost } from './host';
export type { LinkOptions, SimNetworkOptions } from './options';
