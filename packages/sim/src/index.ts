/**
 * @yieldio/sim: a simulated world of hosts, links and faults inside `simulate()`, and the
 * tools that search it.
 *
 * Importing it installs `makeSimNetwork` as `VirtualHost.networkFactory`, so every
 * `simulate()` run gets a fresh world (network.ts), seeded by the run's seed, under the
 * unchanged `openConnection`/`startServer`/datagram code of @yieldio/net. Read network.ts
 * first, then host.ts, links.ts, tcp.ts, udp.ts and tls.ts.
 *
 * `explore` (explore.ts, shrink.ts) runs a program under many seeds, shrinks the first
 * failing schedule and throws `ScheduleFailure`; the `yieldio-sim sweep` CLI (cli.ts,
 * Node only) spreads seeds over worker threads.
 */
import { VirtualHost, onLoopClose } from '@yieldio/core';
import { SimNetwork, makeSimNetwork } from './network';

VirtualHost.networkFactory = makeSimNetwork;
onLoopClose((loop) => {
  const network = (loop.host as { network?: unknown }).network;
  if (network instanceof SimNetwork) network._release();
});

export { SimNetwork, getNetwork } from './network';
export type { SimEvent, SimEventKind, SimStats, HostSpec, AddHostOptions } from './network';
export { SimHost } from './host';
export type { LinkOptions, SimNetworkOptions } from './options';
export { explore, runSeed, sameFailure, reproOptions } from './explore';
export type { ExploreOptions, ExploreResult, RunOutcome } from './explore';
export { shrinkSchedule } from './shrink';
export type { ShrinkResult, Attempt } from './shrink';
export { ScheduleFailure } from './schedule-failure';
export { LivelockError, NondeterminismError, Schedule, ScheduleDivergedError } from '@yieldio/core';
