/**
 * Server: listening sockets and the connections they accepted (asyncio `base_events.py`
 * `Server`, 3.12.1+ semantics, with 3.13's `closeClients`/`abortClients`).
 *
 *     created --startServing()--> serving --close()--> closed
 *        \_______________________close()_______________^
 *
 * `waitClosed()` returns once the server is closed *and* every connection it accepted is
 * gone, in either order (the 3.12.1 fix; 3.11 returned early). `serveForever()` serves
 * until cancelled, then closes and waits. Each accepted connection gets a protocol from
 * the factory and a SocketTransport; the transport attaches itself here and detaches when
 * its `connectionLost` has run, which is how the server counts its clients.
 *
 * Where we differ: a server made with `startServing: false` is already listening (Node
 * binds and listens in one call); connections that arrive before `startServing()` wait,
 * accepted but untouched, and get their protocols when serving starts.
 */
import { CancelledError, InvalidStateError, copyContext } from '@yieldio/core';
import type { Context, Coro, EventLoop, Future, IncomingStream, Listener } from '@yieldio/core';
import { callSoonWithContext } from '@yieldio/core/internal';
import { formatAddress } from './addresses';
import { checkProtocol } from './create-connection';
import type { StreamProtocol } from './protocols';
import { SocketEvents } from './socket-events';
import { SOCK_STREAM, SocketTransport, TransportSocket } from './socket-transport';
import type { TransportOwner } from './socket-transport';
import type { SSLContext } from './ssl-context';

/** A server's state: created, serving, closed. asyncio tracks it in `_serving` and `_sockets`. */
export type ServerState = 'created' | 'serving' | 'closed';

/** A listening server: what `createServer()` and `startServer()` return (asyncio `Server`). */
export class Server implements TransportOwner {
  readonly _loop: EventLoop;
  _state: ServerState = 'created';
  _listeners: Listener[] = [];
  /** Accepted connections whose connectionLost has not run yet. */
  readonly _clients = new Set<SocketTransport>();
  /**
   * waitClosed() callers. Invariant: null exactly when the server is closed and has no
   * client left (asyncio sets `_waiters` to None at that moment).
   */
  _waiters: Future<void>[] | null = [];
  readonly _protocolFactory: () => StreamProtocol;
  readonly _sslContext: SSLContext | null;
  /** Connections accepted before startServing(). */
  _pending: IncomingStream[] = [];
  _servingForeverFut: Future<void> | null = null;
  readonly _caller: string;
  /**
   * The context of the call that made the server: connections are accepted in it, so the
   * tasks a handler starts inherit its context variables (asyncio's accept callback runs
   * in the context `create_server` was called from; @yieldio/sim's hosts rely on it).
   */
  readonly _context: Context = copyContext();

  constructor(loop: EventLoop, protocolFactory: () => StreamProtocol, sslContext: SSLContext | null, caller: string) {
    this._loop = loop;
    this._protocolFactory = protocolFactory;
    this._sslContext = sslContext;
    this._caller = caller;
  }

  /** The loop the server runs on (asyncio `Server.get_loop`). */
  getLoop(): EventLoop {
    return this._loop;
  }

  /** Whether the server accepts connections (asyncio `Server.is_serving`). */
  isServing(): boolean {
    return this._state === 'serving';
  }

  /** The listening sockets (empty once closed): `server.sockets[0].getsockname()`. */
  get sockets(): readonly TransportSocket[] {
    if (this._state === 'closed') return [];
    return this._listeners.map((l) => new TransportSocket(SOCK_STREAM, l.localAddress(), null, l));
  }

  // ---- Connections -------------------------------------------------------------------

  /** A listener accepted a connection (outside the pass): take it in a loop callback. */
  _incoming(incoming: IncomingStream): void {
    if (this._loop.isClosed()) {
      incoming.reject();
      return;
    }
    callSoonWithContext(this._loop, (i: IncomingStream) => this._accept(i), [incoming], this._context);
  }

  _accept(incoming: IncomingStream): void {
    if (this._state === 'closed') {
      incoming.reject();
      return;
    }
    if (this._state === 'created') {
      this._pending.push(incoming);
      return;
    }
    let protocol: StreamProtocol;
    try {
      protocol = this._protocolFactory();
      checkProtocol(this._caller, protocol);
    } catch (exc) {
      incoming.reject();
      this._loop.callExceptionHandler({ message: 'Error on transport creation for incoming connection', exception: exc, server: this });
      return;
    }
    const events = new SocketEvents(() => {});
    const socket = incoming.accept(events);
    new SocketTransport(this._loop, socket, events, protocol, { server: this, sslContext: this._sslContext });
  }

  _attach(transport: SocketTransport): void {
    this._clients.add(transport);
  }

  _detach(transport: SocketTransport): void {
    this._clients.delete(transport);
    if (this._clients.size === 0 && this._state === 'closed') this._wakeup();
  }

  _wakeup(): void {
    const waiters = this._waiters;
    this._waiters = null;
    if (waiters === null) return;
    for (const waiter of waiters) if (!waiter.done()) waiter.setResult(undefined);
  }

  // ---- Serving and closing -------------------------------------------------------------

  _startServing(): void {
    if (this._state !== 'created') return;
    this._state = 'serving';
    const pending = this._pending;
    this._pending = [];
    for (const incoming of pending) this._accept(incoming);
  }

  /** Start accepting connections (a server made with `startServing: false`). */
  *startServing(): Coro<void> {
    if (this._state === 'closed') throw new InvalidStateError(`startServing(): ${this} is closed; start a new server`);
    this._startServing();
    yield;
  }

  /** Serve until the calling task is cancelled; then close and wait for the clients to go. */
  *serveForever(): Coro<void> {
    if (this._servingForeverFut !== null) {
      throw new InvalidStateError(`serveForever(): ${this} is already being awaited on serveForever()`);
    }
    if (this._state === 'closed') throw new InvalidStateError(`serveForever(): ${this} is closed`);
    this._startServing();
    const fut = this._loop.createFuture<void>({ description: 'Server.serveForever()' });
    this._servingForeverFut = fut;
    try {
      yield* fut;
    } catch (exc) {
      if (exc instanceof CancelledError) {
        this.close();
        try {
          yield* this.waitClosed();
        } catch {
          // Cancelled again while waiting: the first cancellation is the one that goes on.
        }
      }
      throw exc;
    } finally {
      this._servingForeverFut = null;
    }
  }

  /** Stop listening. Connections already accepted stay open (see closeClients). */
  close(): void {
    if (this._state === 'closed') return;
    this._state = 'closed';
    const listeners = this._listeners;
    for (const listener of listeners) listener.close();
    for (const incoming of this._pending) incoming.reject();
    this._pending = [];
    const fut = this._servingForeverFut;
    if (fut !== null && !fut.done()) {
      fut.cancel();
      this._servingForeverFut = null;
    }
    if (this._clients.size === 0) this._wakeup();
  }

  /** Close every accepted connection, after its buffered data is sent. */
  closeClients(): void {
    for (const transport of [...this._clients]) transport.close();
  }

  /** Close every accepted connection now, dropping what is buffered. */
  abortClients(): void {
    for (const transport of [...this._clients]) transport.abort();
  }

  /** Wait until the server is closed and every connection it accepted is gone. */
  *waitClosed(): Coro<void> {
    if (this._waiters === null) return;
    const waiter = this._loop.createFuture<void>({ description: 'Server.waitClosed()' });
    this._waiters.push(waiter);
    yield* waiter;
  }

  toString(): string {
    const where = this._listeners.map((l) => {
      const a = l.localAddress();
      return a === null ? '?' : formatAddress(a);
    });
    return `<Server ${this._state} sockets=[${where.join(', ')}]${this._clients.size > 0 ? ` clients=${this._clients.size}` : ''}>`;
  }
}
