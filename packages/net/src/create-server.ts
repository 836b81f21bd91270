/**
 * Listening: `loop.createServer` and `loop.createUnixServer` (asyncio `base_events.py`
 * `create_server`, `unix_events.py` `create_unix_server`).
 *
 * `host` may be null (every interface: one socket for IPv4 and one for IPv6, as asyncio's
 * `getaddrinfo(None, AI_PASSIVE)` gives), a name or address (one socket per address it
 * resolves to), or an array of those. IPv6 sockets are IPv6-only (asyncio sets
 * IPV6_V6ONLY), so the IPv4 socket can share the port number. With port 0 each socket
 * gets its own free port, as in asyncio.
 *
 * The call returns once every socket listens. If one fails (the port is taken, say), the
 * others are closed and the error names the address: "createServer(): cannot listen on
 * 127.0.0.1:8080: address already in use...". Only an IPv6 socket for a null host may
 * fail quietly, on a machine without IPv6.
 *
 * Not ported: `sock=`, `reuse_port` (Node 20 has no SO_REUSEPORT), `keep_alive`; they
 * fail as unknown options. `reuseAddress` is accepted: Node always sets SO_REUSEADDR.
 */
import { getRunningLoop } from '@yieldio/core';
import type { Coro, EventLoop, Future, Network, NetworkAddress, ResolvedAddress, TlsUpgrade } from '@yieldio/core';
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

export interface CreateServerOptions {
  family?: number;
  /** asyncio's `flags` (AI_PASSIVE is implied); accepted for parity. */
  flags?: number;
  /** Pending connections the OS queues (default 100). */
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

export interface CreateUnixServerOptions {
  backlog?: number;
  ssl?: SSLContext | null;
  sslHandshakeTimeout?: number | null;
  sslShutdownTimeout?: number | null;
  startServing?: boolean;
}

const SERVER_OPTIONS = ['family', 'flags', 'backlog', 'ssl', 'reuseAddress', 'sslHandshakeTimeout', 'sslShutdownTimeout', 'startServing'] as const;
const UNIX_SERVER_OPTIONS = ['backlog', 'ssl', 'sslHandshakeTimeout', 'sslShutdownTimeout', 'startServing'] as const;

function checkBacklog(caller: string, backlog: unknown): number {
  if (backlog === undefined || backlog === null) return 100;
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
): Coro<void> {
  const where = formatAddress(local);
  const fut: Future<void> = loop.createFuture<void>({ description: `listen on ${where}` });
  const listener = network.listen(
    { local, backlog, ipv6Only: local.family === 'IPv6', tls },
    {
      listening: () => {
        if (!fut.done() && !loop.isClosed()) fut.setResult(undefined);
      },
      connection: (incoming) => server._incoming(incoming),
      error: (err) => {
        if (loop.isClosed()) return;
        if (!fut.done()) fut.setException(fromNodeError(err, `${server._caller}: cannot listen on`, where));
        else loop.callExceptionHandler({ message: `listening socket ${where} failed`, exception: err, server });
      },
      close: () => {},
    },
  );
  server._listeners.push(listener);
  yield* fut;
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
  const hosts: Array<string | null> = [];
  if (Array.isArray(host)) {
    if (host.length === 0) throw new RangeError(`${caller}: host must not be an empty array; pass null for every interface`);
    for (const h of host) hosts.push(checkHost(caller, h, false));
  } else {
    hosts.push(checkHost(caller, host, true));
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
  const startServing = checkStartServing(caller, opts.startServing);
  const tls = serverTls(caller, opts.ssl, opts.sslHandshakeTimeout);
  const network = networkOf(loop, caller);
  const server = new Server(loop, protocolFactory, tls?.context ?? null, caller);
  try {
    yield* listenOne(loop, network, server, { family: 'unix', path: p }, backlog, tls?.upgrade ?? null);
  } catch (exc) {
    server.close();
    throw exc;
  }
  if (startServing) server._startServing();
  return server;
}

/** `yield* loop.createServer(() => new MyProtocol(), host, port, options)` -> Server. */
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

/** `yield* loop.createUnixServer(() => new MyProtocol(), path, options)` -> Server. */
export function createUnixServer(
  this: EventLoop | void,
  protocolFactory: () => StreamProtocol,
  path: string,
  options?: CreateUnixServerOptions,
): Coro<Server> {
  const loop = (this as EventLoop | undefined) ?? getRunningLoop('createUnixServer');
  return createUnixServerImpl(loop, 'createUnixServer()', protocolFactory, path, options);
}
