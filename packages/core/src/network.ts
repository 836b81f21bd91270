/**
 * The network seam: what a host's sockets look like to the loop (types only).
 *
 * Core runs in browsers and inside `simulate()`, so it never imports Node's `net`. It only
 * declares a `Network`; each host carries one, or null (`host.network`):
 *   - the real host gets Node's (node:net, node:tls, node:dgram, node:dns), installed by
 *     `@yieldio/net` when it is imported;
 *   - the virtual host has none unless `simulate(main(), { network })` passes one, so a
 *     simulated network can implement this same interface in memory and run user code
 *     unchanged. Models: Trio's `SocketFactory` and `testing/_fake_net.py`, tokio's turmoil.
 *
 * Sockets report events to plain callbacks (`connect`, `data`, `end`, `drain`, `error`,
 * `close`) and take plain calls (`write`, `end`, `close`, `destroy`, `pause`, `resume`).
 * The contract, for every implementation:
 *   - no handler is ever called synchronously from inside one of the socket's own methods;
 *   - events may arrive outside the loop's pass (Node's) or from a loop callback (a
 *     simulation); consumers hand each one to the loop with `callSoon`, so protocols run
 *     inside a pass, in the order the events came;
 *   - per socket: `connect` at most once and before any `data`; `end` at most once, after
 *     the last `data`; `error` at most once; `close` exactly once, and last.
 *
 * Rejected: asyncio's selector seam (`add_reader(fd)`), since Node exposes no readiness of
 * file descriptors; Promises, which cannot settle inside the synchronous `simulate()`; and
 * passing Node's socket objects through, which no simulated network could stand in for.
 */

/**
 * Where a socket is: an IP endpoint (a numeric address, never a name) or a Unix path.
 * Part of the network seam, which has no asyncio counterpart.
 */
export type NetworkAddress =
  | { readonly family: 'IPv4' | 'IPv6'; readonly address: string; readonly port: number }
  | { readonly family: 'unix'; readonly path: string };

/** TLS settings, Python `ssl.SSLContext`'s in plain data. PEM text or bytes. */
export interface TlsOptions {
  /** Trusted certificate authorities; default: the platform's. */
  readonly ca?: string | Uint8Array | ReadonlyArray<string | Uint8Array>;
  /** Our certificate chain and private key (required on a server). */
  readonly cert?: string | Uint8Array | ReadonlyArray<string | Uint8Array>;
  readonly key?: string | Uint8Array | ReadonlyArray<string | Uint8Array>;
  readonly passphrase?: string;
  /** Python's `verify_mode`: CERT_NONE, CERT_OPTIONAL, CERT_REQUIRED. */
  readonly verifyMode: 'none' | 'optional' | 'required';
  /** Python's `check_hostname`: the peer's certificate must name `serverName`. */
  readonly checkHostname: boolean;
  readonly alpnProtocols?: readonly string[];
  readonly minimumVersion?: 'TLSv1.2' | 'TLSv1.3';
}

/** What a TLS connection negotiated, once its handshake is done. Part of the network seam (what Python's `SSLObject` reports). */
export interface TlsInfo {
  readonly protocol: string | null;
  readonly cipher: readonly [name: string, protocol: string, bits: number | null] | null;
  /** The peer's certificate as a plain object (Python's `getpeercert()`), or null. */
  readonly peerCertificate: Readonly<Record<string, unknown>> | null;
  readonly alpnProtocol: string | null;
}

/**
 * The events of one stream socket (see the module note for their order).
 * Part of the network seam, which has no asyncio counterpart.
 */
export interface StreamHandlers {
  /** An outgoing connection is established (with TLS: the handshake is done too). */
  connect(): void;
  /** Bytes arrived. The array is the handler's to keep: the network never reuses it. */
  data(chunk: Uint8Array): void;
  /** The peer will send nothing more (it half-closed). */
  end(): void;
  /** While `watchDrain(true)`: bytes left the write buffer; read `writeBufferSize()`. */
  drain(): void;
  /** The connection failed (refused, reset, TLS error...). `close` follows. */
  error(err: Error): void;
  /** The socket is closed for good. Always the last event. */
  close(): void;
}

/** One stream connection (TCP, Unix or TLS) as a host's network gives it: the seam under asyncio's socket transports. */
export interface StreamSocket {
  /** Queue bytes; never throws for a closed socket (the failure comes as `error`). */
  write(data: Uint8Array): void;
  /** Bytes accepted by `write` that the OS has not taken yet. */
  writeBufferSize(): number;
  /** Ask for (or stop) a `drain` event each time the write buffer shrinks. */
  watchDrain(on: boolean): void;
  /** Send EOF after the buffered bytes (half-close); reading goes on. */
  end(): void;
  /** Close after the buffered bytes are sent; then `close`. */
  close(): void;
  /** Close now; unsent bytes are dropped; then `close`. */
  destroy(): void;
  /** Stop (or restart) delivering `data`; the OS buffer then fills and the peer slows. */
  pause(): void;
  /** Start delivering `data` events again after `pause()`. */
  resume(): void;
  /** The local end's address, or null if unknown (closed). */
  localAddress(): NetworkAddress | null;
  /** The remote end's address, or null if unknown (closed). */
  remoteAddress(): NetworkAddress | null;
  /**
   * Run TLS over this connection from now on. The returned socket replaces this one (whose
   * handlers get no further event); its `connect` fires when the handshake is done.
   * `unread`: bytes this socket delivered that no one consumed; they are the first bytes
   * of the TLS stream, so none is lost across the upgrade.
   */
  startTls(options: TlsUpgrade, handlers: StreamHandlers, unread: readonly Uint8Array[]): StreamSocket;
  /** Negotiated TLS parameters, or null for a plain socket or an unfinished handshake. */
  tlsInfo(): TlsInfo | null;
  /** The implementation's own socket object (Node: a `net.Socket`), for `getExtraInfo('socket')`. */
  readonly raw: unknown;
}

/**
 * Turning a stream into TLS: as a client (`serverName` for SNI and checks) or a server.
 * Part of the network seam, which has no asyncio counterpart.
 */
export interface TlsUpgrade {
  readonly tls: TlsOptions;
  readonly serverSide: boolean;
  readonly serverName: string | null;
  /** Seconds to finish the handshake before failing. */
  readonly handshakeTimeout: number;
}

/**
 * What `Network.connect` needs: where to, from where, and TLS.
 * Part of the network seam, which has no asyncio counterpart (asyncio's loop calls the OS itself).
 */
export interface ConnectRequest {
  /** A numeric address (resolve names first with `lookup`) or a Unix path. */
  readonly remote: NetworkAddress;
  readonly local?: NetworkAddress | null;
  /** Handshake TLS right after connecting; `connect` fires once it is done. */
  readonly tls?: TlsUpgrade | null;
}

/** What `Network.listen` needs: where, the backlog, and TLS. Part of the network seam, which has no asyncio counterpart. */
export interface ListenRequest {
  /**
   * Port 0 picks a free port. A Unix socket file left at the path by an earlier run is
   * removed first; any other file there makes listening fail.
   */
  readonly local: NetworkAddress;
  /**
   * A Unix listener removes its socket file when it closes, if the file is still the one
   * it created (3.13's `cleanup_socket`, default true); false leaves it.
   */
  readonly cleanupSocket?: boolean;
  readonly backlog: number;
  readonly ipv6Only: boolean;
  /** Each accepted connection handshakes first; failed handshakes are dropped silently. */
  readonly tls?: TlsUpgrade | null;
}

/**
 * What a listener reports: connections coming in, errors, and its close.
 * Part of the network seam, which has no asyncio counterpart.
 */
export interface ListenerHandlers {
  /** Bound and listening: `localAddress()` is known. */
  listening(): void;
  /** A connection was accepted (with TLS: handshake done). Call `accept` or `reject`. */
  connection(incoming: IncomingStream): void;
  /** Binding or listening failed; `close` follows. */
  error(err: Error): void;
  /** The listener is closed; nothing more comes. */
  close(): void;
}

/** A listening socket as a host's network gives it: the seam under asyncio's `Server` sockets. */
export interface Listener {
  /** The address it listens on (with the port the OS chose for port 0), or null once closed. */
  localAddress(): NetworkAddress | null;
  /** Stop accepting; connections already accepted are not touched. */
  close(): void;
}

/**
 * An accepted connection that no handler is attached to yet: nothing is lost meanwhile.
 * Part of the network seam, which has no asyncio counterpart.
 */
export interface IncomingStream {
  /** Take the connection, with the handlers of its events. */
  accept(handlers: StreamHandlers): StreamSocket;
  /** Refuse the connection (it is closed at once). */
  reject(): void;
}

/**
 * What `Network.bindDatagram` needs: the family, the local and remote ends, and socket options.
 * Part of the network seam, which has no asyncio counterpart.
 */
export interface DatagramRequest {
  readonly family: 'IPv4' | 'IPv6';
  /** Where to bind (null: any port on any interface). */
  readonly local: NetworkAddress | null;
  /** Connect to this peer: then `send` takes no address, and only its datagrams arrive. */
  readonly remote: NetworkAddress | null;
  readonly reuseAddress: boolean;
  readonly allowBroadcast: boolean;
}

/** What a datagram socket reports: messages, errors and its close. Part of the network seam, which has no asyncio counterpart. */
export interface DatagramHandlers {
  /** Bound (and connected, with `remote`). */
  ready(): void;
  /** A datagram arrived from `from`. */
  message(data: Uint8Array, from: NetworkAddress): void;
  /** A send or receive failed (an ICMP error, say); the socket stays open. */
  error(err: Error): void;
  /** Binding failed (`error` came first) or `close()` finished. Always last. */
  close(): void;
}

/** A UDP socket as a host's network gives it: the seam under asyncio's datagram transports. */
export interface DatagramSocket {
  /** Send one datagram; `done` is called (never synchronously) once it left, or failed. */
  send(data: Uint8Array, to: NetworkAddress | null, done: (err: Error | null) => void): void;
  /** Close the socket; `close` is reported once. */
  close(): void;
  /** The local address, or null once closed. */
  localAddress(): NetworkAddress | null;
  /** The connected remote address, or null if not connected. */
  remoteAddress(): NetworkAddress | null;
  readonly raw: unknown;
}

/** One answer of a name lookup. Part of the network seam (Python's `getaddrinfo` entries, in plain data). */
export interface ResolvedAddress {
  readonly family: 'IPv4' | 'IPv6';
  readonly address: string;
}

/** A host's sockets and name lookups: what Node's `net` gives the real host and a simulated network gives the virtual one (no asyncio counterpart; asyncio's loop calls the OS itself). */
export interface Network {
  /** For error messages: 'node', 'simulated'... */
  readonly name: string;
  /** Open a stream connection; events arrive at `handlers`. */
  connect(request: ConnectRequest, handlers: StreamHandlers): StreamSocket;
  /** Listen for stream connections; events arrive at `handlers`. */
  listen(request: ListenRequest, handlers: ListenerHandlers): Listener;
  /** Open a datagram socket; events arrive at `handlers`. */
  bindDatagram(request: DatagramRequest, handlers: DatagramHandlers): DatagramSocket;
  /**
   * Resolve a host name to numeric addresses (null family: both). `done` is called once,
   * never synchronously. An error has a `code` ('ENOTFOUND', 'EAI_AGAIN'...).
   */
  lookup(host: string, family: 'IPv4' | 'IPv6' | null, done: (err: Error | null, addresses: readonly ResolvedAddress[]) => void): void;
}
