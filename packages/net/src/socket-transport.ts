/**
 * SocketTransport: a stream connection (TCP, Unix or TLS) as a transport driving a
 * protocol (asyncio `selector_events.py`, `_SelectorSocketTransport`).
 *
 * It sits on a seam `StreamSocket` and its `SocketEvents` queue. Every event is handled in
 * `_process`, one loop callback per burst, in this order: bytes and EOF to the protocol
 * (while it reads), the write buffer shrinking (resume the protocol), a failure (close
 * with the error), the socket closed (`connectionLost`). A socket whose network reports
 * its events from loop callbacks (`eventsInPass`, see socket-events.ts) is processed in
 * that very callback, as asyncio's `_read_ready` runs in the pass the selector reported
 * it in; Node's sockets report between passes, so theirs is a callback of its own.
 * Three small state machines:
 *
 *     state:       connecting --connectionMade--> open --close()--> closing --flushed--> closed
 *                        \                          \________abort()/error/peer closed____/^
 *     readState:   reading <--pause/resumeReading--> paused;  --EOF or close()--> done
 *     writeState:  open --writeEof()--> eof
 *
 * `closed` means `connectionLost` has been called or scheduled; each way into it runs once,
 * so the protocol hears `connectionLost` exactly once, and last (connectionMade is
 * scheduled first, and handles run in order).
 *
 * Where we differ from asyncio, and why:
 *   - bytes that arrive while the protocol is paused wait in the inbox (Node may have read
 *     them before the pause reached it), and so do EOF and a graceful close after them:
 *     `connectionLost` waits until the protocol has read what came before it. A failure
 *     (reset) does not wait, as in asyncio, where it surfaces at the next write;
 *   - writes are handed to the socket at once (Node keeps the queue), and the buffer size
 *     is that queue's; `write` after `close()` is dropped, as asyncio drops it once the
 *     connection is lost (and warns after 5);
 *   - after `close()` we go on reading and discard what comes, so unread input does not
 *     turn the close into a reset that could lose the bytes we flushed;
 *   - TLS transports can write EOF (Node half-closes TLS); asyncio's cannot.
 */
import { Handle, InvalidStateError, copyContext, logger } from '@yieldio/core';
import type { Context, Coro, EventLoop, Future, NetworkAddress, StreamSocket } from '@yieldio/core';
import { callSoonWithContext, scheduleHandle } from '@yieldio/core/internal';
import { formatAddress, toSockAddr } from './addresses';
import type { SockAddr } from './addresses';
import { OSError, fromNodeError } from './errors';
import { isBufferedProtocol } from './protocols';
import type { BaseProtocol, BufferedProtocol, Protocol, StreamProtocol } from './protocols';
import { EOF } from './socket-events';
import type { InPassSocket, SocketEvents } from './socket-events';
import type { SSLContext } from './ssl-context';
import { Transport, WriteFlowControl, checkBytes } from './transports';

/** A socket transport's state. asyncio tracks it in flags (`_closing`, `_conn_lost`). */
export type TransportState = 'connecting' | 'open' | 'closing' | 'closed';
/**
 * Whether a socket transport delivers received data: reading, paused, or done (EOF or closed).
 * asyncio tracks it in flags (`_paused`, `_eof`).
 */
export type ReadState = 'reading' | 'paused' | 'done';
/** Whether a socket transport may still write: open, or after `writeEof()`. asyncio tracks it in a flag (`_eof`). */
export type WriteState = 'open' | 'eof';

/** asyncio's constants.LOG_THRESHOLD_FOR_CONNLOST_WRITES. */
const LOG_THRESHOLD_FOR_CONNLOST_WRITES = 5;

/** Unix sockets (Python `socket.AF_UNIX`). */
export const AF_UNIX = 1;
/** IPv4 (Python `socket.AF_INET`). */
export const AF_INET = 2;
/** IPv6 (Python `socket.AF_INET6`, Linux's value). */
export const AF_INET6 = 10;
/** A stream socket (Python `socket.SOCK_STREAM`). */
export const SOCK_STREAM = 1;
/** A datagram socket (Python `socket.SOCK_DGRAM`). */
export const SOCK_DGRAM = 2;
/** A raw socket (Python `socket.SOCK_RAW`). */
export const SOCK_RAW = 3;

/**
 * What `getExtraInfo('socket')` returns (asyncio's `TransportSocket`): the socket's
 * addresses and kind, and the implementation's object as `raw`, without a way to close
 * it behind the transport's back.
 */
export class TransportSocket {
  readonly family: number;
  readonly type: number;
  readonly #local: NetworkAddress | null;
  readonly #remote: NetworkAddress | null;
  /** The network's own socket (under Node: a `net.Socket`, `tls.TLSSocket` or `dgram.Socket`). */
  readonly raw: unknown;

  constructor(type: number, local: NetworkAddress | null, remote: NetworkAddress | null, raw: unknown) {
    const addr = local ?? remote;
    this.family = addr === null ? AF_INET : addr.family === 'unix' ? AF_UNIX : addr.family === 'IPv6' ? AF_INET6 : AF_INET;
    this.type = type;
    this.#local = local;
    this.#remote = remote;
    this.raw = raw;
  }

  /** The local address, as Python's `socket.getsockname()`, or null once closed. */
  getsockname(): SockAddr | null {
    return toSockAddr(this.#local);
  }

  /** The peer's address, as Python's `socket.getpeername()`, or null if none. */
  getpeername(): SockAddr | null {
    return toSockAddr(this.#remote);
  }

  /** `<TransportSocket family=... type=... laddr=... raddr=...>`, as asyncio's `TransportSocket` repr. */
  toString(): string {
    const local = this.#local === null ? '?' : formatAddress(this.#local);
    const remote = this.#remote === null ? '' : ` peer=${formatAddress(this.#remote)}`;
    return `<TransportSocket ${local}${remote}>`;
  }
}

/** Who owns a transport's connections, to count them (asyncio `Server._attach/_detach`). */
export interface TransportOwner {
  _attach(transport: SocketTransport): void;
  _detach(transport: SocketTransport): void;
}

export interface SocketTransportOptions {
  /** Completed once `connectionMade` has run (asyncio's waiter). */
  waiter?: Future<void> | null;
  server?: TransportOwner | null;
  sslContext?: SSLContext | null;
  /** False for a transport made by startTls: the protocol is connected already. */
  callConnectionMade?: boolean;
}

/** A TCP, Unix or TLS connection's transport (asyncio's `_SelectorSocketTransport` and `_SSLProtocolTransport`). */
export class SocketTransport extends Transport {
  readonly _loop: EventLoop;
  _socket: StreamSocket;
  readonly _events: SocketEvents;
  _protocol: StreamProtocol;
  _buffered: boolean;
  _server: TransportOwner | null;
  _state: TransportState = 'connecting';
  _readState: ReadState = 'reading';
  _writeState: WriteState = 'open';
  readonly _flow = new WriteFlowControl();
  /** Invariant: true exactly while a `_process` callback is on the loop's ready queue. */
  _processScheduled = false;
  /** Waiting for the write buffer to empty (startTls); resolved in _process. */
  _flushWaiters: Future<void>[] = [];
  /** Writes dropped since the connection was lost (asyncio's `_conn_lost` count). */
  _lostWrites = 0;
  readonly _peer: string;
  // S2 (a world of connections per seed): bound methods, made in the constructor. A class
  // field `= () => this._process()` got a name defined on it per transport (esbuild's
  // keepNames); an arrow made here kept its transport's whole run alive through V8's
  // young-generation collections, which then copied and promoted every seed's world
  // (sim's network.ts says more). Plain code: `this._processBound = () => this._process()`.
  readonly _processBound: () => void;
  readonly _scheduleBound: () => void;
  readonly _processNowBound: () => void;
  /** The context protocol callbacks run in (the processing handle's). */
  readonly _context: Context;
  /** True while `_processNow` runs `_process` (a network breaking the seam's rule re-enters). */
  _processingNow = false;
  /** One handle, reused: a burst of socket events costs no allocation (as a task's step handle). */
  readonly _processHandle: Handle;

  constructor(loop: EventLoop, socket: StreamSocket, events: SocketEvents, protocol: StreamProtocol, options: SocketTransportOptions = {}) {
    super(new Map());
    this._processBound = this._process.bind(this);
    this._scheduleBound = this._schedule.bind(this);
    this._processNowBound = this._processNow.bind(this);
    this._loop = loop;
    this._socket = socket;
    this._events = events;
    this._protocol = protocol;
    this._buffered = isBufferedProtocol(protocol);
    this._server = options.server ?? null;
    // Protocol callbacks run in (a copy of) the context the transport was made in, as
    // asyncio's do (its call_soon and add_reader copy the current context): tasks a
    // protocol starts inherit it (a simulated host's, say).
    const context = copyContext();
    this._context = context;
    this._processHandle = new Handle(this._processBound, null, loop, context);
    const remote = socket.remoteAddress();
    const local = socket.localAddress();
    this._peer = remote === null ? '<unknown peer>' : remote.family === 'unix' && remote.path === '' && local !== null ? formatAddress(local) : formatAddress(remote);
    const extra = this._extra;
    extra.set('peername', toSockAddr(remote));
    extra.set('sockname', toSockAddr(local));
    extra.set('socket', new TransportSocket(SOCK_STREAM, local, remote, socket.raw));
    const sslContext = options.sslContext ?? null;
    if (sslContext !== null) {
      const info = socket.tlsInfo();
      extra.set('sslcontext', sslContext);
      extra.set('ssl_object', socket.raw);
      extra.set('peercert', info?.peerCertificate ?? null);
      extra.set('cipher', info?.cipher ?? null);
      extra.set('compression', null);
      extra.set('ssl_protocol', info?.protocol ?? null);
      extra.set('alpn_protocol', info?.alpnProtocol ?? null);
    }
    this._server?._attach(this);

    const waiter = options.waiter ?? null;
    if (options.callConnectionMade === false) {
      this._state = 'open';
      this._schedule();
    } else {
      callSoonWithContext(loop, () => this._connectionMade(), null, context);
    }
    if (waiter !== null) {
      // Only after connectionMade has run.
      callSoonWithContext(loop, () => {
        if (!waiter.done()) waiter.setResult(undefined);
      }, null, null);
    }
    events.onEvent = (socket as InPassSocket).eventsInPass === true ? this._processNowBound : this._scheduleBound;
  }

  _connectionMade(): void {
    if (this._state === 'connecting') this._state = 'open';
    try {
      this._protocol.connectionMade(this);
    } catch (exc) {
      this._fatalError(exc, 'Fatal error: protocol.connectionMade() call failed.');
      return;
    }
    // Start delivering what arrived meanwhile, after connectionMade (asyncio adds its reader now).
    this._schedule();
  }

  // ---- Events --------------------------------------------------------------------------

  /** Called by the socket's events, inside or outside a pass: process them soon, once. */
  _schedule(): void {
    if (this._processScheduled) return;
    if (this._loop.isClosed()) {
      // Nothing will ever run our callback. A socket told to close finishes sending what it
      // was given (its close() flushes, then ends it); what arrives meanwhile is dropped
      // here, as _process would drop it. Any other socket is left open behind a dead loop:
      // close it now.
      if (this._state === 'closing') this._events.clearInbox();
      else this._socket.destroy();
      return;
    }
    this._processScheduled = true;
    scheduleHandle(this._loop, this._processHandle);
  }

  /**
   * An `eventsInPass` socket's event, inside a loop callback: process now, in the
   * processing handle's context (sim's S1/S2: one pass per message fewer; the plain code
   * is `_schedule()`, which the other sockets still use). Before connectionMade (which
   * schedules the first processing), or with a processing callback queued already, or
   * inside `_process` itself, the event waits for a queued callback, as before.
   */
  _processNow(): void {
    if (this._processScheduled || this._processingNow || this._state === 'connecting') {
      this._schedule();
      return;
    }
    this._processingNow = true;
    try {
      this._context.run(this._processBound);
    } finally {
      this._processingNow = false;
    }
  }

  /** Handle what the socket reported, in the order the module note gives. */
  _process(): void {
    this._processScheduled = false;
    const state = this._state;
    if (state === 'connecting' || state === 'closed') return;
    const events = this._events;

    // 1. Bytes and EOF, in order, while the protocol reads. After close() they are dropped.
    if (state === 'open') {
      while (this._readState === 'reading' && this._state === 'open' && events.hasInbox()) {
        const item = events.shift();
        if (item === EOF) this._eofReceived();
        else this._deliver(item);
      }
    } else {
      events.clearInbox();
    }
    if (this._state === 'closed') return;

    // 2. The write buffer shrank: resume a paused protocol at the low-water mark.
    if (this._flow._state === 'paused') this._flow.maybeResume(this._socket.writeBufferSize(), this._loop, this, this._protocol);
    if (this._flushWaiters.length > 0 && this._socket.writeBufferSize() === 0) this._wakeFlushWaiters(null);
    this._watchDrainIfNeeded();

    // 3. A failure closes at once, with the error.
    const failure = events.failure;
    if (failure !== null) {
      this._forceClose(fromNodeError(failure, 'connection with', this._peer));
      return;
    }

    // 4. The socket closed without an error: after the protocol has read what came first.
    if (events.closed) {
      if (this._state === 'open' && events.hasInbox()) return;
      this._state = 'closed';
      this._readState = 'done';
      this._callConnectionLost(null);
    }
  }

  _deliver(chunk: Uint8Array): void {
    const protocol = this._protocol;
    if (!this._buffered) {
      try {
        (protocol as Protocol).dataReceived(chunk);
      } catch (exc) {
        this._fatalError(exc, 'Fatal error: protocol.dataReceived() call failed.');
      }
      return;
    }
    // A BufferedProtocol: copy into the buffers it gives, as many as the chunk needs.
    const buffered = protocol as BufferedProtocol;
    let offset = 0;
    while (offset < chunk.length) {
      let buf: Uint8Array;
      try {
        buf = buffered.getBuffer(chunk.length - offset);
        if (!(buf instanceof Uint8Array) || buf.length === 0) {
          throw new TypeError(`getBuffer() must return a non-empty Uint8Array, got ${buf instanceof Uint8Array ? 'an empty one' : String(buf)}`);
        }
      } catch (exc) {
        this._fatalError(exc, 'Fatal error: protocol.getBuffer() call failed.');
        return;
      }
      const n = Math.min(buf.length, chunk.length - offset);
      buf.set(chunk.subarray(offset, offset + n));
      offset += n;
      try {
        buffered.bufferUpdated(n);
      } catch (exc) {
        this._fatalError(exc, 'Fatal error: protocol.bufferUpdated() call failed.');
        return;
      }
      if (offset < chunk.length && (this._readState !== 'reading' || this._state !== 'open')) {
        // Paused in the middle of the chunk: the rest waits for resumeReading().
        if (this._state === 'open') this._events.unshift(chunk.subarray(offset));
        return;
      }
    }
  }

  _eofReceived(): void {
    this._readState = 'done';
    let keepOpen: unknown;
    try {
      keepOpen = this._protocol.eofReceived?.();
    } catch (exc) {
      this._fatalError(exc, 'Fatal error: protocol.eofReceived() call failed.');
      return;
    }
    if (!keepOpen) this.close();
  }

  // ---- Reading -----------------------------------------------------------------------

  isReading(): boolean {
    return this._state !== 'closing' && this._state !== 'closed' && this._readState === 'reading';
  }

  /** Stop calling dataReceived until resumeReading(); the peer is slowed down meanwhile. */
  pauseReading(): void {
    if (!this.isReading()) return;
    this._readState = 'paused';
    this._socket.pause();
  }

  resumeReading(): void {
    if (this._state === 'closing' || this._state === 'closed' || this._readState !== 'paused') return;
    this._readState = 'reading';
    this._socket.resume();
    if (this._events.hasInbox() || this._events.closed) this._schedule();
  }

  // ---- Writing -----------------------------------------------------------------------

  write(data: Uint8Array): void {
    checkBytes('write()', data);
    if (this._writeState === 'eof') throw new InvalidStateError('write(): cannot write after writeEof(); the write side is closed');
    if (data.length === 0) return;
    if (this._state === 'closing' || this._state === 'closed') {
      this._dropWrite();
      return;
    }
    this._socket.write(data);
    this._maybePauseProtocol();
  }

  writelines(listOfData: Iterable<Uint8Array>): void {
    if (listOfData === null || typeof (listOfData as Iterable<Uint8Array>)[Symbol.iterator] !== 'function') {
      throw new TypeError(`writelines(): expected an iterable of Uint8Arrays, got ${String(listOfData)}`);
    }
    const chunks = [...listOfData];
    for (const chunk of chunks) checkBytes('writelines()', chunk);
    if (this._writeState === 'eof') throw new InvalidStateError('writelines(): cannot write after writeEof(); the write side is closed');
    if (this._state === 'closing' || this._state === 'closed') {
      if (chunks.some((c) => c.length > 0)) this._dropWrite();
      return;
    }
    for (const chunk of chunks) if (chunk.length > 0) this._socket.write(chunk);
    this._maybePauseProtocol();
  }

  _dropWrite(): void {
    if (this._lostWrites >= LOG_THRESHOLD_FOR_CONNLOST_WRITES) logger.warning('socket.send() raised exception.');
    this._lostWrites++;
  }

  _maybePauseProtocol(): void {
    // Once closed, the protocol hears nothing but its connectionLost (asyncio clears the
    // buffer in _force_close, so its size is 0 there too).
    if (this._state === 'closed') return;
    if (this._flow._state === 'flowing' && this._flow.maybePause(this._socket.writeBufferSize(), this._loop, this, this._protocol)) {
      this._socket.watchDrain(true);
    }
  }

  /** Drain events cost a callback per write: ask for them only while someone waits. */
  _watchDrainIfNeeded(): void {
    this._socket.watchDrain(this._flow._state === 'paused' || this._flushWaiters.length > 0);
  }

  /** Wait until every buffered byte went to the OS (or the connection is lost). */
  *_waitFlushed(): Coro<void> {
    while (this._state === 'open' && this._socket.writeBufferSize() > 0) {
      const fut = this._loop.createFuture<void>({ description: 'the write buffer to empty' });
      this._flushWaiters.push(fut);
      this._socket.watchDrain(true);
      try {
        yield* fut;
      } finally {
        const i = this._flushWaiters.indexOf(fut);
        if (i >= 0) this._flushWaiters.splice(i, 1);
      }
    }
  }

  _wakeFlushWaiters(exc: Error | null): void {
    const waiters = this._flushWaiters;
    this._flushWaiters = [];
    for (const fut of waiters) {
      if (fut.done()) continue;
      if (exc === null) fut.setResult(undefined);
      else fut.setException(exc);
    }
  }

  /** Send EOF after the buffered data; the connection stays open for reading. */
  writeEof(): void {
    if (this._state === 'closing' || this._state === 'closed' || this._writeState === 'eof') return;
    this._writeState = 'eof';
    this._socket.end();
  }

  canWriteEof(): boolean {
    return true;
  }

  getWriteBufferSize(): number {
    return this._state === 'closed' ? 0 : this._socket.writeBufferSize();
  }

  getWriteBufferLimits(): [low: number, high: number] {
    return [this._flow._low, this._flow._high];
  }

  setWriteBufferLimits(high?: number | null, low?: number | null): void {
    this._flow.setLimits('setWriteBufferLimits()', high, low);
    this._maybePauseProtocol();
  }

  // ---- Closing -----------------------------------------------------------------------

  isClosing(): boolean {
    return this._state === 'closing' || this._state === 'closed';
  }

  /** Close after the buffered data is sent; then `connectionLost(null)`. */
  close(): void {
    if (this._state === 'closing' || this._state === 'closed') return;
    this._readState = 'done';
    this._events.clearInbox();
    // Keep reading (and dropping) so unread input does not turn the close into a reset.
    this._socket.resume();
    this._socket.close();
    if (this._socket.writeBufferSize() === 0) {
      this._state = 'closed';
      // In a copy of the caller's context, as asyncio's call_soon: a simulated host that
      // crashes cancels what its code scheduled (found by the context).
      callSoonWithContext(this._loop, (exc: Error | null) => this._callConnectionLost(exc), [null], copyContext());
    } else {
      // The socket's close event (or a failure while flushing) ends it, in _process.
      this._state = 'closing';
    }
  }

  /** Close now; buffered data is lost; then `connectionLost(null)`. */
  abort(): void {
    this._forceClose(null);
  }

  _fatalError(exc: unknown, message: string): void {
    if (!(exc instanceof OSError)) {
      this._loop.callExceptionHandler({ message, exception: exc, transport: this, protocol: this._protocol });
    }
    this._forceClose(exc instanceof Error ? exc : new Error(String(exc)));
  }

  _forceClose(exc: Error | null): void {
    if (this._state === 'closed') return;
    this._state = 'closed';
    this._readState = 'done';
    this._events.clearInbox();
    this._socket.destroy();
    callSoonWithContext(this._loop, (e: Error | null) => this._callConnectionLost(e), [exc], copyContext());
  }

  _callConnectionLost(exc: Error | null): void {
    this._wakeFlushWaiters(null);
    try {
      this._protocol.connectionLost(exc);
    } catch (err) {
      this._loop.callExceptionHandler({ message: 'Exception in protocol.connectionLost()', exception: err, transport: this, protocol: this._protocol });
    } finally {
      this._socket.destroy();
      const server = this._server;
      this._server = null;
      server?._detach(this);
    }
  }

  // ---- Protocol ----------------------------------------------------------------------

  setProtocol(protocol: BaseProtocol): void {
    this._protocol = protocol as StreamProtocol;
    this._buffered = isBufferedProtocol(protocol);
  }

  getProtocol(): StreamProtocol {
    return this._protocol;
  }

  /**
   * Hand the socket over to a TLS upgrade (startTls): this transport goes quiet without
   * calling connectionLost (the protocol lives on over the new transport), and the bytes
   * not yet delivered go with the socket.
   */
  _detachForUpgrade(): Uint8Array[] {
    this._state = 'closed';
    this._readState = 'done';
    const unread = this._events.takeUnread();
    this._events.onEvent = () => {};
    const server = this._server;
    this._server = null;
    server?._detach(this);
    return unread;
  }

  override toString(): string {
    const size = this.getWriteBufferSize();
    return `<SocketTransport ${this._state} peer=${this._peer} read=${this._readState} write=<${this._writeState}, bufsize=${size}>>`;
  }
}
