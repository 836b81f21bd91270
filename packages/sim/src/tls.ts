/**
 * TLS over simulated TCP: the handshake's cost and shape, without cryptography.
 *
 * A `TlsSocket` wraps a `TcpSocket` and runs a two-message handshake over its byte
 * stream: the client sends a hello line (server name, ALPN offers), the server answers
 * with its choice; each side's `connect` fires when it has what it needs, so a handshake
 * costs one round trip on top of the connect, and loss, partitions and crashes act on it
 * as on any bytes. After it, bytes pass through unchanged. `tlsInfo()` then reports
 * TLS 1.3 with a fixed cipher, the ALPN protocol both sides offered first, and (to a client)
 * a certificate naming the server it asked for.
 *
 * Not simulated: certificates are not parsed or verified (a context without a trusted CA
 * still connects), so certificate failures cannot be tested here; run those on loopback
 * with `run()`. A handshake that does not finish within `handshakeTimeout` fails with
 * ETIMEDOUT.
 */
import type { NetworkAddress, StreamHandlers, StreamSocket, TlsInfo, TlsUpgrade } from '@yieldio/core';
import { callAtWithContext } from '@yieldio/core/internal';
import type { SimHost } from './host';
import type { SimNetwork } from './network';
import { TcpSocket } from './tcp';

type IpAddress = Extract<NetworkAddress, { family: 'IPv4' | 'IPv6' }>;

const MAGIC = '\u0016yieldio-sim-tls ';
// Made on first use: importing the package must not need them (the browser entry's test
// loads it into a bare realm), and only a TLS handshake does.
let encoder: InstanceType<typeof TextEncoder> | null = null;
let decoder: InstanceType<typeof TextDecoder> | null = null;
const encode = (text: string): Uint8Array => (encoder ??= new TextEncoder()).encode(text);
const decode = (bytes: Uint8Array): string => (decoder ??= new TextDecoder()).decode(bytes);

interface Hello {
  serverName: string | null;
  alpn: readonly string[];
}

interface Answer {
  alpn: string | null;
}

type Phase = 'handshaking' | 'done' | 'failed';

export class TlsSocket implements StreamSocket {
  readonly raw = this;
  readonly #inner: TcpSocket;
  readonly #upgrade: TlsUpgrade;
  #handlers: StreamHandlers | null;
  #phase: Phase = 'handshaking';
  /** Handshake bytes received so far (up to the end of the line). */
  #received = new Uint8Array(0);
  #info: TlsInfo | null = null;
  /** Events for handlers not attached yet (a server's connection before accept). */
  #queued: Array<(h: StreamHandlers) => void> = [];
  #paused = false;
  #timer: { cancel(): void } | null = null;
  /** Server side: called once the handshake is done, to announce the connection. */
  #onReady: ((socket: TlsSocket) => void) | null = null;

  private constructor(inner: TcpSocket, upgrade: TlsUpgrade, handlers: StreamHandlers | null) {
    this.#inner = inner;
    this.#upgrade = upgrade;
    this.#handlers = handlers;
    inner._handlers = this.#innerHandlers;
    if (Number.isFinite(upgrade.handshakeTimeout)) {
      const loop = inner._net.loop;
      this.#timer = callAtWithContext(loop, loop.time() + upgrade.handshakeTimeout, () => this.#handshakeTimedOut(), null, null);
    }
  }

  /** A TLS client connection (`connect` with `tls`). */
  static clientSide(
    net: SimNetwork,
    host: SimHost,
    local: IpAddress,
    remote: IpAddress,
    target: SimHost | null,
    upgrade: TlsUpgrade,
    handlers: StreamHandlers,
  ): TlsSocket {
    const inner = new TcpSocket(net, host, local, remote, null);
    const socket = new TlsSocket(inner, upgrade, handlers);
    inner._startConnect(target);
    return socket;
  }

  /** A listener's accepted connection: handshake first, then `onReady`. */
  static serverSide(inner: TcpSocket, upgrade: TlsUpgrade, onReady: (socket: TlsSocket) => void): void {
    const socket = new TlsSocket(inner, upgrade, null);
    socket.#onReady = onReady;
    inner._scheduleFlush();
  }

  /** `startTls` on a connected plain socket: `unread` are the first bytes of the TLS stream. */
  static over(inner: TcpSocket, upgrade: TlsUpgrade, handlers: StreamHandlers, unread: readonly Uint8Array[]): TlsSocket {
    const socket = new TlsSocket(inner, upgrade, handlers);
    for (const chunk of unread) socket.#handshakeData(chunk);
    if (!upgrade.serverSide) socket.#sendHello();
    inner.resume();
    return socket;
  }

  // ---- The inner socket's events -------------------------------------------------------

  readonly #innerHandlers: StreamHandlers = {
    connect: () => {
      if (!this.#upgrade.serverSide) this.#sendHello();
    },
    data: (chunk) => {
      if (this.#phase === 'handshaking') this.#handshakeData(chunk);
      else if (this.#phase === 'done') this.#emit((h) => h.data(chunk));
    },
    end: () => {
      if (this.#phase === 'handshaking') this.#fail(Object.assign(new Error('TLS handshake failed: the peer closed the connection'), { code: 'ECONNRESET' }));
      else if (this.#phase === 'done') this.#emit((h) => h.end());
    },
    drain: () => this.#emit((h) => h.drain()),
    error: (err) => {
      if (this.#phase === 'handshaking') this.#fail(err);
      else this.#emit((h) => h.error(err));
    },
    close: () => {
      this.#timer?.cancel();
      if (this.#phase === 'failed') return;
      if (this.#phase === 'handshaking') this.#fail(Object.assign(new Error('TLS handshake failed: the connection closed'), { code: 'ECONNRESET' }));
      else this.#emit((h) => h.close());
    },
  };

  #emit(event: (h: StreamHandlers) => void): void {
    if (this.#handlers !== null) event(this.#handlers);
    else this.#queued.push(event);
  }

  // ---- The handshake -------------------------------------------------------------------

  #sendHello(): void {
    const hello: Hello = { serverName: this.#upgrade.serverName, alpn: this.#upgrade.tls.alpnProtocols ?? [] };
    this.#inner.write(encode(`${MAGIC}${JSON.stringify(hello)}\n`));
  }

  #handshakeData(chunk: Uint8Array): void {
    const joined = new Uint8Array(this.#received.length + chunk.length);
    joined.set(this.#received);
    joined.set(chunk, this.#received.length);
    const end = joined.indexOf(10);
    if (end < 0) {
      this.#received = joined;
      return;
    }
    const line = decode(joined.subarray(0, end));
    const rest = joined.subarray(end + 1);
    this.#received = new Uint8Array(0);
    if (!line.startsWith(MAGIC)) {
      this.#fail(Object.assign(new Error('TLS handshake failed: the peer does not speak TLS (wrong version number)'), { code: 'ERR_SSL_WRONG_VERSION_NUMBER' }));
      return;
    }
    const message = JSON.parse(line.slice(MAGIC.length)) as Hello & Answer;
    const offered = this.#upgrade.tls.alpnProtocols ?? [];
    let alpn: string | null;
    let peerCertificate: Record<string, unknown> | null = null;
    if (this.#upgrade.serverSide) {
      alpn = message.alpn.find((p) => offered.includes(p)) ?? null;
      const answer: Answer = { alpn };
      this.#inner.write(encode(`${MAGIC}${JSON.stringify(answer)}\n`));
    } else {
      alpn = message.alpn;
      const name = this.#upgrade.serverName ?? this.#inner._remote.address;
      peerCertificate = { subject: [[['commonName', name]]], subjectAltName: [['DNS', name]], simulated: true };
    }
    this.#info = { protocol: 'TLSv1.3', cipher: ['TLS_AES_256_GCM_SHA384', 'TLSv1.3', 256], peerCertificate, alpnProtocol: alpn };
    this.#phase = 'done';
    this.#timer?.cancel();
    this.#timer = null;
    if (this.#paused) this.#inner.pause();
    if (this.#onReady !== null) {
      const ready = this.#onReady;
      this.#onReady = null;
      this.#inner.pause(); // until the server accepts it
      ready(this);
    } else {
      this.#handlers?.connect();
    }
    if (rest.length > 0) this.#emit((h) => h.data(rest.slice()));
  }

  #handshakeTimedOut(): void {
    this.#timer = null;
    if (this.#phase !== 'handshaking' || this.#inner._stale()) return;
    this.#fail(Object.assign(new Error(`TLS handshake did not finish in ${this.#upgrade.handshakeTimeout} seconds`), { code: 'ETIMEDOUT' }));
    this.#inner.destroy();
  }

  #fail(err: Error): void {
    if (this.#phase !== 'handshaking') return;
    this.#phase = 'failed';
    this.#timer?.cancel();
    this.#inner.destroy();
    // A server's failed handshake is dropped silently (no connection to report it to).
    const handlers = this.#handlers;
    if (handlers !== null) {
      handlers.error(err);
      handlers.close();
    }
  }

  // ---- The seam ------------------------------------------------------------------------

  /** A listener's connection was accepted: attach, and deliver what waited. */
  _attach(handlers: StreamHandlers): void {
    this.#handlers = handlers;
    const queued = this.#queued;
    this.#queued = [];
    if (queued.length > 0) this.#inner._host._callSoon(() => queued.forEach((event) => event(handlers)));
    if (!this.#paused) this.#inner.resume();
  }

  write(data: Uint8Array): void {
    this.#inner.write(data);
  }

  writeBufferSize(): number {
    return this.#inner.writeBufferSize();
  }

  watchDrain(on: boolean): void {
    this.#inner.watchDrain(on);
  }

  end(): void {
    this.#inner.end();
  }

  close(): void {
    this.#inner.close();
  }

  destroy(): void {
    this.#timer?.cancel();
    this.#inner.destroy();
  }

  pause(): void {
    this.#paused = true;
    if (this.#phase === 'done') this.#inner.pause();
  }

  resume(): void {
    this.#paused = false;
    if (this.#phase === 'done' && this.#handlers !== null) this.#inner.resume();
  }

  localAddress(): NetworkAddress {
    return this.#inner.localAddress();
  }

  remoteAddress(): NetworkAddress {
    return this.#inner.remoteAddress();
  }

  startTls(): StreamSocket {
    throw new Error('startTls(): this connection already runs TLS');
  }

  tlsInfo(): TlsInfo | null {
    return this.#info;
  }
}
