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
 * The buffer is a queue of the chunks as they came, copied neither in nor, for a read
 * within the first chunk, out: `ChunkBuffer` (chunk-buffer.ts), which the reader extends.
 *
 * `async for line in reader` is core's aiter form (packages/core/src/aiter.ts):
 *
 *     for (let line; (line = yield* anext(reader, DONE)) !== DONE; ) { ... }
 */
import { InvalidStateError, StopAsyncIteration, getEventLoop, trackCoro as trackCoroExport } from '@yieldio/core';
import type { Coro, EventLoop, Future } from '@yieldio/core';
import { createFutureUnchecked } from '@yieldio/core/internal';
import { allocBytes, copyBytes } from './bytes';
import { ChunkBuffer } from './chunk-buffer';
import { describeValue as describe } from '@yieldio/core';
import { IncompleteReadError, LimitOverrunError } from './errors';
import { checkOptions } from './options';
import type { Transport } from './transports';

// S1/S2: core's export read once. The CommonJS build reaches an imported name through a
// getter at every use (esbuild's live bindings), about 65 ns a call once the getter is
// megamorphic; plain `trackCoro(...)` paid that on every read and drain.
const trackCoro = trackCoroExport;

/** asyncio's `_DEFAULT_LIMIT`: 64 KiB. */
export const DEFAULT_LIMIT = 2 ** 16;

const NEWLINE = new Uint8Array([10]);
/** What a waiting read's future says it is, in a DeadlockError (no string built per wait). */
const WAIT_DESCRIPTIONS: Record<string, string> = {
  read: 'StreamReader.read()',
  readexactly: 'StreamReader.readexactly()',
  readuntil: 'StreamReader.readuntil()',
};
type WaitingRead = 'read' | 'readexactly' | 'readuntil';

/** Options of `new StreamReader(options)` (asyncio `StreamReader(limit=_DEFAULT_LIMIT)`). */
export interface StreamReaderOptions {
  /** The line length limit, and half the buffer limit (default 64 KiB). */
  limit?: number;
  loop?: EventLoop;
}

/** The reading half of a stream connection (asyncio `StreamReader`): `read`, `readline`, `readexactly`, `readuntil`. */
export class StreamReader extends ChunkBuffer {
  readonly _limit: number;
  /** Where this reader's limit is set, for the line-limit hint (streams.ts sets it per entry point). */
  _limitHint = 'new StreamReader({ limit })';
  readonly _loop: EventLoop;
  _eof = false;
  /** The one future a read waits on; null when no read waits. */
  _waiter: Future<void> | null = null;
  _exception: unknown = null;
  _transport: Transport | null = null;
  /** True while we paused the transport because the buffer was over 2 x limit. */
  _paused = false;
  /**
   * The options of a waiting read's future, per kind of read, made at its first wait.
   * S1/S2 (a wait per message): replaces `loop.createFuture({ description, waiterOf })`,
   * which built the object and checked its keys at every wait.
   */
  _waitOptions: Partial<Record<WaitingRead, { description: string; waiterOf: object }>> | null = null;

  constructor(options: StreamReaderOptions = {}) {
    super();
    if (options === null || typeof options !== 'object') {
      throw new TypeError(`StreamReader(): options must be an object such as { limit: 65536 }, got ${describe(options)}`);
    }
    checkOptions('StreamReader()', options, ['limit', 'loop']);
    const limit = options.limit ?? DEFAULT_LIMIT;
    if (typeof limit !== 'number' || !Number.isInteger(limit)) {
      throw new TypeError(`StreamReader(): limit must be a whole number of bytes, got ${describe(limit)}`);
    }
    if (limit <= 0) throw new RangeError(`StreamReader(): limit must be > 0, got ${limit}`);
    this._limit = limit;
    this._loop = options.loop ?? getEventLoop('StreamReader');
  }

  /** The error the stream ended with, or null (asyncio `StreamReader.exception`). */
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
    this._feedOwned(copyBytes(data, 0, data.length));
  }

  /** Add bytes nobody else will touch (a socket's chunk): queued as they are, no copy. */
  _feedOwned(data: Uint8Array): void {
    if (this._eof) throw new InvalidStateError('feedData(): called after feedEof(); no data can follow the end of the stream');
    const n = data.length;
    if (n === 0) return;
    this._chunks.push(data);
    this._length += n;
    this._wakeupWaiter();
    const transport = this._transport;
    if (transport !== null && !this._paused && this._length > 2 * this._limit) {
      transport.pauseReading();
      this._paused = true;
    }
  }

  /**
   * The future to wait on until feedData, feedEof or setException is called (asyncio
   * `_wait_for_data`; `yield* this._waitForData(...)`). A plain function returning the
   * future rather than a generator: one object less per wait. Whoever completes the
   * waiter clears `_waiter` first; a cancelled waiter is done, so it no longer counts.
   *
   * W6a/W6c (a wait per message): the hot reads wait with a bare `yield waiter` while it
   * is pending, then `waiter.result()`, where the plain code is `yield* waiter`. The
   * task that runs us sees the same future either way and resumes us only once it is
   * done (sending nothing in, or throwing its error in at the yield), so nothing changes
   * but the cost: `yield*` made a FutureIterator per wait and went through its `next()`
   * twice. In debug mode the reads keep `yield*`: the iterator adds the coroutine's
   * `yield*` chain to an error thrown in (core's addYieldChain).
   */
  _waitForData(funcName: WaitingRead): Future<void> {
    if (this._waiter !== null && !this._waiter.done()) {
      throw new InvalidStateError(`${funcName}() called while another coroutine is already waiting for incoming data; read from one task at a time`);
    }
    if (this._eof) throw new InvalidStateError(`yieldio bug: ${funcName}() waited for data after EOF`);
    // Waiting while paused would wait forever: resume (readexactly(n) with n > limit needs it).
    if (this._paused) {
      this._paused = false;
      this._transport!.resumeReading();
    }
    const known = (this._waitOptions ??= {});
    const options = (known[funcName] ??= { description: WAIT_DESCRIPTIONS[funcName], waiterOf: this });
    const waiter = createFutureUnchecked<void>(this._loop, options);
    this._waiter = waiter;
    return waiter;
  }

  /**
   * Up to `n` bytes, as soon as at least one is there; `n` < 0 (the default) reads until
   * EOF. Empty bytes at EOF.
   */
  read(n = -1): Coro<Uint8Array> {
    return trackCoro(this.#read(n), 'reader.read');
  }

  *#read(n: number): Coro<Uint8Array> {
    if (typeof n !== 'number' || !Number.isInteger(n)) {
      throw new TypeError(`read(): n must be a whole number of bytes (-1 for everything until EOF), got ${describe(n)}`);
    }
    if (this._exception !== null) throw this._exception;
    if (n === 0) return allocBytes(0);
    if (n < 0) {
      while (!this._eof) yield* this._waitForData('read');
      return this._length === 0 ? allocBytes(0) : this._take(this._length);
    }
    if (this._length === 0 && !this._eof) {
      // W6a/W6c: see _waitForData. Plain code: `yield* this._waitForData('read')`.
      const waiter = this._waitForData('read');
      if (this._loop.getDebug()) yield* waiter;
      else {
        while (!waiter.done()) yield waiter;
        waiter.result();
      }
    }
    if (this._length === 0) return allocBytes(0);
    const data = this._take(Math.min(n, this._length));
    this._maybeResumeTransport();
    return data;
  }

  /**
   * Exactly `n` bytes. At EOF before that: IncompleteReadError with the bytes there were
   * (which leave the buffer, as in asyncio).
   */
  readexactly(n: number): Coro<Uint8Array> {
    return trackCoro(this.#readexactly(n), 'reader.readexactly');
  }

  *#readexactly(n: number): Coro<Uint8Array> {
    if (typeof n !== 'number' || !Number.isInteger(n)) {
      throw new TypeError(`readexactly(): n must be a whole number of bytes, got ${describe(n)}`);
    }
    if (n < 0) throw new RangeError(`readexactly(): n must be >= 0, got ${n}`);
    if (this._exception !== null) throw this._exception;
    if (n === 0) return allocBytes(0);
    while (this._length < n) {
      if (this._eof) throw new IncompleteReadError(this._length === 0 ? allocBytes(0) : this._take(this._length), n);
      // W6a/W6c: see _waitForData. Plain code: `yield* this._waitForData('readexactly')`.
      const waiter = this._waitForData('readexactly');
      if (this._loop.getDebug()) yield* waiter;
      else {
        while (!waiter.done()) yield waiter;
        waiter.result();
      }
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
  readline(): Coro<Uint8Array> {
    return trackCoro(this.#readline(), 'reader.readline');
  }

  *#readline(): Coro<Uint8Array> {
    try {
      return yield* this.readuntil(NEWLINE);
    } catch (exc) {
      if (exc instanceof IncompleteReadError) return exc.partial;
      if (exc instanceof LimitOverrunError) {
        const head = this._coalesce();
        const at = this._offset + exc.consumed;
        // With its newline here, the whole line goes; without, only what is buffered, and
        // the rest of the line will be read as the next line (as asyncio does).
        const whole = at < head.length && head[at] === 10;
        const dropped = whole ? exc.consumed + 1 : this._length;
        if (dropped > 0) this._take(dropped);
        this._maybeResumeTransport();
        const what = whole ? 'the line was discarded' : `its first ${dropped} bytes were discarded, and the rest of it will be read as the next line`;
        throw new RangeError(`readline(): ${exc.message} (limit ${this._limit} bytes); ${what}. Raise the limit: ${this._limitHint}`, {
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
  readuntil(separator: Uint8Array | readonly Uint8Array[] = NEWLINE): Coro<Uint8Array> {
    return trackCoro(this.#readuntil(separator), 'reader.readuntil');
  }

  *#readuntil(separator: Uint8Array | readonly Uint8Array[]): Coro<Uint8Array> {
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
      if (this._eof) throw new IncompleteReadError(this._length === 0 ? allocBytes(0) : this._take(this._length), null);
      // W6a/W6c: see _waitForData. Plain code: `yield* this._waitForData('readuntil')`.
      const waiter = this._waitForData('readuntil');
      if (this._loop.getDebug()) yield* waiter;
      else {
        while (!waiter.done()) yield waiter;
        waiter.result();
      }
    }
    if (matchStart > this._limit) throw new LimitOverrunError('Separator is found, but chunk is longer than limit', matchStart);
    const chunk = this._take(matchEnd);
    this._maybeResumeTransport();
    return chunk;
  }

  // ---- async for line in reader ------------------------------------------------------

  /** The reader itself: `for (let line; (line = yield* anext(reader, DONE)) !== DONE; )` reads it line by line (asyncio's `async for line in reader`). */
  aiter(): this {
    return this;
  }

  /** The next line; StopAsyncIteration at EOF. */
  *anext(): Coro<Uint8Array> {
    const line = yield* this.readline();
    if (line.length === 0) throw new StopAsyncIteration();
    return line;
  }

  /** `<StreamReader ...>` with the buffer size, EOF and the waiter, as asyncio's `repr`. */
  override toString(): string {
    const info = ['StreamReader'];
    if (this._length > 0) info.push(`${this._length} bytes`);
    if (this._eof) info.push('eof');
    if (this._limit !== DEFAULT_LIMIT) info.push(`limit=${this._limit}`);
    if (this._waiter !== null && !this._waiter.done()) info.push(`waiter=${this._waiter}`);
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
