/**
 * Listening: `loop.createServer` and `loop.createUnixServer` (asyncio `base_events.py`
 * `create_server`, `unix_events.py` `create_unix_server`).
 *
 * `host` may be null or '' (every interface: one socket for IPv4 and one for IPv6, as
 * asyncio's `getaddrinfo(None, AI_PASSIVE)` gives), a name or address (one socket per
 * address it resolves to), or an array of those. With neither a host nor a port the call
 * fails, as asyncio's "Neither host/port nor sock were specified" (we take no `sock`). IPv6 sockets are IPv6-only (asyncio sets
 * IPV6_V6ONLY), so the IPv4 socket can share the port number. With port 0 each socket
 * gets its own free port, as in asyncio.
 *
 * The call returns once every socket listens. If one fails (the port is taken, say), the
 * others are closed and the error names the address: "createServer(): cannot listen on
 * 127.0.0.1:8080: address already in use...". Only an IPv6 socket for a null host may
 * fail quietly, on a machine without IPv6.
 *
 * The backlog defaults to 511, Node's default, where asyncio's is 100: a burst of a
 * thousand connections overflowed a 100-deep accept queue and the kernel reset most of
 * them (#18), since Node accepts on the loop's thread between other work.
 *
 * Not ported: `sock=`, `reuse_port` (Node 20 has no SO_REUSEPORT), `keep_alive`; they
 * fail as unknown options. `reuseAddress` is accepted: Node always sets SO_REUSEADDR.
 */
import { getRunningLoop } from '@yieldio/core';
import type { Coro, EventLoop, Future, IncomingStream, ListenerHandlers, Network, NetworkAddress, ResolvedAddress, TlsUpgrade } from '@yieldio/core';
import { checkHost, checkPath, checkPort, formatAddress } from './addresses';
import { SSL_HANDSHAKE_TIMEOUT } from './create-connection';
import { describeValue as describe } from '@yieldio/core';
import { OSError, fromNodeError } from './errors';
import { familyOf, resolveHost } from './getaddrinfo';
import { networkOf } from './network-access';
import { checkFunction, checkOptions, checkSeconds } from './options';
import type { StreamProtocol } from './protocols';
import { Server } from './server';
import { toSSLContext } from './ssl-context';
import type { SSLContext } from './ssl-context';

/** Options of `createServer()` (asyncio `loop.create_server`'s keyword arguments). */
export interface CreateServerOptions {
  family?: number;
  /** asyncio's `flags` (AI_PASSIVE is implied); accepted for parity. */
  flags?: number;
  /** Pending connections the OS queues (default 511, Node's; asyncio's is 100). */
  backlog?: number;
  /** TLS: an SSLContext with a certificate (`loadCertChain`). */
  ssl?: SSLContext | null;
  /** Accepted for parity: Node always sets SO_REUSEADDR on Unix. */
  reuseAddress?: boolean | null;
  sslHandshakeTimeout?: number | null;
  sslShutdownTimeout?: number | null;
  /** Default true; false waits for `server.startServing()` or `serveForever()`. */
  startServing?: boolean;
}

/** Options of `createUnixServer()` (asyncio `loop.create_unix_server`'s keyword arguments). */
export interface CreateUnixServerOptions {
  backlog?: number;
  /**
   * Default true: `close()` removes the socket file, if it is still the one this server
   * created (3.13). False leaves it.
   */
  cleanupSocket?: boolean;
  ssl?: SSLContext | null;
  sslHandshakeTimeout?: number | null;
  sslShutdownTimeout?: number | null;
  startServing?: boolean;
}

export const SERVER_OPTIONS = ['family', 'flags', 'backlog', 'ssl', 'reuseAddress', 'sslHandshakeTimeout', 'sslShutdownTimeout', 'startServing'] as const;
export const UNIX_SERVER_OPTIONS = ['backlog', 'cleanupSocket', 'ssl', 'sslHandshakeTimeout', 'sslShutdownTimeout', 'startServing'] as const;

/** Node's default; asyncio's 100 lost most of a 1,000-connection burst to resets (#18). */
export const DEFAULT_BACKLOG = 511;

function checkBacklog(caller: string, backlog: unknown): number {
  if (backlog === undefined || backlog === null) return DEFAULT_BACKLOG;
  if (typeof backlog !== 'number' || !Number.isInteger(backlog)) {
    throw new TypeError(`${caller}: backlog must be a whole number of pending connections, got ${describe(backlog)}`);
  }
  if (backlog < 0) throw new RangeError(`${caller}: backlog must be >= 0, got ${backlog}`);
  return backlog;
}

function checkStartServing(caller: string, value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'boolean') throw new TypeError(`${caller}: startServing must be true or false, got ${describe(value)}`);
  return value;
}

function serverTls(caller: string, ssl: unknown, handshakeTimeout: unknown): { context: SSLContext; upgrade: TlsUpgrade } | null {
  const context = toSSLContext(caller, ssl, true);
  if (context === null) {
    if (handshakeTimeout !== undefined && handshakeTimeout !== null) {
      throw new TypeError(`${caller}: sslHandshakeTimeout is only meaningful with ssl; pass ssl too, or drop sslHandshakeTimeout`);
    }
    return null;
  }
  return {
    context,
    upgrade: {
      tls: context._toTlsOptions(caller),
      serverSide: true,
      serverName: null,
      handshakeTimeout: checkSeconds(caller, 'sslHandshakeTimeout', handshakeTimeout, SSL_HANDSHAKE_TIMEOUT),
    },
  };
}

/**
 * Open one listener for `server` and wait until it listens. `quiet`: a failure returns
 * null instead of raising (an IPv6 socket on a machine without IPv6).
 */
function* listenOne(
  loop: EventLoop,
  network: Network,
  server: Server,
  local: NetworkAddress,
  backlog: number,
  tls: TlsUpgrade | null,
  cleanupSocket = true,
): Coro<void> {
  const where = formatAddress(local);
  const fut: Future<void> = loop.createFuture<void>({ description: `listen on ${where}` });
  const listener = network.listen({ local, backlog, ipv6Only: local.family === 'IPv6', tls, cleanupSocket }, new ListenHandlers(loop, server, fut, where));
  server._listeners.push(listener);
  yield* fut;
}

/**
 * What one listening socket reports to. S2 (servers built per seed): a class, where an
 * object of four arrow functions had a name defined on each (esbuild's keepNames).
 */
class ListenHandlers implements ListenerHandlers {
  constructor(
    readonly loop: EventLoop,
    readonly server: Server,
    readonly fut: Future<void>,
    readonly where: string,
  ) {}

  listening(): void {
    if (!this.fut.done() && !this.loop.isClosed()) this.fut.setResult(undefined);
  }

  connection(incoming: IncomingStream): void {
    this.server._incoming(incoming);
  }

  error(err: Error): void {
    const { loop, fut, where, server } = this;
    if (loop.isClosed()) return;
    if (!fut.done()) fut.setException(fromNodeError(err, `${server._caller}: cannot listen on`, where));
    else loop.callExceptionHandler({ message: `listening socket ${where} failed`, exception: err, server });
  }

  close(): void {}
}

export function* createServerImpl(
  loop: EventLoop,
  caller: string,
  protocolFactory: () => StreamProtocol,
  host: unknown,
  port: unknown,
  options: unknown,
): Coro<Server> {
  checkFunction(caller, 'protocolFactory', protocolFactory, '() => new MyProtocol()');
  if ((host === undefined || host === null) && (port === undefined || port === null)) {
    throw new TypeError(`${caller}: neither host nor port was given; pass a port (and null or '' for every interface), such as ${caller.slice(0, -2)}(..., null, 8080)`);
  }
  const hosts: Array<string | null> = [];
  if (Array.isArray(host)) {
    if (host.length === 0) throw new RangeError(`${caller}: host must not be an empty array; pass null for every interface`);
    for (const h of host) hosts.push(checkHost(caller, h, false));
  } else {
    // asyncio: `if host == '': hosts = [None]`.
    hosts.push(host === '' ? null : checkHost(caller, host, true));
  }
  const p = checkPort(caller, port, true) ?? 0;
  const opts = checkOptions(caller, options, SERVER_OPTIONS) as CreateServerOptions;
  const family = familyOf(caller, opts.family);
  const backlog = checkBacklog(caller, opts.backlog);
  const startServing = checkStartServing(caller, opts.startServing);
  const tls = serverTls(caller, opts.ssl, opts.sslHandshakeTimeout);
  const network = networkOf(loop, caller);

  const addresses: Array<ResolvedAddress & { optional: boolean }> = [];
  const seen = new Set<string>();
  for (const h of hosts) {
    for (const a of yield* resolveHost(loop, network, caller, h, family, true)) {
      if (seen.has(a.address)) continue;
      seen.add(a.address);
      addresses.push({ ...a, optional: h === null && a.family === 'IPv6' });
    }
  }
  const server = new Server(loop, protocolFactory, tls?.context ?? null, caller);
  try {
    for (const a of addresses) {
      try {
        yield* listenOne(loop, network, server, { family: a.family, address: a.address, port: p }, backlog, tls?.upgrade ?? null);
      } catch (exc) {
        const code = (exc as OSError).code;
        if (a.optional && exc instanceof OSError && (code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL')) {
          server._listeners.pop()?.close();
          continue;
        }
        throw exc;
      }
    }
  } catch (exc) {
    server.close();
    throw exc;
  }
  if (startServing) server._startServing();
  return server;
}

export function* createUnixServerImpl(
  loop: EventLoop,
  caller: string,
  protocolFactory: () => StreamProtocol,
  path: unknown,
  options: unknown,
): Coro<Server> {
  checkFunction(caller, 'protocolFactory', protocolFactory, '() => new MyProtocol()');
  const p = checkPath(caller, path);
  const opts = checkOptions(caller, options, UNIX_SERVER_OPTIONS) as CreateUnixServerOptions;
  const backlog = checkBacklog(caller, opts.backlog);
  if (opts.cleanupSocket !== undefined && typeof opts.cleanupSocket !== 'boolean') {
    throw new TypeError(`${caller}: cleanupSocket must be true or false, got ${describe(opts.cleanupSocket)}`);
  }
  const startServing = checkStartServing(caller, opts.startServing);
  const tls = serverTls(caller, opts.ssl, opts.sslHandshakeTimeout);
  const network = networkOf(loop, caller);
  const server = new Server(loop, protocolFactory, tls?.context ?? null, caller);
  try {
    yield* listenOne(loop, network, server, { family: 'unix', path: p }, backlog, tls?.upgrade ?? null, opts.cleanupSocket ?? true);
  } catch (exc) {
    server.close();
    throw exc;
  }
  if (startServing) server._startServing();
  return server;
}

/** `yield* loop.createServer(() => new MyProtocol(), host, port, options)` -> Server. asyncio `loop.create_server`. */
export function createServer(
  this: EventLoop | void,
  protocolFactory: () => StreamProtocol,
  host?: string | readonly string[] | null,
  port?: number | null,
  options?: CreateServerOptions,
): Coro<Server> {
  const loop = (this as EventLoop | undefined) ?? getRunningLoop('createServer');
  return createServerImpl(loop, 'createServer()', protocolFactory, host, port, options);
}

/** `yield* loop.createUnixServer(() => new MyProtocol(), path, options)` -> Server. asyncio `loop.create_unix_server`. */
export function createUnixServer(
  this: EventLoop | void,
  protocolFactory: () => StreamProtocol,
  path: string,
  options?: CreateUnixServerOptions,
): Coro<Server> {
  const loop = (this as EventLoop | undefined) ?? getRunningLoop('createUnixServer');
  return createUnixServerImpl(loop, 'createUnixServer()', protocolFactory, path, options);
}
