/**
 * StreamReader: bytes from a connection, read by coroutines (asyncio `streams.py`,
 * `StreamReader`, 3.13's `readuntil` with several separators).
 *
 * A protocol feeds it (`feedData`, `feedEof`, `setException`); one task reads from it
 * (`read`, `readline`, `readexactly`, `readuntil`). A read that needs more bytes waits on
 * one future (`_waiter`), which the next feed completes. Only one task may wait at a time,
 * as in asyncio: two readers could not know which one the next bytes are for.
 *
 * Back-pressure: past 2 x `limit` buffered bytes the reader pauses its transport, and
 * resumes it once reads bring the buffer back to `limit` (or when a read must wait).
 *
 * Cancellation loses no byte: every read takes its bytes from the buffer only at the
 * moment it returns, so a read cancelled while waiting leaves everything where it was.
 * asyncio's `read(-1)` gathers blocks as it goes and loses them when cancelled; ours waits
 * for EOF with the bytes still in the buffer, then takes them all at once.
 *
 * The buffer is one array with a start and an end. A chunk that arrives while the buffer
 * is empty is adopted without a copy, and a read that takes the whole of an adopted chunk
 * returns it as it is, so a stream read in big pieces (`read(65536)`) copies nothing;
 * appending to a non-empty buffer copies into an owned, growing array.
 *
 * `async for line in reader` is core's aiter form (packages/core/src/aiter.ts):
 *
 *     for (let line; (line = yield* anext(reader, DONE)) !== DONE; ) { ... }
 */
import { InvalidStateError, StopAsyncIteration, getEventLoop } from '@yieldio/core';
import type { Coro, EventLoop, Future } from '@yieldio/core';
import { allocBytes, copyBytes, indexOfBytes } from './bytes';
import { describe } from './describe';
import { IncompleteReadError, LimitOverrunError } from './errors';
import type { Transport } from './transports';

/** asyncio's `_DEFAULT_LIMIT`: 64 KiB. */
export const DEFAULT_LIMIT = 2 ** 16;

const NEWLINE = new Uint8Array([10]);
/** An owned buffer this big or bigger is dropped when it empties, not kept for reuse. */
const KEEP_AT_MOST = 256 * 1024;

export interface StreamReaderOptions {
  /** The line length limit, and half the buffer limit (default 64 KiB). */
  limit?: number;
  loop?: EventLoop;
}

export class StreamReader {
  readonly _limit: number;
  readonly _loop: EventLoop;
  /** Buffered bytes are `_buf[_start, _end)`. `_owned`: we may write into `_buf`. */
  _buf: Uint8Array = allocBytes(0);
  _start = 0;
  _end = 0;
  _owned = false;
  _eof = false;
  /** The one future a read waits on; null when no read waits. */
  _waiter: Future<void> | null = null;
  _exception: unknown = null;
  _transport: Transport | null = null;
  /** True while we paused the transport because the buffer was over 2 x limit. */
  _paused = false;

  constructor(options: StreamReaderOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError(`StreamReader(): options must be an object such as { limit: 65536 }, got ${describe(options)}`);
    }
    const limit = options.limit ?? DEFAULT_LIMIT;
    if (typeof limit !== 'number' || !Number.isInteger(limit)) {
      throw new TypeError(`StreamReader(): limit must be a whole number of bytes, got ${describe(limit)}`);
    }
    if (limit <= 0) throw new RangeError(`StreamReader(): limit must be > 0, got ${limit}`);
    this._limit = limit;
    this._loop = options.loop ?? getEventLoop('StreamReader');
  }

  /** How many bytes are buffered. */
  get _length(): number {
    return this._end - this._start;
  }

  exception(): unknown {
    return this._exception;
  }

  /** Make every read from now on raise `exc`; a waiting read raises it at once. */
  setException(exc: unknown): void {
    this._exception = exc;
    const waiter = this._waiter;
    if (waiter !== null) {
      this._waiter = null;
      if (!waiter.done()) waiter.setException(exc);
    }
  }

  _wakeupWaiter(): void {
    const waiter = this._waiter;
    if (waiter !== null) {
      this._waiter = null;
      if (!waiter.done()) waiter.setResult(undefined);
    }
  }

  /** The transport to pause and resume (set once, by the protocol). */
  setTransport(transport: Transport): void {
    if (this._transport !== null) throw new InvalidStateError('setTransport(): the transport is already set');
    this._transport = transport;
  }

  _maybeResumeTransport(): void {
    if (this._paused && this._length <= this._limit) {
      this._paused = false;
      this._transport!.resumeReading();
    }
  }

  /** No more data will come; reads return what is left, then empty bytes. */
  feedEof(): void {
    this._eof = true;
    this._wakeupWaiter();
  }

  /** True once EOF was fed and the buffer is empty. */
  atEof(): boolean {
    return this._eof && this._length === 0;
  }

  /** Add bytes (a copy is kept: the caller may reuse `data`). */
  feedData(data: Uint8Array): void {
    if (!(data instanceof Uint8Array)) {
      throw new TypeError(`feedData(): data must be bytes (a Uint8Array or Buffer), got ${describe(data)}`);
    }
    if (this._eof) throw new InvalidStateError('feedData(): called after feedEof(); no data can follow the end of the stream');
    if (data.length === 0) return;
    this._feedOwned(this._length === 0 ? copyBytes(data, 0, data.length) : data);
  }

  /** Add bytes nobody else will touch (a socket's chunk): adopted without a copy when we can. */
  _feedOwned(data: Uint8Array): void {
    if (this._eof) throw new InvalidStateError('feedData(): called after feedEof(); no data can follow the end of the stream');
    const n = data.length;
    if (n === 0) return;
    if (this._length === 0) {
      this._buf = data;
      this._start = 0;
      this._end = n;
      this._owned = false;
    } else {
      this._append(data);
    }
    this._wakeupWaiter();
    const transport = this._transport;
    if (transport !== null && !this._paused && this._length > 2 * this._limit) {
      transport.pauseReading();
      this._paused = true;
    }
  }

  _append(data: Uint8Array): void {
    const n = data.length;
    const length = this._length;
    if (this._owned && this._buf.length - this._end >= n) {
      this._buf.set(data, this._end);
      this._end += n;
      return;
    }
    if (this._owned && this._buf.length >= length + n && this._start >= length) {
      // Room enough once the consumed front is reclaimed.
      this._buf.copyWithin(0, this._start, this._end);
    } else {
      const grown = allocBytes(Math.max(2 * (length + n), 4096));
      grown.set(this._buf.subarray(this._start, this._end));
      this._buf = grown;
      this._owned = true;
    }
    this._buf.set(data, length);
    this._start = 0;
    this._end = length + n;
  }

  /** Remove and return the first `n` buffered bytes (n <= length). */
  _take(n: number): Uint8Array {
    const start = this._start;
    const result = this._owned ? copyBytes(this._buf, start, start + n) : this._buf.subarray(start, start + n);
    this._start = start + n;
    if (this._start === this._end) this._reset();
    return result;
  }

  _reset(): void {
    this._start = this._end = 0;
    if (!this._owned || this._buf.length >= KEEP_AT_MOST) {
      this._buf = allocBytes(0);
      this._owned = false;
    }
  }

  /** Wait until feedData, feedEof or setException is called (asyncio `_wait_for_data`). */
  *_waitForData(funcName: string): Coro<void> {
    if (this._waiter !== null) {
      throw new InvalidStateError(`${funcName}() called while another coroutine is already waiting for incoming data; read from one task at a time`);
    }
    if (this._eof) throw new InvalidStateError(`yieldio bug: ${funcName}() waited for data after EOF`);
    // Waiting while paused would wait forever: resume (readexactly(n) with n > limit needs it).
    if (this._paused) {
      this._paused = false;
      this._transport!.resumeReading();
    }
    const waiter = this._loop.createFuture<void>({ description: `StreamReader.${funcName}()` });
    this._waiter = waiter;
    try {
      yield* waiter;
    } finally {
      if (this._waiter === waiter) this._waiter = null;
    }
  }

  /**
   * Up to `n` bytes, as soon as at least one is there; `n` < 0 (the default) reads until
   * EOF. Empty bytes at EOF.
   */
  *read(n = -1): Coro<Uint8Array> {
    if (typeof n !== 'number' || !Number.isInteger(n)) {
      throw new TypeError(`read(): n must be a whole number of bytes (-1 for everything until EOF), got ${describe(n)}`);
    }
    if (this._exception !== null) throw this._exception;
    if (n === 0) return allocBytes(0);
    if (n < 0) {
      while (!this._eof) yield* this._waitForData('read');
      return this._take(this._length);
    }
    if (this._length === 0 && !this._eof) yield* this._waitForData('read');
    const data = this._take(Math.min(n, this._length));
    this._maybeResumeTransport();
    return data;
  }

  /**
   * Exactly `n` bytes. At EOF before that: IncompleteReadError with the bytes there were
   * (which leave the buffer, as in asyncio).
   */
  *readexactly(n: number): Coro<Uint8Array> {
    if (typeof n !== 'number' || !Number.isInteger(n)) {
      throw new TypeError(`readexactly(): n must be a whole number of bytes, got ${describe(n)}`);
    }
    if (n < 0) throw new RangeError(`readexactly(): n must be >= 0, got ${n}`);
    if (this._exception !== null) throw this._exception;
    if (n === 0) return allocBytes(0);
    while (this._length < n) {
      if (this._eof) throw new IncompleteReadError(this._take(this._length), n);
      yield* this._waitForData('readexactly');
    }
    const data = this._take(n);
    this._maybeResumeTransport();
    return data;
  }

  /**
   * One line, with its b'\n'. At EOF: the partial line without it, then empty bytes.
   * A line longer than the limit is discarded (up to and with its newline, if it came)
   * and raises RangeError (asyncio: ValueError).
   */
  *readline(): Coro<Uint8Array> {
    try {
      return yield* this.readuntil(NEWLINE);
    } catch (exc) {
      if (exc instanceof IncompleteReadError) return exc.partial;
      if (exc instanceof LimitOverrunError) {
        const at = this._start + exc.consumed;
        if (at < this._end && this._buf[at] === 10) this._take(exc.consumed + 1);
        else this._take(this._length);
        this._maybeResumeTransport();
        throw new RangeError(`readline(): ${exc.message} (limit ${this._limit} bytes); the line was discarded. Raise the limit: openConnection(host, port, { limit })`, {
          cause: exc,
        });
      }
      throw exc;
    }
  }

  /**
   * Bytes up to and including `separator` (or the first of several, whichever ends first;
   * on a tie, the shortest). At EOF without one: IncompleteReadError (the buffer is
   * emptied into `partial`). Past the limit: LimitOverrunError, and the data stays.
   */
  *readuntil(separator: Uint8Array | readonly Uint8Array[] = NEWLINE): Coro<Uint8Array> {
    const seps = checkSeparators(separator);
    const minLen = seps[0].length;
    const maxLen = seps[seps.length - 1].length;
    if (this._exception !== null) throw this._exception;

    // `offset`: how many leading bytes are known to hold no separator. Each pass searches
    // only from there; the last maxLen - 1 bytes are searched again when more arrive.
    let offset = 0;
    let matchStart = -1;
    let matchEnd = -1;
    for (;;) {
      const length = this._length;
      if (length - offset >= minLen) {
        for (const sep of seps) {
          const at = this._find(sep, offset);
          if (at >= 0 && (matchEnd < 0 || at + sep.length < matchEnd)) {
            matchStart = at;
            matchEnd = at + sep.length;
          }
        }
        if (matchEnd >= 0) break;
        offset = Math.max(0, length + 1 - maxLen);
        if (offset > this._limit) throw new LimitOverrunError('Separator is not found, and chunk exceed the limit', offset);
      }
      // The last chunk may complete a separator and bring EOF together: look first, then check EOF.
      if (this._eof) throw new IncompleteReadError(this._take(this._length), null);
      yield* this._waitForData('readuntil');
    }
    if (matchStart > this._limit) throw new LimitOverrunError('Separator is found, but chunk is longer than limit', matchStart);
    const chunk = this._take(matchEnd);
    this._maybeResumeTransport();
    return chunk;
  }

  /** Where `sep` starts in the buffer at or after `offset` (relative to the buffer), or -1. */
  _find(sep: Uint8Array, offset: number): number {
    const base = this._start;
    if (sep.length === 1) {
      const at = this._buf.indexOf(sep[0], base + offset);
      return at < 0 || at >= this._end ? -1 : at - base;
    }
    const at = indexOfBytes(this._buf, sep, base + offset, this._end);
    return at < 0 ? -1 : at - base;
  }

  // ---- async for line in reader ------------------------------------------------------

  aiter(): this {
    return this;
  }

  /** The next line; StopAsyncIteration at EOF. */
  *anext(): Coro<Uint8Array> {
    const line = yield* this.readline();
    if (line.length === 0) throw new StopAsyncIteration();
    return line;
  }

  toString(): string {
    const info = ['StreamReader'];
    if (this._length > 0) info.push(`${this._length} bytes`);
    if (this._eof) info.push('eof');
    if (this._limit !== DEFAULT_LIMIT) info.push(`limit=${this._limit}`);
    if (this._waiter !== null) info.push(`waiter=${this._waiter}`);
    if (this._exception !== null) {
      const exc = this._exception;
      info.push(`exception=${exc instanceof Error ? `${exc.name}(${exc.message ? JSON.stringify(exc.message) : ''})` : String(exc)}`);
    }
    if (this._transport !== null) info.push(`transport=${this._transport}`);
    if (this._paused) info.push('paused');
    return `<${info.join(' ')}>`;
  }
}

/** The separators, sorted shortest first (asyncio sorts so the shortest wins a tie). */
function checkSeparators(separator: unknown): Uint8Array[] {
  let seps: Uint8Array[];
  if (separator instanceof Uint8Array) {
    seps = [separator];
  } else if (Array.isArray(separator)) {
    if (separator.length === 0) throw new RangeError('readuntil(): the separator list should contain at least one element');
    for (const s of separator) {
      if (!(s instanceof Uint8Array)) {
        throw new TypeError(`readuntil(): each separator must be bytes (a Uint8Array or Buffer), got ${describe(s)}${typeof s === 'string' ? '; encode it: Buffer.from(text)' : ''}`);
      }
    }
    seps = [...(separator as Uint8Array[])].sort((a, b) => a.length - b.length);
  } else {
    throw new TypeError(
      `readuntil(): separator must be bytes (a Uint8Array or Buffer) or an array of them, got ${describe(separator)}${typeof separator === 'string' ? '; encode it: Buffer.from(text)' : ''}`,
    );
  }
  if (seps[0].length === 0) throw new RangeError('readuntil(): the separator should be at least one byte long');
  return seps;
}
