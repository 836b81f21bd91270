/**
 * Opening connections: `loop.createConnection` and `loop.createUnixConnection` (asyncio
 * `base_events.py` `create_connection`, `unix_events.py` `create_unix_connection`).
 *
 *   1. check the arguments (at the boundary, before any I/O);
 *   2. resolve the host (getaddrinfo.ts), then try each address in order until one
 *      connects; with TLS, "connects" includes the handshake;
 *   3. build the protocol (`protocolFactory()`) and a SocketTransport over the socket,
 *      and return `[transport, protocol]` once `connectionMade` has run.
 *
 * Errors name the address: a refused connection is a ConnectionRefusedError saying which
 * address refused. When every address fails, asyncio's rule picks the error: one error,
 * or several with the same message, raises the first; otherwise an OSError lists them
 * all ("Multiple exceptions: ..."), or with `allErrors` (3.12) an ExceptionGroup.
 *
 * Cancellation: a task cancelled while connecting destroys the half-open socket before
 * the CancelledError goes on, so nothing leaks; a protocol is never made for it.
 *
 * Not ported: `happy_eyeballs_delay`/`interleave` (addresses are tried one after the
 * other) and `sock=` (a socket made elsewhere); both fail as unknown options.
 */
import { ExceptionGroup, TimeoutError, getRunningLoop } from '@yieldio/core';
import type { Coro, EventLoop, Future, Network, NetworkAddress, StreamSocket, TlsUpgrade } from '@yieldio/core';
import { checkAddressPair, checkHost, checkPath, checkPort, formatAddress, formatHostPort, ipFamily } from './addresses';
import { ConnectionAbortedError, OSError, fromNodeError } from './errors';
import { familyOf, resolveHost } from './getaddrinfo';
import { networkOf } from './network-access';
import { checkFunction, checkOptions, checkSeconds } from './options';
import type { StreamProtocol } from './protocols';
import { SocketEvents } from './socket-events';
import { SocketTransport } from './socket-transport';
import { toSSLContext } from './ssl-context';
import type { SSLContext } from './ssl-context';
import { describeValue as describe } from '@yieldio/core';

/** Options of `createConnection()` (asyncio `loop.create_connection`'s keyword arguments). */
export interface CreateConnectionOptions {
  /** TLS: true (a default client context) or an SSLContext. */
  ssl?: SSLContext | boolean | null;
  /** The name the server's certificate must carry (default: `host`); only with `ssl`. */
  serverHostname?: string | null;
  /** AF_INET or AF_INET6 to use only that family; 0 (default) for any. */
  family?: number;
  /** Bind the local end to `[host, port]` first. */
  localAddr?: readonly [string, number] | null;
  /** Seconds the TLS handshake may take (default 60). */
  sslHandshakeTimeout?: number | null;
  /** Accepted for asyncio parity; Node closes TLS without a separate timeout. */
  sslShutdownTimeout?: number | null;
  /** Raise every failed attempt in an ExceptionGroup (3.12). */
  allErrors?: boolean;
}

/** Options of `createUnixConnection()` (asyncio `loop.create_unix_connection`'s keyword arguments). */
export interface CreateUnixConnectionOptions {
  ssl?: SSLContext | boolean | null;
  serverHostname?: string | null;
  sslHandshakeTimeout?: number | null;
  sslShutdownTimeout?: number | null;
}

export const CONNECTION_OPTIONS = ['ssl', 'serverHostname', 'family', 'localAddr', 'sslHandshakeTimeout', 'sslShutdownTimeout', 'allErrors'] as const;
export const UNIX_CONNECTION_OPTIONS = ['ssl', 'serverHostname', 'sslHandshakeTimeout', 'sslShutdownTimeout'] as const;

/** asyncio's constants.SSL_HANDSHAKE_TIMEOUT. */
export const SSL_HANDSHAKE_TIMEOUT = 60;

/** The TLS part of a connect request, checked (`caller` names the public call). */
export function clientTls(
  caller: string,
  ssl: unknown,
  serverHostname: unknown,
  host: string | null,
  handshakeTimeout: unknown,
): { context: SSLContext; upgrade: TlsUpgrade } | null {
  const context = toSSLContext(caller, ssl, false);
  if (context === null) {
    if (serverHostname !== undefined && serverHostname !== null) {
      throw new TypeError(`${caller}: serverHostname is only meaningful with ssl; pass ssl too, or drop serverHostname`);
    }
    if (handshakeTimeout !== undefined && handshakeTimeout !== null) {
      throw new TypeError(`${caller}: sslHandshakeTimeout is only meaningful with ssl; pass ssl too, or drop sslHandshakeTimeout`);
    }
    return null;
  }
  if (serverHostname !== undefined && serverHostname !== null && typeof serverHostname !== 'string') {
    throw new TypeError(`${caller}: serverHostname must be a string, got ${describe(serverHostname)}`);
  }
  let name = (serverHostname as string | null | undefined) ?? host;
  if (name === null || name === undefined) {
    if (context.checkHostname) {
      throw new TypeError(`${caller}: you must set serverHostname when using ssl without a host`);
    }
    name = null;
  }
  return {
    context,
    upgrade: {
      tls: context._toTlsOptions(caller),
      serverSide: false,
      serverName: name === '' ? null : name,
      handshakeTimeout: checkSeconds(caller, 'sslHandshakeTimeout', handshakeTimeout, SSL_HANDSHAKE_TIMEOUT),
    },
  };
}

export function checkProtocol(caller: string, protocol: unknown): asserts protocol is StreamProtocol {
  const p = protocol as Partial<Record<string, unknown>> | null;
  if (p === null || typeof p !== 'object' || typeof p.connectionMade !== 'function' || typeof p.connectionLost !== 'function') {
    throw new TypeError(
      `${caller}: protocolFactory() must return a protocol (an object with connectionMade, dataReceived, connectionLost...; subclass Protocol), got ${describe(protocol)}`,
    );
  }
  if (typeof p.dataReceived !== 'function' && (typeof p.getBuffer !== 'function' || typeof p.bufferUpdated !== 'function')) {
    throw new TypeError(`${caller}: the protocol has neither dataReceived() nor getBuffer()/bufferUpdated(); subclass Protocol or BufferedProtocol`);
  }
}

/**
 * Open one stream socket to `remote` and wait until it is connected (TLS: handshake done).
 * Returns the socket and its event queue, which has kept anything that came meanwhile.
 */
export function* connectSocket(
  loop: EventLoop,
  network: Network,
  caller: string,
  remote: NetworkAddress,
  local: NetworkAddress | null,
  tls: TlsUpgrade | null,
): Coro<[StreamSocket, SocketEvents]> {
  const where = formatAddress(remote);
  const fut: Future<void> = loop.createFuture<void>({ description: `connect to ${where}` });
  const events = new SocketEvents(() => {
    if (fut.done() || loop.isClosed()) return;
    const failure = events.failure;
    // A failed bind is the local end's fault, not the peer's: name the localAddr given.
    const badLocal = failure !== null && (failure as { syscall?: unknown }).syscall === 'bind' ? local : null;
    if (badLocal !== null) fut.setException(fromNodeError(failure, `${caller}: cannot bind localAddr`, `${formatAddress(badLocal)} to connect to ${where}`));
    else if (failure !== null) fut.setException(fromNodeError(failure, `${caller}: cannot connect to`, where));
    else if (events.connected) fut.setResult(undefined);
    else if (events.closed) fut.setException(new ConnectionAbortedError(`${caller}: cannot connect to ${where}: the connection closed before it was established`));
  });
  const socket = network.connect({ remote, local, tls }, events);
  try {
    yield* fut;
  } catch (exc) {
    socket.destroy();
    throw exc;
  }
  return [socket, events];
}

/** Build the protocol and the transport over a connected socket; wait for connectionMade. */
export function* makeTransport<P extends StreamProtocol>(
  loop: EventLoop,
  caller: string,
  protocolFactory: () => P,
  socket: StreamSocket,
  events: SocketEvents,
  sslContext: SSLContext | null,
): Coro<[SocketTransport, P]> {
  let protocol: P;
  try {
    protocol = protocolFactory();
    checkProtocol(caller, protocol);
  } catch (exc) {
    socket.destroy();
    throw exc;
  }
  const waiter = loop.createFuture<void>({ description: 'connectionMade()' });
  const transport = new SocketTransport(loop, socket, events, protocol, { waiter, sslContext });
  try {
    yield* waiter;
  } catch (exc) {
    transport.close();
    throw exc;
  }
  return [transport, protocol];
}

/** Combine the errors of every failed attempt the way asyncio does. */
function connectionFailure(caller: string, hostPort: string, errors: unknown[], allErrors: boolean): unknown {
  if (allErrors) return new ExceptionGroup(`${caller}: cannot connect to ${hostPort}`, errors);
  if (errors.length === 1) return errors[0];
  const model = String((errors[0] as Error).message);
  if (errors.every((e) => String((e as Error).message) === model)) return errors[0];
  return new OSError(`Multiple exceptions: ${errors.map((e) => (e as Error).message).join(', ')}`, { address: hostPort });
}

export function* createConnectionImpl<P extends StreamProtocol>(
  loop: EventLoop,
  caller: string,
  protocolFactory: () => P,
  host: unknown,
  port: unknown,
  options: unknown,
): Coro<[SocketTransport, P]> {
  checkFunction(caller, 'protocolFactory', protocolFactory, '() => new MyProtocol()');
  const h = checkHost(caller, host, true);
  const p = checkPort(caller, port, false)!;
  const opts = checkOptions(caller, options, CONNECTION_OPTIONS) as CreateConnectionOptions;
  const family = familyOf(caller, opts.family);
  let local: [string, number] | null = null;
  if (opts.localAddr !== undefined && opts.localAddr !== null) {
    local = checkAddressPair(caller, 'localAddr', opts.localAddr);
    if (ipFamily(local[0]) === null && local[0] !== 'localhost') {
      throw new RangeError(`${caller}: localAddr host must be an IP address, got ${JSON.stringify(local[0])}`);
    }
  }
  const tls = clientTls(caller, opts.ssl, opts.serverHostname, h, opts.sslHandshakeTimeout);
  const network = networkOf(loop, caller);

  const remotes = yield* resolveHost(loop, network, caller, h, family, false);
  const errors: unknown[] = [];
  let connected: [StreamSocket, SocketEvents] | null = null;
  for (const r of remotes) {
    let localAddress: NetworkAddress | null = null;
    if (local !== null) {
      const lhost = local[0] === 'localhost' ? (r.family === 'IPv6' ? '::1' : '127.0.0.1') : local[0];
      if (ipFamily(lhost) !== r.family) continue;
      localAddress = { family: r.family, address: lhost, port: local[1] };
    }
    try {
      connected = yield* connectSocket(loop, network, caller, { family: r.family, address: r.address, port: p }, localAddress, tls?.upgrade ?? null);
      break;
    } catch (exc) {
      if (!(exc instanceof OSError) && !(exc instanceof TimeoutError)) throw exc;
      errors.push(exc);
    }
  }
  if (connected === null) {
    if (errors.length === 0) {
      throw new OSError(`${caller}: no address of ${formatHostPort(h, p)} matches localAddr ${JSON.stringify(local)}`);
    }
    throw connectionFailure(caller, formatHostPort(h, p), errors, opts.allErrors === true);
  }
  return yield* makeTransport(loop, caller, protocolFactory, connected[0], connected[1], tls?.context ?? null);
}

export function* createUnixConnectionImpl<P extends StreamProtocol>(
  loop: EventLoop,
  caller: string,
  protocolFactory: () => P,
  path: unknown,
  options: unknown,
): Coro<[SocketTransport, P]> {
  checkFunction(caller, 'protocolFactory', protocolFactory, '() => new MyProtocol()');
  const p = checkPath(caller, path);
  const opts = checkOptions(caller, options, UNIX_CONNECTION_OPTIONS) as CreateUnixConnectionOptions;
  const tls = clientTls(caller, opts.ssl, opts.serverHostname, null, opts.sslHandshakeTimeout);
  const network = networkOf(loop, caller);
  const [socket, events] = yield* connectSocket(loop, network, caller, { family: 'unix', path: p }, null, tls?.upgrade ?? null);
  return yield* makeTransport(loop, caller, protocolFactory, socket, events, tls?.context ?? null);
}

/**
 * `yield* loop.createConnection(() => new MyProtocol(), host, port, options)` -> `[transport, protocol]`.
 * asyncio `loop.create_connection`.
 */
export function createConnection<P extends StreamProtocol>(
  this: EventLoop | void,
  protocolFactory: () => P,
  host: string | null,
  port: number,
  options?: CreateConnectionOptions,
): Coro<[SocketTransport, P]> {
  const loop = (this as EventLoop | undefined) ?? getRunningLoop('createConnection');
  return createConnectionImpl(loop, 'createConnection()', protocolFactory, host, port, options);
}

/** `yield* loop.createUnixConnection(() => new MyProtocol(), path, options)`. asyncio `loop.create_unix_connection`. */
export function createUnixConnection<P extends StreamProtocol>(
  this: EventLoop | void,
  protocolFactory: () => P,
  path: string,
  options?: CreateUnixConnectionOptions,
): Coro<[SocketTransport, P]> {
  const loop = (this as EventLoop | undefined) ?? getRunningLoop('createUnixConnection');
  return createUnixConnectionImpl(loop, 'createUnixConnection()', protocolFactory, path, options);
}
