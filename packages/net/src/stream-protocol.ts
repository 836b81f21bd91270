/**
 * StreamReaderProtocol: the protocol between a transport and a StreamReader/StreamWriter
 * pair (asyncio `streams.py`, `FlowControlMixin` and `StreamReaderProtocol`).
 *
 * Upward it feeds the reader: bytes, EOF, and on a lost connection either EOF (a clean
 * close) or the error, which every later read raises. Downward it is the writer's flow
 * control: the transport calls `pauseWriting` past its high-water mark and `resumeWriting`
 * at the low one, and `drain()` waits in between. Every waiting drain wakes on resume
 * (asyncio 3.12 keeps a list of waiters; one future used to strand the others), and a lost
 * connection wakes them with its error.
 *
 * For a server (`startServer`) it also makes the writer when the connection is made and
 * calls the client callback; a coroutine it returns runs as a task, and if that task
 * fails, the error goes to the loop's exception handler and the connection is closed
 * (asyncio 3.12).
 */
import { ConnectionResetError } from './errors';
import { isGenerator } from '@yieldio/core';
import type { Coro, EventLoop, Future, Task } from '@yieldio/core';
import { Protocol } from './protocols';
import type { StreamReader } from './stream-reader';
import { StreamWriter } from './stream-writer';
import type { Transport } from './transports';

/**
 * What `startServer` calls for each client: a function, or a generator function (then a task).
 * asyncio's `client_connected_cb` of `start_server`.
 */
export type ClientConnectedCallback = (reader: StreamReader, writer: StreamWriter) => Coro<unknown> | void;

export type WriteFlow = 'flowing' | 'paused';

/** The protocol between a transport and a `StreamReader`/`StreamWriter` pair (asyncio `StreamReaderProtocol`). */
export class StreamReaderProtocol extends Protocol {
  readonly _loop: EventLoop;
  _reader: StreamReader | null;
  readonly _clientConnectedCb: ClientConnectedCallback | null;
  _writer: StreamWriter | null = null;
  _task: Task<unknown> | null = null;
  _transport: Transport | null = null;
  _overSsl = false;
  /** Invariant: 'paused' exactly between pauseWriting() and the resumeWriting() after it. */
  _writeFlow: WriteFlow = 'flowing';
  _connectionLost = false;
  _drainWaiters: Future<void>[] = [];
  /** Done once the connection is lost: what `writer.waitClosed()` waits for. */
  readonly _closed: Future<void>;

  constructor(reader: StreamReader, clientConnectedCb: ClientConnectedCallback | null, loop: EventLoop) {
    super();
    this._loop = loop;
    this._reader = reader;
    this._clientConnectedCb = clientConnectedCb;
    this._closed = loop.createFuture<void>({ description: 'the connection to close' });
    // An error here is also raised by the reader; never report it as unretrieved.
    this._closed.addDoneCallback((fut) => {
      if (!fut.cancelled()) fut.exception();
    });
  }

  /** After startTls: the writer now writes to a new transport. */
  _replaceWriter(writer: StreamWriter): void {
    this._writer = writer;
    this._transport = writer.transport;
    this._overSsl = writer.transport.getExtraInfo('sslcontext') !== null;
    // The reader pauses and resumes the transport that now carries its bytes.
    const reader = this._reader;
    if (reader !== null) {
      reader._transport = writer.transport;
      reader._paused = false;
    }
  }

  override connectionMade(transport: Transport): void {
    this._transport = transport;
    const reader = this._reader;
    if (reader !== null) reader.setTransport(transport);
    this._overSsl = transport.getExtraInfo('sslcontext') !== null;
    const cb = this._clientConnectedCb;
    if (cb === null) return;
    const writer = new StreamWriter(transport, this, reader, this._loop);
    this._writer = writer;
    const res = cb(reader!, writer);
    if (isGenerator(res)) {
      const task = this._loop.createTask(res as Coro<unknown>);
      this._task = task;
      task.addDoneCallback((t) => {
        if (t.cancelled()) {
          transport.close();
          return;
        }
        const exc = t.exception();
        if (exc !== null) {
          this._loop.callExceptionHandler({ message: 'Unhandled exception in client_connected_cb', exception: exc, transport });
          transport.close();
        }
      });
    }
  }

  override connectionLost(exc: Error | null): void {
    const reader = this._reader;
    if (reader !== null) {
      if (exc === null) reader.feedEof();
      else reader.setException(exc);
    }
    if (!this._closed.done()) {
      if (exc === null) this._closed.setResult(undefined);
      else this._closed.setException(exc);
    }
    // FlowControlMixin.connection_lost: wake the writers if they wait.
    this._connectionLost = true;
    if (this._writeFlow === 'paused') {
      for (const waiter of this._drainWaiters) {
        if (waiter.done()) continue;
        if (exc === null) waiter.setResult(undefined);
        else waiter.setException(exc);
      }
    }
    this._reader = null;
    this._writer = null;
    this._task = null;
    this._transport = null;
  }

  override dataReceived(data: Uint8Array): void {
    this._reader?._feedOwned(data);
  }

  override eofReceived(): boolean {
    this._reader?.feedEof();
    // Over TLS, asyncio closes on EOF (close_notify ends the session).
    return !this._overSsl;
  }

  override pauseWriting(): void {
    this._writeFlow = 'paused';
  }

  override resumeWriting(): void {
    this._writeFlow = 'flowing';
    for (const waiter of this._drainWaiters) if (!waiter.done()) waiter.setResult(undefined);
  }

  /** What `drain()` waits on: nothing while flowing, the next resume while paused. */
  *_drainHelper(writer: { _peer(): string; _closedHere: boolean } | null): Coro<void> {
    if (this._connectionLost) {
      const peer = writer === null ? 'the peer' : writer._peer();
      if (writer !== null && writer._closedHere) {
        throw new ConnectionResetError(`drain(): the connection with ${peer} was closed by this side (writer.close()); nothing more can be written`);
      }
      throw new ConnectionResetError(`drain(): the connection with ${peer} is lost; nothing more can be written`);
    }
    if (this._writeFlow === 'flowing') return;
    const waiter = this._loop.createFuture<void>({ description: 'StreamWriter.drain()' });
    this._drainWaiters.push(waiter);
    try {
      yield* waiter;
    } finally {
      const i = this._drainWaiters.indexOf(waiter);
      if (i >= 0) this._drainWaiters.splice(i, 1);
    }
  }
}
