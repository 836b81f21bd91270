/**
 * StreamWriter: writing to a connection from coroutines (asyncio `streams.py`,
 * `StreamWriter`). It wraps a transport and adds the two waits a coroutine needs:
 *
 *     writer.write(data);
 *     yield* writer.drain();      // back-pressure: waits while the buffer is over its high mark
 *     writer.close();
 *     yield* writer.waitClosed(); // the connection is gone (its error, if it failed)
 *
 * `write` never blocks; `drain` is where a fast writer is slowed to the reader's pace
 * (the transport's water marks, 64 KiB high by default). Closing flushes what was
 * written before it. Cancelling a task blocked in `drain` leaves the written bytes in the
 * transport's buffer, still to be sent: nothing is lost, the writer is usable.
 */
import { InvalidStateError, trackCoro as trackCoroExport } from '@yieldio/core';
import type { Coro, EventLoop } from '@yieldio/core';
import { startTlsImpl } from './start-tls';
import type { StartTlsOptions } from './start-tls';
import type { SSLContext } from './ssl-context';
import type { StreamReaderProtocol } from './stream-protocol';
import type { StreamReader } from './stream-reader';
import type { Transport } from './transports';

// S1/S2: core's export read once. The CommonJS build reaches an imported name through a
// getter at every use (esbuild's live bindings), about 65 ns a call once the getter is
// megamorphic; plain `trackCoro(...)` paid that on every read and drain.
const trackCoro = trackCoroExport;

/** The writing half of a stream connection (asyncio `StreamWriter`): `write`, then `yield* drain()`. */
export class StreamWriter {
  _transport: Transport;
  readonly _protocol: StreamReaderProtocol;
  readonly _reader: StreamReader | null;
  readonly _loop: EventLoop;
  /** close() was called here: a later drain() says so rather than blame the peer (#18). */
  _closedHere = false;

  constructor(transport: Transport, protocol: StreamReaderProtocol, reader: StreamReader | null, loop: EventLoop) {
    this._transport = transport;
    this._protocol = protocol;
    this._reader = reader;
    this._loop = loop;
  }

  get transport(): Transport {
    return this._transport;
  }

  /** Buffer `data` for sending (asyncio `StreamWriter.write`); follow with `yield* drain()`. */
  write(data: Uint8Array): void {
    this._transport.write(data);
  }

  /** Buffer each chunk for sending (asyncio `StreamWriter.writelines`). */
  writelines(data: Iterable<Uint8Array>): void {
    this._transport.writelines(data);
  }

  /** Close the write side after the buffered data (asyncio `StreamWriter.write_eof`). */
  writeEof(): void {
    this._transport.writeEof();
  }

  /** Whether `writeEof()` is possible (asyncio `StreamWriter.can_write_eof`). */
  canWriteEof(): boolean {
    return this._transport.canWriteEof();
  }

  /** Close after what was written is sent. `waitClosed()` waits for the end. */
  close(): void {
    this._closedHere = true;
    this._transport.close();
  }

  /** Whether the stream is closed or closing (asyncio `StreamWriter.is_closing`). */
  isClosing(): boolean {
    return this._transport.isClosing();
  }

  /** Wait until the connection is closed; raises the error it was lost with, if any. */
  waitClosed(): Coro<void> {
    return trackCoro(this.#waitClosed(), 'writer.waitClosed');
  }

  *#waitClosed(): Coro<void> {
    yield* this._protocol._closed;
  }

  /** Information about the connection, as the transport's `getExtraInfo` (asyncio `StreamWriter.get_extra_info`). */
  getExtraInfo<T = unknown>(name: string, defaultValue: T | null = null): T | null {
    return this._transport.getExtraInfo(name, defaultValue);
  }

  /**
   * Wait until it is appropriate to write more: at once while the transport's buffer is
   * under its high-water mark, else until it drained to the low one. Raises the
   * connection's error, or ConnectionResetError once it is lost.
   */
  drain(): Coro<void> {
    return trackCoro(this.#drain(), 'writer.drain');
  }

  *#drain(): Coro<void> {
    const reader = this._reader;
    if (reader !== null) {
      const exc = reader.exception();
      if (exc !== null) throw exc;
    }
    const protocol = this._protocol;
    if (this._transport.isClosing()) {
      // Let connectionLost run first, so a write-drain loop on a closed socket raises
      // rather than spins (bpo-25441).
      yield;
    } else if (protocol._writeFlow === 'flowing') {
      // The common case, without a second generator: nothing to wait for.
      return;
    }
    yield* protocol._drainHelper(this);
  }

  /** The peer's address, for messages. */
  _peer(): string {
    const peer = this._transport.getExtraInfo<unknown>('peername');
    return peer === null ? 'the peer' : Array.isArray(peer) ? `${peer[0]}:${peer[1]}` : String(peer) || 'the peer';
  }

  /** Upgrade the connection to TLS; reads and writes go through TLS afterwards. */
  *startTls(sslcontext: SSLContext, options: Omit<StartTlsOptions, 'serverSide'> = {}): Coro<void> {
    const serverSide = this._protocol._clientConnectedCb !== null;
    yield* this.drain();
    if (this._transport.isClosing()) throw new InvalidStateError('startTls(): the connection is closing; cannot start TLS on it');
    const secure = yield* startTlsImpl(this._loop, 'startTls()', this._transport, this._protocol, sslcontext, { ...options, serverSide });
    this._transport = secure;
    this._protocol._replaceWriter(this);
  }

  /** `<StreamWriter transport=...>`, as asyncio's `repr`. */
  toString(): string {
    return `<StreamWriter transport=${this._transport}${this._reader !== null ? ` reader=${this._reader}` : ''}>`;
  }
}
