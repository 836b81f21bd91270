/**
 * Datagrams: `loop.createDatagramEndpoint` and its transport (asyncio `base_events.py`
 * `create_datagram_endpoint`, `selector_events.py` `_SelectorDatagramTransport`).
 *
 *     const [transport, protocol] = yield* loop.createDatagramEndpoint(() => new Echo(),
 *       { localAddr: ['127.0.0.1', 0] });
 *     transport.sendto(Buffer.from('ping'), ['127.0.0.1', 9999]);
 *
 * The protocol hears `connectionMade`, then `datagramReceived(data, addr)` per datagram and
 * `errorReceived(exc)` for a failed send, then `connectionLost(null)` exactly once:
 *
 *     connecting --connectionMade--> open --close()--> closing --sends done--> closed
 *                                       \______________abort()_______________^
 *
 * With `remoteAddr` the socket is connected: `sendto` takes no address (or that one), and
 * only that peer's datagrams arrive.
 *
 * Where we differ: asyncio sends at once and buffers only on EAGAIN; Node's send is always
 * asynchronous, so the write buffer counts the datagrams not yet sent (each plus 8 bytes,
 * asyncio's header allowance), and pauseWriting/resumeWriting follow it. `sendto` takes
 * numeric addresses only (or 'localhost'): a name would need a lookup that `sendto`,
 * which does not wait, cannot do; resolve first with `loop.getaddrinfo`.
 * Not ported: Unix datagram sockets (Node's dgram has none), `sock=`, `reuse_port`.
 */
import { getRunningLoop } from '@yieldio/core';
import type { Coro, DatagramSocket, EventLoop, Future, Network, NetworkAddress } from '@yieldio/core';
import { checkAddressPair, formatAddress, ipFamily, toSockAddr } from './addresses';
import { describeValue as describe } from '@yieldio/core';
import { callSoonWithContext } from '@yieldio/core/internal';
import { OSError, fromNodeError } from './errors';
import { familyOf, resolveHost } from './getaddrinfo';
import { networkOf } from './network-access';
import { checkFunction, checkOptions } from './options';
import type { DatagramProtocol } from './protocols';
import { SOCK_DGRAM, TransportSocket } from './socket-transport';
import { DatagramTransport, WriteFlowControl, checkBytes } from './transports';

/** Options of `createDatagramEndpoint()` (asyncio `loop.create_datagram_endpoint`'s keyword arguments). */
export interface CreateDatagramEndpointOptions {
  /** Bind here: `[host, port]` (port 0: any free port). */
  localAddr?: readonly [string, number] | null;
  /** Connect to this peer. */
  remoteAddr?: readonly [string, number] | null;
  /** AF_INET or AF_INET6; inferred from the addresses when 0. */
  family?: number;
  /** Allow sending to broadcast addresses (SO_BROADCAST). */
  allowBroadcast?: boolean;
}

/** A UDP transport's state. asyncio tracks it in flags (`_closing`, `_conn_lost`). */
export type DatagramState = 'connecting' | 'open' | 'closing' | 'closed';

/** The datagram header allowance asyncio adds to each buffered datagram. */
const HEADER = 8;

/** A UDP socket's transport (asyncio's `_SelectorDatagramTransport`). */
export class UdpTransport extends DatagramTransport {
  readonly _loop: EventLoop;
  _protocol: DatagramProtocol;
  _socket: DatagramSocket | null = null;
  _state: DatagramState = 'connecting';
  /** Datagrams that came before connectionMade ran. */
  _early: Array<[Uint8Array, NetworkAddress]> = [];
  _remote: NetworkAddress | null = null;
  _bufferSize = 0;
  readonly _flow = new WriteFlowControl();

  constructor(loop: EventLoop, protocol: DatagramProtocol) {
    super(new Map());
    this._loop = loop;
    this._protocol = protocol;
  }

  /** After binding: fill in the addresses and call connectionMade (then the waiter). */
  _opened(socket: DatagramSocket, waiter: Future<void>): void {
    this._socket = socket;
    const local = socket.localAddress();
    this._remote = socket.remoteAddress();
    this._extra.set('peername', toSockAddr(this._remote));
    this._extra.set('sockname', toSockAddr(local));
    this._extra.set('socket', new TransportSocket(SOCK_DGRAM, local, this._remote, socket.raw));
    callSoonWithContext(this._loop, () => {
      if (this._state === 'connecting') this._state = 'open';
      try {
        this._protocol.connectionMade(this);
      } catch (exc) {
        this._loop.callExceptionHandler({ message: 'Fatal error: protocol.connectionMade() call failed.', exception: exc, transport: this });
        this.abort();
        return;
      }
      const early = this._early;
      this._early = [];
      for (const [data, from] of early) this._datagram(data, from);
      if (!waiter.done()) waiter.setResult(undefined);
    }, null, null);
  }

  /** A datagram arrived (outside the pass): deliver it in a loop callback. */
  _received(data: Uint8Array, from: NetworkAddress): void {
    if (this._loop.isClosed()) return;
    callSoonWithContext(this._loop, (d: Uint8Array, f: NetworkAddress) => {
      if (this._state === 'connecting') this._early.push([d, f]);
      else this._datagram(d, f);
    }, [data, from], null);
  }

  _datagram(data: Uint8Array, from: NetworkAddress): void {
    if (this._state !== 'open') return;
    try {
      this._protocol.datagramReceived(data, toSockAddr(from)!);
    } catch (exc) {
      this._loop.callExceptionHandler({ message: 'Fatal error: protocol.datagramReceived() call failed.', exception: exc, transport: this });
      this.abort();
    }
  }

  _errorReceived(exc: Error): void {
    if (this._state !== 'open' && this._state !== 'closing') return;
    try {
      this._protocol.errorReceived(exc);
    } catch (err) {
      this._loop.callExceptionHandler({ message: 'Exception in protocol.errorReceived()', exception: err, transport: this });
    }
  }

  sendto(data: Uint8Array, addr: readonly [string, number] | null = null): void {
    checkBytes('sendto()', data);
    let to: NetworkAddress | null = null;
    if (addr !== null && addr !== undefined) {
      const [host, port] = checkAddressPair('sendto()', 'addr', addr);
      const numeric = host === 'localhost' ? this._loopback() : host;
      const family = ipFamily(numeric);
      if (family === null) {
        throw new RangeError(`sendto(): addr host must be an IP address, got ${JSON.stringify(host)}; resolve names first: yield* loop.getaddrinfo(host, port)`);
      }
      to = { family, address: numeric, port };
    }
    const remote = this._remote;
    if (remote !== null && remote.family !== 'unix') {
      if (to !== null && (to.address !== remote.address || to.port !== remote.port)) {
        throw new RangeError(`sendto(): invalid address: must be null or ${JSON.stringify(toSockAddr(remote))} (the endpoint is connected), got ${JSON.stringify(addr)}`);
      }
      to = null;
    } else if (to === null) {
      throw new TypeError('sendto(): addr is required: the endpoint has no remoteAddr; pass [host, port]');
    }
    if (this._state !== 'open') return;
    const size = data.length + HEADER;
    this._bufferSize += size;
    const where = to === null ? formatAddress(remote!) : formatAddress(to);
    this._socket!.send(data, to, (err) => {
      if (this._loop.isClosed()) return;
      callSoonWithContext(this._loop, () => this._sent(size, err, where), null, null);
    });
    this._flow.maybePause(this._bufferSize, this._loop, this, this._protocol);
  }

  _sent(size: number, err: Error | null, where: string): void {
    this._bufferSize -= size;
    if (err !== null) this._errorReceived(fromNodeError(err, 'sendto(): cannot send to', where));
    this._flow.maybeResume(this._bufferSize, this._loop, this, this._protocol);
    if (this._state === 'closing' && this._bufferSize === 0) this._finish(null);
  }

  _loopback(): string {
    const local = this._socket?.localAddress();
    return local && local.family === 'IPv6' ? '::1' : '127.0.0.1';
  }

  getWriteBufferSize(): number {
    return this._bufferSize;
  }

  getWriteBufferLimits(): [low: number, high: number] {
    return [this._flow._low, this._flow._high];
  }

  setWriteBufferLimits(high?: number | null, low?: number | null): void {
    this._flow.setLimits('setWriteBufferLimits()', high, low);
    this._flow.maybePause(this._bufferSize, this._loop, this, this._protocol);
  }

  isClosing(): boolean {
    return this._state === 'closing' || this._state === 'closed';
  }

  /** Close after the datagrams already given to sendto() are sent. */
  close(): void {
    if (this._state === 'closing' || this._state === 'closed') return;
    if (this._bufferSize > 0) this._state = 'closing';
    else this._finish(null);
  }

  abort(): void {
    this._finish(null);
  }

  _finish(exc: Error | null): void {
    if (this._state === 'closed') return;
    this._state = 'closed';
    this._socket?.close();
    callSoonWithContext(this._loop, () => {
      try {
        this._protocol.connectionLost(exc);
      } catch (err) {
        this._loop.callExceptionHandler({ message: 'Exception in protocol.connectionLost()', exception: err, transport: this });
      }
    }, null, null);
  }

  setProtocol(protocol: DatagramProtocol): void {
    this._protocol = protocol;
  }

  getProtocol(): DatagramProtocol {
    return this._protocol;
  }

  override toString(): string {
    const local = this._socket?.localAddress();
    return `<UdpTransport ${this._state}${local ? ` ${formatAddress(local)}` : ''} bufsize=${this._bufferSize}>`;
  }
}

function checkDatagramProtocol(caller: string, protocol: unknown): asserts protocol is DatagramProtocol {
  const p = protocol as Partial<Record<string, unknown>> | null;
  if (p === null || typeof p !== 'object' || typeof p.connectionMade !== 'function' || typeof p.datagramReceived !== 'function' || typeof p.connectionLost !== 'function') {
    throw new TypeError(`${caller}: protocolFactory() must return a datagram protocol (subclass DatagramProtocol), got ${describe(protocol)}`);
  }
}

function* resolvePair(loop: EventLoop, network: Network, caller: string, pair: [string, number] | null, family: 'IPv4' | 'IPv6' | null): Coro<NetworkAddress[]> {
  if (pair === null) return [];
  const found = yield* resolveHost(loop, network, caller, pair[0], family, false);
  return found.map((a) => ({ family: a.family, address: a.address, port: pair[1] }));
}

/** Open a UDP endpoint: bound to `localAddr`, connected to `remoteAddr`, or both; returns `[transport, protocol]` (asyncio `loop.create_datagram_endpoint`). */
export function* createDatagramEndpoint<P extends DatagramProtocol>(
  this: EventLoop | void,
  protocolFactory: () => P,
  options: CreateDatagramEndpointOptions,
): Coro<[UdpTransport, P]> {
  const caller = 'createDatagramEndpoint()';
  const loop = (this as EventLoop | undefined) ?? getRunningLoop('createDatagramEndpoint');
  checkFunction('createDatagramEndpoint()', 'protocolFactory', protocolFactory, '() => new MyDatagramProtocol()');
  const opts = checkOptions(caller, options, ['localAddr', 'remoteAddr', 'family', 'allowBroadcast']) as CreateDatagramEndpointOptions;
  const local = opts.localAddr === undefined || opts.localAddr === null ? null : checkAddressPair(caller, 'localAddr', opts.localAddr, true);
  const remote = opts.remoteAddr === undefined || opts.remoteAddr === null ? null : checkAddressPair(caller, 'remoteAddr', opts.remoteAddr, true);
  const family = familyOf(caller, opts.family);
  if (local === null && remote === null && family === null) {
    throw new TypeError(`${caller}: give localAddr, remoteAddr or family (AF_INET or AF_INET6); with none, the endpoint's address family is unknown`);
  }
  const network = networkOf(loop, 'createDatagramEndpoint()');
  const locals = yield* resolvePair(loop, network, caller, local, family);
  const remotes = yield* resolvePair(loop, network, caller, remote, family);
  // Pick a family both ends have (asyncio pairs getaddrinfo results by family).
  const families: Array<'IPv4' | 'IPv6'> = family !== null ? [family] : ['IPv4', 'IPv6'];
  let chosen: { family: 'IPv4' | 'IPv6'; local: NetworkAddress | null; remote: NetworkAddress | null } | null = null;
  for (const f of families) {
    const l = locals.find((a) => a.family === f) ?? null;
    const r = remotes.find((a) => a.family === f) ?? null;
    if ((local !== null && l === null) || (remote !== null && r === null)) continue;
    chosen = { family: f, local: l, remote: r };
    break;
  }
  if (chosen === null) throw new OSError(`${caller}: localAddr and remoteAddr have no address family in common; cannot get address information`);

  const protocol = protocolFactory();
  checkDatagramProtocol(caller, protocol);
  const transport = new UdpTransport(loop, protocol);
  const bound: Future<void> = loop.createFuture<void>({ description: 'bind a datagram socket' });
  const where = chosen.local !== null ? formatAddress(chosen.local) : chosen.remote !== null ? `a socket for ${formatAddress(chosen.remote)}` : `a ${chosen.family} socket`;
  const socket = network.bindDatagram(
    { family: chosen.family, local: chosen.local, remote: chosen.remote, reuseAddress: false, allowBroadcast: opts.allowBroadcast === true },
    {
      ready: () => {
        if (!bound.done() && !loop.isClosed()) bound.setResult(undefined);
      },
      message: (data, from) => transport._received(data, from),
      error: (err) => {
        if (loop.isClosed()) return;
        if (!bound.done()) {
          bound.setException(fromNodeError(err, `${caller}: cannot bind`, where));
          return;
        }
        const translated = fromNodeError(err, 'datagram socket', where);
        callSoonWithContext(loop, () => transport._errorReceived(translated), null, null);
      },
      close: () => {},
    },
  );
  try {
    yield* bound;
  } catch (exc) {
    socket.close();
    throw exc;
  }
  const waiter = loop.createFuture<void>({ description: 'connectionMade()' });
  transport._opened(socket, waiter);
  try {
    yield* waiter;
  } catch (exc) {
    transport.abort();
    throw exc;
  }
  return [transport, protocol];
}
