/**
 * Name resolution: `loop.getaddrinfo` (asyncio `BaseEventLoop.getaddrinfo`, which runs
 * `socket.getaddrinfo` in a thread) over the seam's `lookup`, and the resolver the
 * connect and listen calls share.
 *
 * `getaddrinfo(host, port, { family, type, proto, flags })` returns Python's 5-tuples
 * `[family, type, proto, canonname, sockaddr]`. As Python's does, it lists each address
 * once per socket type (stream, datagram, raw) unless `type` narrows it.
 *
 * IP literals skip the lookup (asyncio's `_ipaddr_info` does the same), so connecting to
 * 127.0.0.1 costs no trip through Node's resolver thread pool. A host of null means the
 * loopback addresses for a client and every interface (AI_PASSIVE) for a server.
 * Cancelling a lookup drops its answer; Node cannot stop one in flight.
 */
import { getRunningLoop } from '@yieldio/core';
import type { Coro, EventLoop, Network, ResolvedAddress } from '@yieldio/core';
import { checkHost, checkPort, ipFamily, toSockAddr } from './addresses';
import type { SockAddr } from './addresses';
import { GaiError, OSError, fromNodeError } from './errors';
import { networkOf } from './network-access';
import { checkOptions } from './options';
import { AF_INET, AF_INET6, AF_UNIX, SOCK_DGRAM, SOCK_RAW, SOCK_STREAM } from './socket-transport';
import { describeValue as describe } from '@yieldio/core';

/** Any address family (Python `socket.AF_UNSPEC`). */
export const AF_UNSPEC = 0;
/** `getaddrinfo` flag: addresses to bind to, not connect to (Python `socket.AI_PASSIVE`). */
export const AI_PASSIVE = 1;
/** `getaddrinfo` flag: return the canonical name (Python `socket.AI_CANONNAME`). */
export const AI_CANONNAME = 2;
/** `getaddrinfo` flag: the host is a numeric address, do no lookup (Python `socket.AI_NUMERICHOST`). */
export const AI_NUMERICHOST = 4;
/** TCP (Python `socket.IPPROTO_TCP`). */
export const IPPROTO_TCP = 6;
/** UDP (Python `socket.IPPROTO_UDP`). */
export const IPPROTO_UDP = 17;

/** One answer: `[family, type, proto, canonname, sockaddr]`, as Python's socket.getaddrinfo. */
export type AddrInfo = readonly [family: number, type: number, proto: number, canonname: string, sockaddr: SockAddr];

/** Options of `getaddrinfo()` (asyncio `loop.getaddrinfo(host, port, *, family=0, type=0, proto=0, flags=0)`). */
export interface GetaddrinfoOptions {
  family?: number;
  type?: number;
  proto?: number;
  flags?: number;
}

/** The seam's family for an AF_* number (0: any). */
export function familyOf(caller: string, family: unknown): 'IPv4' | 'IPv6' | null {
  if (family === undefined || family === null || family === AF_UNSPEC) return null;
  if (family === AF_INET) return 'IPv4';
  if (family === AF_INET6) return 'IPv6';
  if (family === AF_UNIX) throw new RangeError(`${caller}: family AF_UNIX needs a path; use the Unix variant of this call`);
  throw new RangeError(`${caller}: family must be AF_UNSPEC (0), AF_INET (${AF_INET}) or AF_INET6 (${AF_INET6}), got ${describe(family)}`);
}

/**
 * Resolve `host` to numeric addresses, in the resolver's order. `passive`: a null host
 * means every interface (a server), not loopback (a client).
 */
export function* resolveHost(
  loop: EventLoop,
  network: Network,
  caller: string,
  host: string | null,
  family: 'IPv4' | 'IPv6' | null,
  passive: boolean,
): Coro<ResolvedAddress[]> {
  // S2 (servers and connections built per seed): an inline arrow, where a `const` one had
  // a name defined on it at every call (esbuild's keepNames).
  if (host === null) {
    const all: ResolvedAddress[] = passive
      ? [{ family: 'IPv4', address: '0.0.0.0' }, { family: 'IPv6', address: '::' }]
      : [{ family: 'IPv6', address: '::1' }, { family: 'IPv4', address: '127.0.0.1' }];
    return all.filter((a) => family === null || a.family === family);
  }
  const literal = ipFamily(host);
  if (literal !== null) {
    if (family !== null && literal !== family) {
      throw new GaiError(`${caller}: cannot resolve ${JSON.stringify(host)}: it is an ${literal} address but family ${family} was asked for`, { code: 'EAI_FAMILY' });
    }
    return [{ family: literal, address: host }];
  }
  const fut = loop.createFuture<readonly ResolvedAddress[]>({ description: `getaddrinfo(${JSON.stringify(host)})` });
  network.lookup(host, family, (err, addresses) => {
    if (fut.done() || loop.isClosed()) return;
    if (err !== null) fut.setException(fromNodeError(err, `${caller}: cannot resolve`, JSON.stringify(host)));
    else fut.setResult(addresses);
  });
  const addresses = (yield* fut).filter((a) => family === null || a.family === family);
  if (addresses.length === 0) throw new OSError(`${caller}: getaddrinfo() returned empty list for ${JSON.stringify(host)}`);
  // The resolver may repeat an address (one per socket type); keep the first of each.
  const seen = new Set<string>();
  return addresses.filter((a) => (seen.has(a.address) ? false : (seen.add(a.address), true)));
}

const TYPES: ReadonlyArray<readonly [number, number]> = [
  [SOCK_STREAM, IPPROTO_TCP],
  [SOCK_DGRAM, IPPROTO_UDP],
  [SOCK_RAW, 0],
];

/** `yield* loop.getaddrinfo(host, port, options)`: see the module note. asyncio `loop.getaddrinfo`. */
export function* getaddrinfo(
  this: EventLoop | void,
  host: string | null,
  port: number | null,
  options: GetaddrinfoOptions = {},
): Coro<AddrInfo[]> {
  const caller = 'getaddrinfo()';
  const loop = (this as EventLoop | undefined) ?? getRunningLoop('getaddrinfo');
  const h = checkHost(caller, host, true);
  const p = checkPort(caller, port, true) ?? 0;
  const opts = checkOptions(caller, options, ['family', 'type', 'proto', 'flags']);
  const family = familyOf(caller, opts.family);
  const type = opts.type ?? 0;
  if (type !== 0 && type !== SOCK_STREAM && type !== SOCK_DGRAM && type !== SOCK_RAW) {
    throw new RangeError(`getaddrinfo(): type must be 0, SOCK_STREAM (${SOCK_STREAM}), SOCK_DGRAM (${SOCK_DGRAM}) or SOCK_RAW (${SOCK_RAW}), got ${describe(type)}`);
  }
  const flags = opts.flags ?? 0;
  if (typeof flags !== 'number' || !Number.isInteger(flags)) throw new TypeError(`getaddrinfo(): flags must be an integer (AI_PASSIVE...), got ${describe(flags)}`);
  if ((flags & AI_NUMERICHOST) !== 0 && h !== null && ipFamily(h) === null) {
    throw new OSError(`getaddrinfo(): ${JSON.stringify(h)} is not a numeric address and AI_NUMERICHOST was given`, { code: 'EAI_NONAME' });
  }
  const network = networkOf(loop, 'getaddrinfo()');
  const addresses = yield* resolveHost(loop, network, caller, h, family, (flags & AI_PASSIVE) !== 0);
  const canonname = (flags & AI_CANONNAME) !== 0 && h !== null ? h : '';
  const proto = opts.proto ?? 0;
  const result: AddrInfo[] = [];
  for (const a of addresses) {
    const sockaddr = toSockAddr({ family: a.family, address: a.address, port: p })!;
    for (const [t, pr] of TYPES) {
      if (type !== 0 && t !== type) continue;
      if (proto !== 0 && pr !== proto) continue;
      result.push([a.family === 'IPv6' ? AF_INET6 : AF_INET, t, pr, result.length === 0 ? canonname : '', sockaddr]);
    }
  }
  return result;
}
