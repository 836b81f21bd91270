/**
 * UDP over the simulated network: datagrams as the network treats them.
 *
 * Each `send` is one packet through `SimNetwork._send`: it may be lost, duplicated (each
 * copy drawing its own latency) and so reordered, as the link's options say; nothing
 * retransmits. A datagram for a port no socket of the destination host is bound to is
 * dropped (a real host would answer with an ICMP port-unreachable, which Node ignores
 * for an unconnected socket); so is one for an address no host has. `done` is called on
 * the next pass: a datagram is "sent" once the network has it.
 *
 * A connected socket (`remote`) sends there and hears only from there. Not simulated:
 * broadcast (a datagram to a broadcast address is dropped like any unknown address),
 * multicast, and the ICMP errors a connected socket would report.
 */
import type { DatagramHandlers, DatagramRequest, DatagramSocket, NetworkAddress } from '@yieldio/core';
import type { HostResource, SimHost } from './host';
import type { SimNetwork } from './network';
import { TimedPacket } from './timed-packet';
import { ipFamily, isLoopback } from './addresses';
import { boundMatches, isLocalAddress } from './tcp';

type IpAddress = Extract<NetworkAddress, { family: 'IPv4' | 'IPv6' }>;

function socketsOf(host: SimHost): Map<number, SimDatagramSocket[]> {
  return (host._datagramSockets ??= new Map());
}

class Datagram extends TimedPacket {
  constructor(
    readonly from: SimHost,
    readonly to: SimHost,
    readonly data: Uint8Array,
    readonly source: IpAddress,
    readonly destination: IpAddress,
  ) {
    super();
  }

  get size(): number {
    return this.data.length;
  }

  _arrived(): boolean {
    const target = SimDatagramSocket.find(this.to, this.destination, this.source);
    if (target === null) return false; // no endpoint: dropped
    target._message(this.data.slice(), this.source);
    return true;
  }

  _dropped(): void {}
}

export class SimDatagramSocket implements DatagramSocket, HostResource {
  readonly raw = this;
  readonly #net: SimNetwork;
  readonly #host: SimHost;
  readonly #handlers: DatagramHandlers;
  readonly #remote: IpAddress | null;
  #local: IpAddress | null = null;
  #state: 'open' | 'closed' = 'open';

  constructor(net: SimNetwork, host: SimHost, request: DatagramRequest, handlers: DatagramHandlers) {
    this.#net = net;
    this.#host = host;
    this.#handlers = handlers;
    const remote = request.remote;
    this.#remote = remote !== null && remote.family !== 'unix' ? remote : null;
    const requested = request.local !== null && request.local.family !== 'unix' ? request.local : null;
    let address = requested?.address ?? (request.family === 'IPv6' ? '::' : '0.0.0.0');
    const fail = (err: Error): void => {
      this.#state = 'closed';
      host._callSoon(() => {
        handlers.error(err);
        handlers.close();
      });
    };
    if (!isLocalAddress(host, address)) {
      fail(Object.assign(new Error(`bind EADDRNOTAVAIL ${address}`), { code: 'EADDRNOTAVAIL', syscall: 'bind' }));
      return;
    }
    if (this.#remote !== null && (address === '0.0.0.0' || address === '::')) {
      // A connected socket's source address is the one its destination is reached from.
      address = isLoopback(this.#remote.address) ? (this.#remote.family === 'IPv6' ? '::1' : '127.0.0.1') : host.address;
    }
    const map = socketsOf(host);
    const taken = (port: number): boolean => (map.get(port) ?? []).some((s) => s.#local!.address === address || s.#local!.address === '0.0.0.0' || s.#local!.address === '::' || address === '0.0.0.0' || address === '::');
    let port = requested?.port ?? 0;
    if (port === 0) {
      port = host._ephemeralPort(taken);
    } else if (taken(port) && !request.reuseAddress) {
      fail(Object.assign(new Error(`bind EADDRINUSE ${address}:${port}`), { code: 'EADDRINUSE', syscall: 'bind' }));
      return;
    }
    this.#local = { family: ipFamily(address) ?? request.family, address, port };
    const list = map.get(port);
    if (list === undefined) map.set(port, [this]);
    else list.push(this);
    host._resources.add(this);
    host._callSoon(() => handlers.ready());
  }

  send(data: Uint8Array, to: NetworkAddress | null, done: (err: Error | null) => void): void {
    const net = this.#net;
    const destination = (this.#remote ?? to) as IpAddress | null;
    if (this.#state === 'closed' || destination === null || (destination as NetworkAddress).family === 'unix') {
      const err = this.#state === 'closed' ? Object.assign(new Error('send EBADF: the socket is closed'), { code: 'EBADF' }) : Object.assign(new Error('send EDESTADDRREQ: no destination'), { code: 'EDESTADDRREQ' });
      this.#host._callSoon(() => done(err));
      return;
    }
    const host = this.#host;
    const target = net._route(host, destination.address);
    let source = this.#local!;
    if (source.address === '0.0.0.0' || source.address === '::') {
      const address = isLoopback(destination.address) ? (destination.family === 'IPv6' ? '::1' : '127.0.0.1') : host.address;
      source = { family: source.family, address, port: source.port };
    }
    if (target === null) net._sendNowhere(host, data.length);
    else net._send(new Datagram(host, target, new Uint8Array(data), source, destination)); // a copy, not `slice()`: a view on a Buffer
    host._callSoon(() => done(null));
  }

  close(): void {
    if (this.#state === 'closed') return;
    this.#unregister();
    this.#host._resources.delete(this);
    const handlers = this.#handlers;
    this.#host._callSoon(() => handlers.close());
  }

  _vanish(): void {
    this.#unregister();
  }

  #unregister(): void {
    this.#state = 'closed';
    const local = this.#local;
    if (local === null) return;
    const map = socketsOf(this.#host);
    const rest = (map.get(local.port) ?? []).filter((s) => s !== this);
    if (rest.length === 0) map.delete(local.port);
    else map.set(local.port, rest);
  }

  localAddress(): NetworkAddress | null {
    return this.#local;
  }

  remoteAddress(): NetworkAddress | null {
    return this.#remote;
  }

  _message(data: Uint8Array, from: IpAddress): void {
    this.#handlers.message(data, from);
  }

  /** The socket on `host` that takes a datagram for `destination` from `source`, or null. */
  static find(host: SimHost, destination: IpAddress, source: IpAddress): SimDatagramSocket | null {
    const list = host._datagramSockets?.get(destination.port);
    if (list === undefined) return null;
    for (const s of list) {
      if (!boundMatches(s.#local!.address, false, destination.address)) continue;
      const remote = s.#remote;
      if (remote !== null && (remote.port !== source.port || (remote.address !== source.address && !(isLoopback(remote.address) && isLoopback(source.address))))) continue;
      return s;
    }
    return null;
  }
}
