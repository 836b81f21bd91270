/**
 * FakeNetwork: an in-memory implementation of core's `Network` seam, for tests. It proves
 * the seam is enough: the unchanged transports and streams run over it inside
 * `simulate()`, on the virtual clock, deterministically (Trio's `testing/_fake_net.py` in
 * miniature; the project's simulated network will grow from this shape).
 *
 * Model: each direction of a connection carries bytes after `latency` virtual seconds into
 * the receiver's window of `window` bytes; while the receiver is paused and its window is
 * full, bytes wait in the sender's write buffer, so back-pressure reaches `drain()` as it
 * does over TCP. Events are delivered by loop timers (never synchronously from a socket
 * method), as the seam's contract requires. Not modelled: TLS, datagrams, Unix sockets,
 * loss and reordering.
 */
import { getRunningLoop } from '@yieldio/core';
import type {
  ConnectRequest,
  DatagramHandlers,
  DatagramRequest,
  DatagramSocket,
  EventLoop,
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

function codeError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

function key(address: NetworkAddress): string {
  return address.family === 'unix' ? address.path : `${address.address}:${address.port}`;
}

class FakeSocket implements StreamSocket {
  readonly raw = this;
  handlers: StreamHandlers | null = null;
  peer: FakeSocket | null = null;
  readonly #net: FakeNetwork;
  readonly #local: NetworkAddress;
  readonly #remote: NetworkAddress;
  /** Written, not yet in the peer's window. */
  #outbox: Uint8Array[] = [];
  #outboxBytes = 0;
  /** Arrived, not yet delivered (we are paused, or delivery is scheduled). */
  #inbox: Uint8Array[] = [];
  #inboxBytes = 0;
  #paused = false;
  #watching = false;
  /** What the writing side was asked for: nothing, EOF after the outbox, or close after it. */
  #ending: 'open' | 'end' | 'close' = 'open';
  #endSent = false;
  #peerEnded = false;
  #eofDelivered = false;
  #closed = false;
  #pumpScheduled = false;
  #deliverScheduled = false;

  constructor(net: FakeNetwork, local: NetworkAddress, remote: NetworkAddress) {
    this.#net = net;
    this.#local = local;
    this.#remote = remote;
  }

  get #loop(): EventLoop {
    return this.#net.loop;
  }

  write(data: Uint8Array): void {
    if (this.#closed || this.#ending !== 'open') return;
    this.#outbox.push(Uint8Array.from(data));
    this.#outboxBytes += data.length;
    this.#schedulePump();
  }

  writeBufferSize(): number {
    return this.#outboxBytes;
  }

  watchDrain(on: boolean): void {
    this.#watching = on;
  }

  end(): void {
    if (this.#ending === 'open') this.#ending = 'end';
    this.#schedulePump();
  }

  close(): void {
    if (this.#ending !== 'close') this.#ending = 'close';
    this.#schedulePump();
  }

  destroy(): void {
    if (this.#closed) return;
    const reset = this.#outboxBytes > 0;
    this.#outbox = [];
    this.#outboxBytes = 0;
    const peer = this.peer;
    if (peer !== null && !this.#endSent) {
      this.#endSent = true;
      this.#net.after(() => (reset ? peer.#reset() : peer.#receiveEnd()));
    }
    this.#finish();
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#scheduleDeliver();
    if (this.peer !== null) this.peer.#schedulePump();
  }

  localAddress(): NetworkAddress {
    return this.#local;
  }

  remoteAddress(): NetworkAddress {
    return this.#remote;
  }

  startTls(_upgrade: TlsUpgrade): StreamSocket {
    throw new Error('FakeNetwork does not simulate TLS');
  }

  tlsInfo(): TlsInfo | null {
    return null;
  }

  /** Move bytes from our outbox into the peer's window, after the latency. */
  #schedulePump(): void {
    if (this.#pumpScheduled || this.#closed) return;
    this.#pumpScheduled = true;
    this.#net.after(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    const peer = this.peer;
    if (this.#closed || peer === null) return;
    let moved = false;
    while (this.#outbox.length > 0 && peer.#inboxBytes < this.#net.window && !peer.#closed) {
      const room = this.#net.window - peer.#inboxBytes;
      let chunk = this.#outbox[0];
      if (chunk.length > room) {
        this.#outbox[0] = chunk.subarray(room);
        chunk = chunk.subarray(0, room);
      } else {
        this.#outbox.shift();
      }
      this.#outboxBytes -= chunk.length;
      peer.#inbox.push(chunk);
      peer.#inboxBytes += chunk.length;
      moved = true;
    }
    if (moved) {
      peer.#scheduleDeliver();
      if (this.#watching) this.handlers?.drain();
    }
    if (this.#outbox.length === 0 && this.#ending !== 'open' && !this.#endSent) {
      this.#endSent = true;
      peer.#receiveEnd();
      if (this.#ending === 'close') this.#finish();
      else this.#maybeClose();
    }
  }

  #scheduleDeliver(): void {
    if (this.#deliverScheduled || this.#closed) return;
    this.#deliverScheduled = true;
    this.#net.after(() => {
      this.#deliverScheduled = false;
      this.#deliver();
    }, 0);
  }

  #deliver(): void {
    const handlers = this.handlers;
    if (handlers === null || this.#closed) return;
    while (!this.#paused && this.#inbox.length > 0) {
      const chunk = this.#inbox.shift()!;
      this.#inboxBytes -= chunk.length;
      handlers.data(chunk);
    }
    // Room in our window again: let the peer send more.
    if (this.peer !== null) this.peer.#schedulePump();
    if (!this.#paused && this.#inbox.length === 0 && this.#peerEnded && !this.#eofDelivered) {
      this.#eofDelivered = true;
      handlers.end();
      this.#maybeClose();
    }
  }

  #receiveEnd(): void {
    this.#peerEnded = true;
    this.#scheduleDeliver();
  }

  #reset(): void {
    if (this.#closed) return;
    this.handlers?.error(codeError('connection reset by peer', 'ECONNRESET'));
    this.#finish();
  }

  #maybeClose(): void {
    if (this.#endSent && this.#eofDelivered) this.#finish();
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#inbox = [];
    this.#inboxBytes = 0;
    const handlers = this.handlers;
    this.#net.after(() => handlers?.close(), 0);
  }
}

class FakeIncoming implements IncomingStream {
  readonly #socket: FakeSocket;
  constructor(socket: FakeSocket) {
    this.#socket = socket;
  }
  accept(handlers: StreamHandlers): StreamSocket {
    this.#socket.handlers = handlers;
    this.#socket.resume();
    return this.#socket;
  }
  reject(): void {
    this.#socket.destroy();
  }
}

class FakeListener implements Listener {
  readonly #net: FakeNetwork;
  readonly address: NetworkAddress;
  readonly handlers: ListenerHandlers;
  closed = false;
  constructor(net: FakeNetwork, address: NetworkAddress, handlers: ListenerHandlers) {
    this.#net = net;
    this.address = address;
    this.handlers = handlers;
  }
  localAddress(): NetworkAddress {
    return this.address;
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.#net.listeners.delete(key(this.address));
    this.#net.after(() => this.handlers.close(), 0);
  }
}

export class FakeNetwork implements Network {
  readonly name = 'fake';
  readonly listeners = new Map<string, FakeListener>();
  /** One-way delay, virtual seconds. */
  readonly latency: number;
  /** How many bytes a receiver holds before the sender must keep them. */
  readonly window: number;
  #nextPort = 40000;

  constructor(options: { latency?: number; window?: number } = {}) {
    this.latency = options.latency ?? 0.001;
    this.window = options.window ?? 64 * 1024;
  }

  /** Network calls happen inside the loop's pass, so the running loop is the one. */
  get loop(): EventLoop {
    return getRunningLoop('FakeNetwork');
  }

  after(fn: () => void, delay = this.latency): void {
    this.loop.callLater(delay, fn);
  }

  connect(request: ConnectRequest, handlers: StreamHandlers): StreamSocket {
    const remote = request.remote;
    const local: NetworkAddress =
      remote.family === 'unix' ? { family: 'unix', path: '' } : { family: remote.family, address: remote.family === 'IPv6' ? '::1' : '127.0.0.1', port: this.#nextPort++ };
    const client = new FakeSocket(this, local, remote);
    client.handlers = handlers;
    if (request.tls) {
      this.after(() => {
        handlers.error(codeError('FakeNetwork does not simulate TLS', 'EPROTONOSUPPORT'));
        handlers.close();
      });
      return client;
    }
    this.after(() => {
      const listener = this.listeners.get(key(remote));
      if (listener === undefined || listener.closed) {
        handlers.error(codeError(`connect ECONNREFUSED ${key(remote)}`, 'ECONNREFUSED'));
        handlers.close();
        return;
      }
      const server = new FakeSocket(this, remote, local);
      server.pause();
      server.peer = client;
      client.peer = server;
      listener.handlers.connection(new FakeIncoming(server));
      this.after(() => handlers.connect());
    });
    return client;
  }

  listen(request: ListenRequest, handlers: ListenerHandlers): Listener {
    let local = request.local;
    if (local.family !== 'unix' && local.port === 0) local = { ...local, port: this.#nextPort++ };
    const listener = new FakeListener(this, local, handlers);
    if (this.listeners.has(key(local))) {
      this.after(() => {
        handlers.error(codeError(`listen EADDRINUSE ${key(local)}`, 'EADDRINUSE'));
        handlers.close();
      }, 0);
      return listener;
    }
    this.listeners.set(key(local), listener);
    this.after(() => handlers.listening(), 0);
    return listener;
  }

  bindDatagram(_request: DatagramRequest, _handlers: DatagramHandlers): DatagramSocket {
    throw new Error('FakeNetwork does not simulate datagrams');
  }

  lookup(host: string, family: 'IPv4' | 'IPv6' | null, done: (err: Error | null, addresses: readonly ResolvedAddress[]) => void): void {
    this.after(() => {
      if (host === 'localhost') {
        const all: ResolvedAddress[] = [
          { family: 'IPv4', address: '127.0.0.1' },
          { family: 'IPv6', address: '::1' },
        ];
        done(null, all.filter((a) => family === null || a.family === family));
      } else {
        done(codeError(`getaddrinfo ENOTFOUND ${host}`, 'ENOTFOUND'), []);
      }
    });
  }
}
