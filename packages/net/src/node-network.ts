/**
 * Node's network: core's `Network` seam (packages/core/src/network.ts) implemented with
 * node:net, node:tls, node:dgram and node:dns. With node-tls-options.ts (the seam's TLS
 * settings in node:tls's terms) it is the only module of the package that imports Node's
 * networking; everything above it (transports, protocols, streams) speaks the seam, so a
 * simulated network can replace this one under unchanged code.
 *
 * Each wrapper turns Node's EventEmitter events into the seam's handler calls and keeps
 * the seam's promises: handlers are never called synchronously from our own methods (Node
 * emits on later ticks), `close` comes exactly once and last, and no byte is lost between
 * an accepted connection and the handlers attached to it (Node holds data in the socket's
 * readable buffer until a 'data' listener exists, and we catch 'error' from the start, since
 * an 'error' with no listener would crash the process).
 *
 * Every socket, listener and timer here is unref'd: the loop decides how long the process
 * lives, not the sockets. A running loop keeps Node alive by itself (RealHost arms a timer
 * even when it only waits for I/O), so nothing changes while `run()` runs; but a server or
 * connection left open when `run()` returns no longer keeps the process from exiting, as
 * a Python script ends after `asyncio.run()` whatever it left open. Bytes already handed
 * to a socket are still sent: libuv's pending writes and shutdowns keep Node alive on
 * their own, so `writer.close()` as the last act of `main()` flushes before the exit.
 *
 * Where asyncio's selector transports call send() until EAGAIN, Node's socket keeps its own
 * write queue: `writeBufferSize` is that queue's length (`writableLength`), and each
 * write's completion callback is how we learn that it shrank (only reported while the
 * consumer watches, so the hot path pays for no event it does not need; a write into an
 * empty queue goes without one, see `#bareTail`).
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import * as dgram from 'node:dgram';
import * as dns from 'node:dns';
import * as fs from 'node:fs';
import type {
  ConnectRequest,
  DatagramHandlers,
  DatagramRequest,
  DatagramSocket,
  IncomingStream,
  Listener,
  ListenerHandlers,
  ListenRequest,
  Network,
  NetworkAddress,
  ResolvedAddress,
  StreamHandlers,
  StreamSocket,
  TlsInfo,
  TlsUpgrade,
} from '@yieldio/core';
import { clientOptions, serverOptions } from './node-tls-options';

function ignoreError(): void {}

/** The empty write that marks the end of a bare one (see `#bareTail`). */
const NO_BYTES = new Uint8Array(0);

interface UnixEnds {
  readonly local: string;
  readonly remote: string;
}

function toAddress(address: string | undefined, port: number | undefined, family: string | number | undefined): NetworkAddress | null {
  if (address === undefined || port === undefined) return null;
  const fam = family === 'IPv6' || family === 6 ? 'IPv6' : 'IPv4';
  return { family: fam, address, port };
}

class NodeStreamSocket implements StreamSocket {
  readonly raw: net.Socket;
  readonly #handlers: StreamHandlers;
  /** For a Unix socket: our path and the peer's ('' for an unnamed end), as Python shows them. */
  readonly #unix: UnixEnds | null;
  #watching = false;
  /**
   * Whether the newest write still in Node's queue went without a completion callback.
   *
   * W6a/W6c (a small write per message, into an empty queue, no one watching): such a
   * write goes bare, `raw.write(data)`, and one the kernel takes at once costs Node no
   * callback, no tick object and no `nextTick`; with a callback (`raw.write(data,
   * #afterWrite)`, the plain code, still used while someone watches or bytes are queued)
   * Node schedules an `afterWriteTick` per write. A bare write the kernel did not take
   * at once leaves its end unannounced: if watching starts while it is queued,
   * `watchDrain` marks its end with an empty write that carries the callback.
   */
  #bareTail = false;
  #detached = false;
  #closed = false;
  #handshakeTimer: ReturnType<typeof setTimeout> | null = null;
  readonly #onConnect = (): void => {
    if (this.#handshakeTimer !== null) clearTimeout(this.#handshakeTimer);
    this.#handlers.connect();
  };
  readonly #onData = (chunk: Buffer): void => this.#handlers.data(chunk);
  readonly #onEnd = (): void => this.#handlers.end();
  readonly #onError = (err: Error): void => this.#handlers.error(err);
  readonly #onClose = (): void => {
    if (this.#handshakeTimer !== null) clearTimeout(this.#handshakeTimer);
    this.#closed = true;
    this.#handlers.close();
  };
  readonly #afterWrite = (): void => {
    if (this.#watching && !this.#detached) this.#handlers.drain();
  };

  constructor(socket: net.Socket, handlers: StreamHandlers, connectEvent: string | null, unix: UnixEnds | null) {
    this.raw = socket;
    this.#handlers = handlers;
    this.#unix = unix;
    socket.unref(); // see the module note: the loop, not its sockets, keeps Node alive
    if (connectEvent !== null) socket.once(connectEvent, this.#onConnect);
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
  }

  /** Fail the handshake if it takes longer than `seconds`. */
  armHandshakeTimeout(seconds: number): void {
    if (!Number.isFinite(seconds)) return;
    this.#handshakeTimer = setTimeout(() => {
      this.raw.destroy(Object.assign(new Error(`TLS handshake did not finish in ${seconds} seconds`), { code: 'ETIMEDOUT' }));
    }, Math.ceil(seconds * 1000));
    this.#handshakeTimer.unref();
  }

  write(bytes: Uint8Array): void {
    const raw = this.raw;
    if (raw.destroyed) return;
    // A copy, as asyncio keeps one of what the kernel does not take at once: Node's
    // write() keeps a reference to what it queues, so a program that reuses its buffer
    // would change bytes not sent yet (the kernel copies; the simulated network does too).
    // A few hundred nanoseconds for a small write (Node's pool); for big ones it costs W6b
    // (64 KiB chunks) a third of its speed: 1.03x -> 1.55x of Node's time. Copying only
    // what is queued is not enough: a write into an empty queue that the kernel takes in
    // part is still the caller's bytes (a test's refilled block 14 of 32 arrived changed).
    const data = Buffer.from(bytes);
    if (this.#watching || raw.writableLength > 0) {
      raw.write(data, this.#afterWrite);
      this.#bareTail = false;
    } else {
      raw.write(data);
      this.#bareTail = raw.writableLength > 0;
    }
  }

  writeBufferSize(): number {
    return this.raw.writableLength;
  }

  watchDrain(on: boolean): void {
    this.#watching = on;
    if (on && this.#bareTail) {
      // A bare write is still queued (see #bareTail): announce when it, and all before it, are out.
      this.#bareTail = false;
      const raw = this.raw;
      if (raw.destroyed || raw.writableLength === 0) return;
      if (raw.writableEnded) raw.once('finish', this.#afterWrite);
      else raw.write(NO_BYTES, this.#afterWrite);
    }
  }

  end(): void {
    this.raw.end();
  }

  close(): void {
    this.raw.destroySoon();
  }

  destroy(): void {
    this.raw.destroy();
  }

  pause(): void {
    this.raw.pause();
  }

  resume(): void {
    this.raw.resume();
  }

  localAddress(): NetworkAddress | null {
    if (this.#unix !== null) return { family: 'unix', path: this.#unix.local };
    return toAddress(this.raw.localAddress, this.raw.localPort, this.raw.localFamily);
  }

  remoteAddress(): NetworkAddress | null {
    if (this.#unix !== null) return { family: 'unix', path: this.#unix.remote };
    return toAddress(this.raw.remoteAddress, this.raw.remotePort, this.raw.remoteFamily);
  }

  startTls(upgrade: TlsUpgrade, handlers: StreamHandlers, unread: readonly Uint8Array[]): StreamSocket {
    const raw = this.raw;
    this.#detach();
    // The TLS socket reports failures from now on; an 'error' that no one hears would
    // crash Node, so the raw socket keeps a listener that drops what it says.
    raw.on('error', ignoreError);
    raw.pause();
    // Bytes we already passed up but no one consumed are the start of the TLS stream:
    // put them back, and Node's TLSSocket feeds the raw socket's buffer to the handshake.
    for (let i = unread.length - 1; i >= 0; i--) raw.unshift(unread[i]);
    let secure: tls.TLSSocket;
    let socket: NodeStreamSocket;
    if (upgrade.serverSide) {
      const options = serverOptions(upgrade);
      secure = new tls.TLSSocket(raw, { ...options, isServer: true, secureContext: tls.createSecureContext(options) });
      socket = new NodeStreamSocket(secure, handlers, null, this.#unix);
      secure.once('secure', () => {
        if (options.rejectUnauthorized && !secure.authorized) {
          secure.destroy(secure.authorizationError ?? new Error('the client certificate was not authorized'));
          return;
        }
        socket.#onConnect();
      });
    } else {
      secure = tls.connect({ ...clientOptions(upgrade), socket: raw });
      socket = new NodeStreamSocket(secure, handlers, 'secureConnect', this.#unix);
    }
    socket.armHandshakeTimeout(upgrade.handshakeTimeout);
    return socket;
  }

  tlsInfo(): TlsInfo | null {
    const socket = this.raw;
    if (!(socket instanceof tls.TLSSocket) || !socket.encrypted) return null;
    const cipher = socket.getCipher() as tls.CipherNameAndProtocol | undefined;
    const cert = socket.getPeerCertificate();
    return {
      protocol: socket.getProtocol() ?? null,
      cipher: cipher ? [cipher.name, cipher.version, null] : null,
      peerCertificate: cert && Object.keys(cert).length > 0 ? (cert as unknown as Record<string, unknown>) : null,
      alpnProtocol: typeof socket.alpnProtocol === 'string' ? socket.alpnProtocol : null,
    };
  }

  #detach(): void {
    this.#detached = true;
    const raw = this.raw;
    raw.off('data', this.#onData);
    raw.off('end', this.#onEnd);
    raw.off('error', this.#onError);
    raw.off('close', this.#onClose);
  }

  get closed(): boolean {
    return this.#closed;
  }
}

class NodeIncoming implements IncomingStream {
  readonly #socket: net.Socket;
  readonly #unix: UnixEnds | null;
  #early: Error | null = null;
  #closedEarly = false;
  readonly #onEarlyError = (err: Error): void => {
    this.#early ??= err;
  };
  readonly #onEarlyClose = (): void => {
    this.#closedEarly = true;
  };

  constructor(socket: net.Socket, unix: UnixEnds | null) {
    this.#socket = socket;
    this.#unix = unix;
    socket.unref();
    socket.on('error', this.#onEarlyError);
    socket.on('close', this.#onEarlyClose);
  }

  accept(handlers: StreamHandlers): StreamSocket {
    const socket = this.#socket;
    socket.off('error', this.#onEarlyError);
    socket.off('close', this.#onEarlyClose);
    // asyncio disables Nagle's algorithm on every TCP transport (base_events._set_nodelay).
    if (this.#unix === null) socket.setNoDelay(true);
    const wrapped = new NodeStreamSocket(socket, handlers, null, this.#unix);
    // A server made with pauseOnConnect reads nothing until told to (a 'data' listener is not enough).
    socket.resume();
    // What happened before anyone listened is replayed, later, in order.
    const early = this.#early;
    const closedEarly = this.#closedEarly;
    if (early !== null || closedEarly) {
      process.nextTick(() => {
        if (early !== null) handlers.error(early);
        if (closedEarly) handlers.close();
      });
    }
    return wrapped;
  }

  reject(): void {
    this.#socket.destroy();
  }
}

/** Remove a Unix socket file left at `path` (never any other kind of file). */
function removeStaleSocket(path: string): void {
  try {
    if (fs.statSync(path).isSocket()) fs.unlinkSync(path);
  } catch {
    // Missing already, or not ours to remove: listen() reports what matters.
  }
}

let bindCount = 0;

/**
 * Where to bind a Unix listener before linking it to its path, or null to bind the path
 * itself. libuv unlinks the path it bound when the listener closes, whatever file is
 * there by then (another server's socket included), and cannot be told not to. So we
 * bind a private name in the same directory (a hard link needs the same file system),
 * link the socket file to the caller's path, and unlink the private name: libuv's unlink
 * then finds nothing, and removing the caller's path is our decision (3.13: only if it
 * is still the file we created, and only if `cleanupSocket`). An abstract socket (a path
 * starting with NUL) has no file; a path too long for a private name beside it binds
 * directly, with libuv's cleanup.
 */
function privateBindPath(path: string): string | null {
  if (path.startsWith('\0')) return null;
  const slash = path.lastIndexOf('/');
  const dir = slash < 0 ? '.' : slash === 0 ? '' : path.slice(0, slash);
  const candidate = `${dir}/.yio${process.pid.toString(36)}_${(++bindCount).toString(36)}`;
  return Buffer.byteLength(candidate) <= 107 ? candidate : null;
}

class NodeListener implements Listener {
  readonly #server: net.Server;
  readonly #unixPath: string | null;
  /** The socket file we created at #unixPath, to remove on close (null: none, or keep it). */
  #ownFile: { dev: number; ino: number } | null = null;

  constructor(request: ListenRequest, handlers: ListenerHandlers) {
    const local = request.local;
    this.#unixPath = local.family === 'unix' ? local.path : null;
    const unixEnds: UnixEnds | null = this.#unixPath === null ? null : { local: this.#unixPath, remote: '' };
    if (request.tls) {
      const upgrade = request.tls;
      const server = tls.createServer({
        ...serverOptions(upgrade),
        allowHalfOpen: true,
        handshakeTimeout: Number.isFinite(upgrade.handshakeTimeout) ? Math.ceil(upgrade.handshakeTimeout * 1000) : 0,
      });
      // A client whose handshake fails never becomes a connection (asyncio logs it only
      // in debug mode); the listener goes on.
      server.on('tlsClientError', () => {});
      server.on('secureConnection', (socket: tls.TLSSocket) => handlers.connection(new NodeIncoming(socket, unixEnds)));
      this.#server = server;
    } else {
      const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
      server.on('connection', (socket: net.Socket) => handlers.connection(new NodeIncoming(socket, unixEnds)));
      this.#server = server;
    }
    const server = this.#server;
    server.unref();
    server.on('error', (err: Error) => {
      handlers.error(err);
      // A failed bind leaves no listening server; Node emits no 'close' for it.
      if (!server.listening) process.nextTick(() => handlers.close());
    });
    server.on('close', () => handlers.close());
    if (local.family === 'unix') {
      const path = local.path;
      const cleanup = request.cleanupSocket !== false;
      const bindPath = privateBindPath(path);
      removeStaleSocket(path);
      server.on('listening', () => {
        if (bindPath !== null) {
          try {
            // link() fails with EEXIST rather than replace a file that appeared meanwhile.
            fs.linkSync(bindPath, path);
            fs.unlinkSync(bindPath);
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            handlers.error(code === 'EEXIST' ? Object.assign(new Error(`listen EADDRINUSE: address already in use ${path}`), { code: 'EADDRINUSE', syscall: 'listen' }) : (err as Error));
            server.close();
            return;
          }
        }
        if (cleanup) {
          try {
            const stat = fs.statSync(path);
            this.#ownFile = { dev: stat.dev, ino: stat.ino };
          } catch {
            // Gone already: there is nothing of ours to remove.
          }
        }
        handlers.listening();
      });
      server.listen({ path: bindPath ?? path, backlog: request.backlog });
    } else {
      server.on('listening', () => handlers.listening());
      server.listen({ host: local.address, port: local.port, backlog: request.backlog, ipv6Only: request.ipv6Only });
    }
  }

  localAddress(): NetworkAddress | null {
    if (this.#unixPath !== null) return { family: 'unix', path: this.#unixPath };
    const address = this.#server.address();
    if (address === null || typeof address === 'string') return null;
    return toAddress(address.address, address.port, address.family);
  }

  close(): void {
    const own = this.#ownFile;
    if (own !== null && this.#unixPath !== null) {
      this.#ownFile = null;
      try {
        // Only the file we created: another server may have replaced it (3.13).
        const stat = fs.statSync(this.#unixPath);
        if (stat.dev === own.dev && stat.ino === own.ino) fs.unlinkSync(this.#unixPath);
      } catch {
        // Someone removed it already (test_unix_server_cleanup_gone).
      }
    }
    if (this.#server.listening) this.#server.close();
  }
}

class NodeDatagramSocket implements DatagramSocket {
  readonly raw: dgram.Socket;
  #connected = false;

  constructor(request: DatagramRequest, handlers: DatagramHandlers) {
    const socket = dgram.createSocket({ type: request.family === 'IPv6' ? 'udp6' : 'udp4', reuseAddr: request.reuseAddress });
    socket.unref();
    this.raw = socket;
    let ready = false;
    socket.on('message', (msg: Buffer, rinfo: dgram.RemoteInfo) => {
      handlers.message(msg, { family: rinfo.family === 'IPv6' ? 'IPv6' : 'IPv4', address: rinfo.address, port: rinfo.port });
    });
    socket.on('error', (err: Error) => {
      handlers.error(err);
      // Before it was ready, an error means it never will be.
      if (!ready) socket.close();
    });
    socket.on('close', () => handlers.close());
    socket.on('listening', () => {
      if (request.allowBroadcast) socket.setBroadcast(true);
      const remote = request.remote;
      if (remote === null || remote.family === 'unix') {
        ready = true;
        handlers.ready();
        return;
      }
      socket.connect(remote.port, remote.address, () => {
        this.#connected = true;
        ready = true;
        handlers.ready();
      });
    });
    const local = request.local;
    if (local !== null && local.family !== 'unix') socket.bind({ port: local.port, address: local.address });
    else socket.bind({ port: 0, address: request.family === 'IPv6' ? '::' : '0.0.0.0' });
  }

  send(data: Uint8Array, to: NetworkAddress | null, done: (err: Error | null) => void): void {
    const callback = (err: Error | null): void => done(err ?? null);
    data = Buffer.from(data); // a copy: Node sends on a later tick, from the bytes it was given
    if (this.#connected || to === null || to.family === 'unix') this.raw.send(data, callback);
    else this.raw.send(data, to.port, to.address, callback);
  }

  close(): void {
    try {
      this.raw.close();
    } catch {
      // Closed already (a failed bind closes it): nothing to do.
    }
  }

  localAddress(): NetworkAddress | null {
    try {
      const a = this.raw.address();
      return toAddress(a.address, a.port, a.family);
    } catch {
      return null;
    }
  }

  remoteAddress(): NetworkAddress | null {
    if (!this.#connected) return null;
    try {
      const a = this.raw.remoteAddress();
      return toAddress(a.address, a.port, a.family);
    } catch {
      return null;
    }
  }
}

/** The network of the real host under Node. No asyncio counterpart: the network seam's implementation on Node's sockets. */
export const nodeNetwork: Network = {
  name: 'node',

  connect(request: ConnectRequest, handlers: StreamHandlers): StreamSocket {
    const remote = request.remote;
    const unixPath: UnixEnds | null = remote.family === 'unix' ? { local: '', remote: remote.path } : null;
    const upgrade = request.tls ?? null;
    let raw: net.Socket;
    if (upgrade !== null) {
      const options: tls.ConnectionOptions & net.TcpSocketConnectOpts = { ...clientOptions(upgrade), port: 0 };
      (options as { allowHalfOpen?: boolean }).allowHalfOpen = true;
      if (remote.family === 'unix') {
        (options as { path?: string }).path = remote.path;
      } else {
        options.host = remote.address;
        options.port = remote.port;
        if (request.local && request.local.family !== 'unix') options.localAddress = request.local.address;
      }
      raw = tls.connect(options);
      const socket = new NodeStreamSocket(raw, handlers, 'secureConnect', unixPath);
      socket.armHandshakeTimeout(upgrade.handshakeTimeout);
      raw.setNoDelay(true);
      return socket;
    }
    if (remote.family === 'unix') {
      raw = net.connect({ path: remote.path, allowHalfOpen: true });
    } else {
      const local = request.local;
      raw = net.connect({
        host: remote.address,
        port: remote.port,
        allowHalfOpen: true,
        noDelay: true,
        localAddress: local && local.family !== 'unix' ? local.address : undefined,
        localPort: local && local.family !== 'unix' && local.port !== 0 ? local.port : undefined,
      });
    }
    return new NodeStreamSocket(raw, handlers, 'connect', unixPath);
  },

  listen(request: ListenRequest, handlers: ListenerHandlers): Listener {
    return new NodeListener(request, handlers);
  },

  bindDatagram(request: DatagramRequest, handlers: DatagramHandlers): DatagramSocket {
    return new NodeDatagramSocket(request, handlers);
  },

  lookup(host: string, family: 'IPv4' | 'IPv6' | null, done: (err: Error | null, addresses: readonly ResolvedAddress[]) => void): void {
    dns.lookup(host, { all: true, family: family === 'IPv4' ? 4 : family === 'IPv6' ? 6 : 0 }, (err, addresses) => {
      if (err) {
        done(err, []);
        return;
      }
      done(
        null,
        addresses.map((a) => ({ family: a.family === 6 ? 'IPv6' : 'IPv4', address: a.address })),
      );
    });
  },
};
